/**
 * Starts the Temporal CLI dev server from .venv/bin for `npm run dev`, installing it first when it
 * is missing, and stops it again.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { TypedSearchAttributes } from '@temporalio/common';
import type { Logger } from 'pino';
import { onboardingSearchAttributeKeys } from '../worker/temporal';

const repoRoot = path.resolve(__dirname, '..');
const cliPath = path.join(repoRoot, '.venv', 'bin', 'temporal');
const installScript = path.join(repoRoot, 'scripts', 'install-temporal.sh');

/** Lines of server output kept to explain an early exit. */
const keptOutputLines = 20;
/** How long the server may take to stop after SIGINT before it gets SIGKILL, in milliseconds. */
const stopTimeoutMs = 10_000;

export interface DevServerOptions {
  ip: string;
  port: number;
  uiPort: number;
  /** SQLite file that keeps workflows across restarts. */
  dbFile: string;
  /** Namespace to create at start, in addition to "default". */
  namespace: string;
  logger: Logger;
}

export interface DevServer {
  /** host:port of the frontend gRPC service. */
  address: string;
  uiUrl: string;
  /** Settles when the server process exits, with its exit code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the server printed, to explain an early exit. */
  recentOutput(): string[];
  /** Sends SIGINT, so the server shuts down cleanly, and SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/** Installs the Temporal CLI into .venv/bin with scripts/install-temporal.sh when it is missing. */
export function ensureTemporalCli(logger: Logger): string {
  if (fs.existsSync(cliPath)) return cliPath;

  logger.info({ script: installScript }, 'temporal cli missing, installing it');
  const result = spawnSync('bash', [installScript], { stdio: 'inherit' });
  if (result.status !== 0 || !fs.existsSync(cliPath)) {
    throw new Error(
      `failed to install the Temporal CLI with ${installScript} (exit code ${result.status}); set TEMPORAL_ADDRESS to use a running Temporal server instead`,
    );
  }
  return cliPath;
}

/** Resolves when nothing listens on ip:port, and rejects naming the port when something does. */
async function checkPortFree(ip: string, port: number, purpose: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? 'is in use' : `failed: ${error.message}`;
      reject(new Error(`${purpose} port ${ip}:${port} ${reason}`));
    });
    probe.listen(port, ip, () => probe.close(() => resolve()));
  });
}

function serverArgs(options: DevServerOptions): string[] {
  const searchAttributeFlags = onboardingSearchAttributeKeys.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
  ]);
  const namespaceFlags = options.namespace === 'default' ? [] : ['--namespace', options.namespace];

  return [
    'server',
    'start-dev',
    '--ip',
    options.ip,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--db-filename',
    options.dbFile,
    ...namespaceFlags,
    ...searchAttributeFlags,
    // Turns off the server's version check and the Web UI's news feed, which send requests to
    // temporal.io.
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    '--ui-disable-news-fetch',
    '--log-format',
    'json',
    '--log-level',
    'warn',
  ];
}

/**
 * Forwards each line of the server's output to the logger and keeps the last few. Once the server
 * is stopping, its warnings (failed polls of its own stopped services) go to debug.
 */
function forwardOutput(
  child: ChildProcess,
  logger: Logger,
  recent: string[],
  isStopping: () => boolean,
): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > keptOutputLines) recent.shift();

      let entry: { msg?: unknown; level?: unknown } | undefined;
      try {
        entry = JSON.parse(line) as { msg?: unknown; level?: unknown };
      } catch {
        // The start-up banner is plain text.
      }
      if (entry && typeof entry.msg === 'string') {
        let level: 'debug' | 'warn' | 'error' = 'warn';
        if (isStopping()) level = 'debug';
        else if (entry.level === 'error' || entry.level === 'fatal') level = 'error';
        logger[level]({ server: entry }, entry.msg);
      } else if (line.trim() !== '') {
        logger.debug({ line }, 'temporal server output');
      }
    });
  }
}

/**
 * Starts `temporal server start-dev` with the onboarding search attributes. The server gets its own
 * process group, so a Ctrl-C in the terminal reaches only this script, which stops the worker
 * before the server. On Linux, setpriv sends the server SIGTERM if this script dies without
 * stopping it.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = ensureTemporalCli(options.logger);
  await checkPortFree(options.ip, options.port, 'Temporal gRPC');
  await checkPortFree(options.ip, options.uiPort, 'Temporal Web UI');
  fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });

  const args = serverArgs(options);
  const usePdeathsig = process.platform === 'linux' && fs.existsSync('/usr/bin/setpriv');
  const child = usePdeathsig
    ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'TERM', '--', cli, ...args], {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(cli, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });

  const recent: string[] = [];
  let stopping = false;
  forwardOutput(child, options.logger, recent, () => stopping);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      recent.push(error.message);
      resolve({ code: null, signal: null });
    });
  });
  options.logger.info(
    { serverPid: child.pid, address: `${options.ip}:${options.port}`, dbFile: options.dbFile },
    'temporal dev server starting',
  );

  return {
    address: `${options.ip}:${options.port}`,
    uiUrl: `http://${options.ip}:${options.uiPort}`,
    exited,
    recentOutput: () => [...recent],
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      const { code, signal } = await exited;
      clearTimeout(timer);
      options.logger.info({ serverPid: child.pid, code, signal }, 'temporal dev server stopped');
    },
  };
}
