import pino from 'pino';

/**
 * Creates the API's logger: JSON lines on stdout. Authorization and cookie headers are redacted
 * in case a request object is ever logged whole.
 */
export function createLogger(level: string = 'info'): pino.Logger {
  return pino({
    name: 'onboarding-api',
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}
