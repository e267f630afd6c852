#!/usr/bin/env node
'use strict';
/**
 * Starts the Temporal time-skipping test server so that only 127.0.0.1 can reach it.
 *
 * The test server (temporal-test-server 1.40.0, sdk-java's TestServer.main) accepts only
 * `<port> [--enable-time-skipping]` and binds the wildcard address on every interface. This
 * launcher takes the same arguments, so @temporalio/testing can start it as an `existing-path`
 * executable, plus `--server <path>` to choose the test server binary (default
 * .venv/bin/temporal-test-server in the repository).
 *
 * It listens on 127.0.0.1:<port>, then runs the server inside a new network namespace whose only
 * interface is its own loopback. The listening socket is handed to a process inside the namespace,
 * which accepts on it and connects each client to the server on the namespace's loopback.
 *
 * That process is PID 1 of a new PID namespace, so when it dies the kernel kills the server too.
 * The server therefore stops even when the launcher itself is killed with SIGKILL.
 *
 * Needs Linux, util-linux (unshare, setpriv) and iproute2 (ip). Without root it needs
 * unprivileged user namespaces.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const defaultBinary = path.join(__dirname, '..', '.venv', 'bin', 'temporal-test-server');

function fail(message) {
  process.stderr.write(`loopback-test-server: ${message}\n`);
  process.exit(1);
}

function parsePort(text) {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(`invalid port "${text}": expected usage: loopback-test-server <port> [flags]`);
  }
  return port;
}

/** Pipes two sockets into each other and destroys both when either closes or fails. */
function joinSockets(first, second) {
  first.pipe(second).pipe(first);
  for (const socket of [first, second]) {
    socket.on('error', () => {
      first.destroy();
      second.destroy();
    });
    socket.on('close', () => {
      first.destroy();
      second.destroy();
    });
  }
}

/** Splits `--server <path>` off the arguments meant for the test server. */
function parseOuterArgs(args) {
  const [portText, ...rest] = args;
  const port = parsePort(portText);
  let binary = defaultBinary;
  const flags = [];
  for (let index = 0; index < rest.length; index += 1) {
    if (rest[index] === '--server') {
      binary = rest[index + 1];
      index += 1;
      if (!binary) fail('missing path after --server');
    } else {
      flags.push(rest[index]);
    }
  }
  return { port, binary, flags };
}

/**
 * Runs in the root network namespace: listens on 127.0.0.1:<port>, starts the inner process in new
 * network and PID namespaces, and hands it the listening socket over the IPC channel.
 */
function runOuter(args) {
  const { port, binary, flags } = parseOuterArgs(args);
  if (!fs.existsSync(binary)) {
    fail(`test server binary not found at ${binary}: run "bash scripts/install-temporal.sh"`);
  }

  const unshareArgs = ['--net', '--pid', '--fork', '--kill-child=SIGKILL'];
  if (process.getuid && process.getuid() !== 0) unshareArgs.push('--map-root-user');
  // setpriv makes unshare receive SIGKILL when this process dies, and unshare's --kill-child passes
  // it on to the inner process. The IPC channel's file descriptor survives both exec calls.
  const inner = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      '--',
      'unshare',
      ...unshareArgs,
      '--',
      process.execPath,
      __filename,
      '--inside',
      binary,
      String(port),
      ...flags,
    ],
    { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] },
  );

  let stopping = false;
  function stop(exitCode) {
    if (stopping) return;
    stopping = true;
    if (inner.exitCode === null && inner.signalCode === null) inner.kill('SIGKILL');
    process.exit(exitCode);
  }

  inner.on('error', (error) => {
    process.stderr.write(`loopback-test-server: failed to start setpriv: ${error.message}\n`);
    stop(1);
  });
  inner.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(
        `loopback-test-server: test server exited (code ${code}, signal ${signal}); ` +
          'running it in a network namespace needs root or unprivileged user namespaces\n',
      );
    }
    stop(code ?? 1);
  });

  // Connections that arrive before the socket is handed over are closed; gRPC clients retry.
  const listener = net.createServer((socket) => socket.destroy());
  listener.on('error', (error) => {
    process.stderr.write(
      `loopback-test-server: failed to listen on 127.0.0.1:${port}: ${error.message}\n`,
    );
    stop(1);
  });
  listener.listen(port, '127.0.0.1', () => {
    inner.send('listener', listener, (error) => {
      if (error) {
        process.stderr.write(`loopback-test-server: failed to hand over the socket: ${error}\n`);
        stop(1);
        return;
      }
      // The inner process has its own copy of the socket, which stays open.
      listener.close();
    });
  });

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(0));

  // The SDK may die without stopping the server (a crashed or killed test run); stop then too.
  const parentPid = process.ppid;
  setInterval(() => {
    if (process.ppid !== parentPid) stop(0);
  }, 1000).unref();
}

/**
 * Runs as PID 1 inside the new namespaces: brings up the loopback interface, starts the test
 * server, and accepts on the socket from the outer process, connecting each client to the server
 * on the namespace's 127.0.0.1.
 */
function runInner(args) {
  const [binary, portText, ...flags] = args;
  const port = parsePort(portText);

  const searchPath = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
  const link = spawnSync('ip', ['link', 'set', 'lo', 'up'], {
    env: { ...process.env, PATH: searchPath },
    stdio: 'inherit',
  });
  if (link.error || link.status !== 0) {
    fail(
      `failed to bring up loopback with "ip link set lo up": ${link.error?.message ?? link.status}`,
    );
  }

  const server = spawn(binary, [String(port), ...flags], { stdio: 'inherit' });
  server.on('error', (error) => fail(`failed to start ${binary}: ${error.message}`));
  server.on('exit', (code) => process.exit(code ?? 1));

  process.on('message', (message, listener) => {
    if (message !== 'listener' || !listener) return;
    listener.on('connection', (client) => joinSockets(client, net.connect(port, '127.0.0.1')));
  });
  // The channel closes when the outer process exits.
  process.on('disconnect', () => server.kill('SIGKILL'));

  // PID 1 ignores signals it has no handler for, so handle them explicitly.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => server.kill('SIGKILL'));
  }
}

const args = process.argv.slice(2);
if (args[0] === '--inside') {
  runInner(args.slice(1));
} else {
  runOuter(args);
}
