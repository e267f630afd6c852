import { z } from 'zod';
import { taskQueue as defaultTaskQueue } from '../domain/messages';

const optionalText = z.string().trim().optional();

const envSchema = z.object({
  PORT: z.coerce
    .number({ error: 'must be a port number, such as 3000' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65_535, 'must be between 1 and 65535')
    .default(3000),
  HOST: optionalText.default('127.0.0.1'),
  API_TOKENS: optionalText.transform((value) =>
    value === undefined
      ? []
      : value
          .split(',')
          .map((token) => token.trim())
          .filter((token) => token !== ''),
  ),
  PLANS_DIR: optionalText,
  TEMPORAL_ADDRESS: optionalText.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: optionalText.default('default'),
  TASK_QUEUE: optionalText.default(defaultTaskQueue),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Variables whose values never appear in an error message. */
const secretVariables = new Set(['API_TOKENS']);

/** Settings of the HTTP API, read from the environment once at start-up. */
export type ApiConfig = z.output<typeof envSchema>;

/** Raised when an environment variable is invalid. The message names every invalid variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the API's settings from the environment. Empty variables count as unset.
 * Throws ConfigError naming each invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const setVariables = Object.entries(env).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== '',
  );
  const result = envSchema.safeParse(Object.fromEntries(setVariables));
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '');
    const receivedValue = secretVariables.has(variable) ? '' : ` (got "${env[variable] ?? ''}")`;
    return `${variable}: ${issue.message}${receivedValue}`;
  });
  throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
}
