/**
 * Runs the whole onboarding system on this machine (`npm run dev`):
 *
 * - the Temporal dev server from .venv/bin on 127.0.0.1:7233 (TEMPORAL_PORT) with its Web UI on :8233
 *   (TEMPORAL_UI_PORT) and its data in data/temporal.sqlite, unless TEMPORAL_ADDRESS names a running
 *   server; DATA_DIR moves the data folder;
 * - a local SMTP server that writes every email to data/mail as an .eml file, unless SMTP_URL is set
 *   (MAIL_CAPTURE_PORT sets its port on 127.0.0.1, default 1025);
 * - the worker and the HTTP API (PORT, default 3000, on HOST, default 127.0.0.1).
 *
 * The API and worker settings come from the environment as in api/config.ts and worker/config.ts:
 * API_TOKENS, PLANS_DIR, PROVISIONING_URL, MAIL_FROM, TEMPORAL_NAMESPACE, TASK_QUEUE, LOG_LEVEL.
 * Ctrl-C, SIGTERM or SIGHUP stops everything this script started, in reverse order, and exits. A
 * second signal exits at once. npm 11 passes SIGTERM only to its `sh -c` child, which exits without
 * passing it on, so the script also stops when the process that launched it (tsx) loses its parent.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { createApp } from '../api/app';
import { ConfigError as ApiConfigError, loadConfig, type ApiConfig } from '../api/config';
import { builtInPlansDir, loadPlans } from '../api/plans';
import { ConfigError as WorkerConfigError, parseWorkerConfig } from '../worker/config';
import { createLogger, installTemporalRuntime } from '../worker/logger';
import { startMailCapture } from '../worker/mail-capture';
import { registerSearchAttributes, waitForTemporal } from '../worker/temporal';
import { startOnboardingWorker } from '../worker/worker';
import { startTemporalDevServer, type DevServer } from './temporal-dev-server';

const repoRoot = path.resolve(__dirname, '..');
const dataDir = path.resolve(repoRoot, process.env.DATA_DIR?.trim() || 'data');
const mailDir = path.join(dataDir, 'mail');
/** A repeat of the first stop signal within this time, in milliseconds, is a relayed copy. */
const relayedSignalWindowMs = 1_000;
/** How long open HTTP requests may take to finish at shutdown, in milliseconds. */
const httpCloseTimeoutMs = 5_000;

/** One started part of the system and how to stop it. */
interface Part {
  name: string;
  stop(): Promise<void>;
}

/** Addresses that the start-up banner prints. */
interface Endpoints {
  apiUrl: string;
  temporalAddress: string;
  uiUrl?: string;
  mail: string;
}

function readPort(variable: string, fallback: number): number {
  const text = process.env[variable]?.trim() || String(fallback);
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ApiConfigError(
      `invalid environment: ${variable} is invalid: it must be a port number, such as ${fallback} (got "${text}")`,
    );
  }
  return port;
}

async function listen(app: ReturnType<typeof createApp>, config: ApiConfig): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(config.PORT, config.HOST);
    server.once('listening', () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'EADDRINUSE' ? ': set PORT to a free port' : '';
      reject(
        new Error(`API failed to listen on ${config.HOST}:${config.PORT}${hint}`, { cause: error }),
      );
    });
  });
}

/** Stops accepting requests and waits for open ones, cutting them off after a timeout. */
async function closeServer(server: Server): Promise<void> {
  const timer = setTimeout(() => server.closeAllConnections(), httpCloseTimeoutMs);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  clearTimeout(timer);
}

/** Returns the parent PID of `pid`, read from /proc, or undefined where that fails. */
function parentPidOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The second field, the command name in brackets, may contain spaces.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * Calls `onLost` once the process that launched this one (tsx, under npm) is reparented, which
 * happens when npm or the shell above it exits without passing its signal on.
 */
function watchLauncher(onLost: () => void): void {
  const launcherPid = process.ppid;
  const launcherParentPid = parentPidOf(launcherPid);
  if (launcherParentPid === undefined) return;

  setInterval(() => {
    if (parentPidOf(launcherPid) !== launcherParentPid) onLost();
  }, 1000).unref();
}

function printBanner(endpoints: Endpoints, config: ApiConfig): void {
  const lines = [
    '',
    'Onboarding is running:',
    `  API          ${endpoints.apiUrl}  (GET /healthz, GET /readyz, POST /onboardings)`,
    `  Temporal     ${endpoints.temporalAddress}, namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TASK_QUEUE}`,
    `  Web UI       ${endpoints.uiUrl ?? 'served by the Temporal server at TEMPORAL_ADDRESS'}`,
    `  Mail         ${endpoints.mail}`,
    'Press Ctrl-C to stop.',
    '',
  ];
  console.log(lines.join('\n'));
}

class DevSystem {
  private readonly parts: Part[] = [];
  private stopping = false;

  constructor(private readonly logger: Logger) {}

  add(part: Part): void {
    this.parts.push(part);
  }

