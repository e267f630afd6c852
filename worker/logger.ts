import type {
  Logger as TemporalLogger,
  LogLevel as TemporalLogLevel,
  LogMetadata,
} from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import pino from 'pino';
import pretty from 'pino-pretty';

/**
 * Creates the process logger on stdout, written synchronously, so lines keep their order with other
 * output and a fatal line is not lost when the process exits right after it. A terminal gets
 * readable lines; anything else, or LOG_FORMAT=json, gets one JSON object per line.
 */
export function createLogger(level: string = 'info', name = 'onboarding-worker'): pino.Logger {
  const readable = process.stdout.isTTY && process.env.LOG_FORMAT !== 'json';
  const destination = readable
    ? pretty({
        sync: true,
        singleLine: true,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname',
      })
    : pino.destination({ dest: 1, sync: true });
  return pino({ name, level }, destination);
}

const pinoLevels: Record<TemporalLogLevel, pino.Level> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Moves an `error` field that contains an Error to `err`, because pino's standard serializer writes
 * the message and stack of `err` only. Elsewhere pino writes an Error as `{}`.
 */
function toPinoFields(meta: LogMetadata | undefined): Record<string, unknown> {
  if (!meta) return {};
  const { error, ...rest } = meta as Record<string, unknown>;
  if (error instanceof Error) return { ...rest, err: error };
  return error === undefined ? rest : { ...rest, error };
}

/** Temporal's Logger interface on top of a pino logger, so SDK and workflow logs share its output. */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly logger: pino.Logger) {}

  log(level: TemporalLogLevel, message: string, meta?: LogMetadata): void {
    this.logger[pinoLevels[level]](toPinoFields(meta), message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * Installs the process-wide Temporal Runtime with a logger that writes through `logger`: the SDK's
 * own messages, workflow and activity context logs, and the native core's logs (WARN and above).
 * Call it before creating any Worker or NativeConnection; Runtime.install throws when a Runtime
 * already exists.
 *
 * The Runtime does not stop workers on signals here, so the caller decides the shutdown order.
 */
export function installTemporalRuntime(logger: pino.Logger): Runtime {
  return Runtime.install({
    logger: new PinoTemporalLogger(logger.child({ component: 'temporal-sdk' })),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
    },
    shutdownSignals: [],
  });
}
