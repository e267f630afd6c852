import { z } from 'zod';
import { taskQueue as defaultTaskQueue } from '../domain/messages';

/** Treats an empty or blank variable as unset, as `FOO=` in a compose or .env file means. */
function unsetWhenBlank(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

const text = z.string().trim();

/** host:port, such as "127.0.0.1:7233" or "temporal:7233". */
const address = text.regex(
  /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/,
  'must be host:port, such as 127.0.0.1:7233',
);

function urlWithProtocols(protocols: string[], example: string) {
  return text.refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL such as ${example}` },
  );
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  TEMPORAL_ADDRESS: z.preprocess(unsetWhenBlank, address.default('127.0.0.1:7233')),
  TEMPORAL_NAMESPACE: z.preprocess(unsetWhenBlank, text.default('default')),
  TASK_QUEUE: z.preprocess(unsetWhenBlank, text.default(defaultTaskQueue)),
  SMTP_URL: z.preprocess(
    unsetWhenBlank,
    urlWithProtocols(['smtp:', 'smtps:'], 'smtp://127.0.0.1:1025 or smtps://user:pass@host:465'),
  ),
  MAIL_FROM: z.preprocess(
    unsetWhenBlank,
    text
      .regex(/@/, 'must be an email address, such as "Onboarding <onboarding@example.com>"')
      .default('Onboarding <onboarding@onboarding.local>'),
  ),
  PROVISIONING_URL: z.preprocess(
    unsetWhenBlank,
    urlWithProtocols(['http:', 'https:'], 'http://127.0.0.1:4100').optional(),
  ),
  LOG_LEVEL: z.preprocess(
    unsetWhenBlank,
    z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }).default('info'),
  ),
});

/** Description of the value each required variable needs, for the "missing" message. */
const requiredValues: Record<string, string> = {
  SMTP_URL: 'the SMTP server that sends the emails, such as smtp://127.0.0.1:1025',
};

/** Variables whose values may carry a password, so an error message never shows them. */
const secretVariables = new Set(['SMTP_URL', 'PROVISIONING_URL']);

export type LogLevel = (typeof logLevels)[number];

/** Settings of the worker, read once from the environment at start-up. */
export interface WorkerConfig {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** SMTP server that sends every email, such as "smtp://127.0.0.1:1025". */
  smtpUrl: string;
  /** From address of every email. */
  mailFrom: string;
  /** Base URL of the provisioning API; unset means onboardings skip automatic provisioning. */
  provisioningUrl?: string;
  logLevel: LogLevel;
}

/** Raised when an environment variable is missing or invalid; the message names each one. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the worker's settings from the environment. Blank variables count as unset.
 * Throws ConfigError naming every missing or invalid variable.
 */
export function parseWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '');
      const value = env[variable];
      if (value === undefined || value.trim() === '') {
        return `${variable} is missing: set it to ${requiredValues[variable] ?? 'a value'}`;
      }
      const received = secretVariables.has(variable) ? '' : ` (got "${value}")`;
      return `${variable} is invalid: it ${issue.message}${received}`;
    });
    throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
  }

  const parsed = result.data;
  return {
    temporalAddress: parsed.TEMPORAL_ADDRESS,
    namespace: parsed.TEMPORAL_NAMESPACE,
    taskQueue: parsed.TASK_QUEUE,
    smtpUrl: parsed.SMTP_URL,
    mailFrom: parsed.MAIL_FROM,
    provisioningUrl: parsed.PROVISIONING_URL,
    logLevel: parsed.LOG_LEVEL,
  };
}