  /** Stops every started part in reverse order of start, then exits with `exitCode`. */
  async stopAndExit(reason: string, exitCode: number): Promise<never> {
    if (this.stopping) return new Promise<never>(() => undefined);
    this.stopping = true;
    this.logger.info({ reason }, 'stopping');

    for (const part of this.parts.reverse()) {
      try {
        await part.stop();
        this.logger.info({ part: part.name }, 'stopped');
      } catch (error) {
        this.logger.error({ err: error, part: part.name }, 'failed to stop');
      }
    }
    process.exit(exitCode);
  }

  get isStopping(): boolean {
    return this.stopping;
  }
}

async function startTemporal(system: DevSystem, config: ApiConfig, logger: Logger) {
  const existing = process.env.TEMPORAL_ADDRESS?.trim();
  if (existing) {
    logger.info({ address: existing }, 'using the Temporal server at TEMPORAL_ADDRESS');
    return { address: existing, uiUrl: undefined };
  }

  const server: DevServer = await startTemporalDevServer({
    ip: '127.0.0.1',
    port: readPort('TEMPORAL_PORT', 7233),
    uiPort: readPort('TEMPORAL_UI_PORT', 8233),
    dbFile: path.join(dataDir, 'temporal.sqlite'),
    namespace: config.TEMPORAL_NAMESPACE,
    logger: logger.child({ component: 'temporal-server' }),
  });
  system.add({ name: 'temporal dev server', stop: () => server.stop() });

  void server.exited.then(({ code, signal }) => {
    if (system.isStopping) return;
    logger.error(
      { code, signal, output: server.recentOutput() },
      'temporal dev server exited unexpectedly',
    );
    void system.stopAndExit('temporal dev server exited', 1);
  });
  return { address: server.address, uiUrl: server.uiUrl };
}

async function startMail(system: DevSystem, logger: Logger) {
  const configured = process.env.SMTP_URL?.trim();
  if (configured) return { smtpUrl: configured, description: `sent through SMTP_URL` };

  const capture = await startMailCapture({
    dir: mailDir,
    port: readPort('MAIL_CAPTURE_PORT', 1025),
    logger: logger.child({ component: 'mail-capture' }),
  });
  system.add({ name: 'mail capture', stop: () => capture.close() });
  return { smtpUrl: capture.url, description: `${mailDir} (.eml files, SMTP ${capture.url})` };
}

async function run(system: DevSystem, config: ApiConfig, logger: Logger): Promise<void> {
  const temporal = await startTemporal(system, config, logger);
  const connection = await waitForTemporal({ address: temporal.address, logger });
  system.add({ name: 'temporal connection', stop: () => connection.close() });
  await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE);

  const mail = await startMail(system, logger);

  const workerConfig = parseWorkerConfig({
    ...process.env,
    TEMPORAL_ADDRESS: temporal.address,
    SMTP_URL: mail.smtpUrl,
  });
  const worker = await startOnboardingWorker(workerConfig, logger.child({ component: 'worker' }));
  system.add({ name: 'worker', stop: () => worker.stop() });
  worker.finished.then(
    () => {
      if (!system.isStopping) void system.stopAndExit('worker stopped unexpectedly', 1);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'worker failed');
      void system.stopAndExit('worker failed', 1);
    },
  );

  const apiLogger = logger.child({ component: 'api' });
  const plansDirs = config.PLANS_DIR
    ? [builtInPlansDir, path.resolve(config.PLANS_DIR)]
    : [builtInPlansDir];
  const app = createApp({
    client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    plans: loadPlans(plansDirs, apiLogger),
    taskQueue: config.TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    apiTokens: config.API_TOKENS,
    logger: apiLogger,
  });
  const server = await listen(app, config);
  system.add({ name: 'api', stop: () => closeServer(server) });
  if (config.API_TOKENS.length === 0) {
    apiLogger.warn('API_TOKENS is unset, so the API accepts every request without a bearer token');
  }
  apiLogger.info({ host: config.HOST, port: config.PORT }, 'api listening');

  printBanner(
    {
      apiUrl: `http://${config.HOST}:${config.PORT}`,
      temporalAddress: temporal.address,
      uiUrl: temporal.uiUrl,
      mail: mail.description,
    },
    config,
  );
}

async function main(): Promise<void> {
  let config: ApiConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ApiConfigError)) throw error;
    createLogger().fatal(error.message);
    process.exit(2);
  }

  const logger = createLogger(config.LOG_LEVEL, 'onboarding-dev');
  installTemporalRuntime(logger);
  const system = new DevSystem(logger);

  let firstSignal: { signal: NodeJS.Signals; at: number } | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // A signal sent to the whole process group also arrives relayed by tsx: that copy is ignored.
    const relayed =
      firstSignal?.signal === signal && Date.now() - firstSignal.at < relayedSignalWindowMs;
    if (system.isStopping && relayed) return;
    if (system.isStopping) {
      logger.warn({ signal }, 'second signal received, exiting without waiting');
      process.exit(1);
    }
    firstSignal = { signal, at: Date.now() };
    void system.stopAndExit(signal, 0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  watchLauncher(() => void system.stopAndExit('the process that started this script exited', 0));

  try {
    await run(system, config, logger);
  } catch (error) {
    const configError = error instanceof ApiConfigError || error instanceof WorkerConfigError;
    logger.fatal(
      configError ? { reason: (error as Error).message } : { err: error },
      'start failed',
    );
    await system.stopAndExit('start failed', 1);
  }
}

void main();
