/**
 * Runs once before all test files. Fails the run at once, with the fix, when the Temporal binaries
 * or the tools that keep the time-skipping test server on 127.0.0.1 are missing, instead of letting
 * every test that needs a server time out.
 *
 * It also tags the run: every process started from here on inherits ONBOARDING_TEST_RUN_ID, so
 * global-teardown can find Temporal servers that a test left running.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { findExecutable, loopbackLauncherPath, temporalCliPath, testServerPath } from './binaries';
import { testRunIdVariable } from './test-run';

/** Directories where util-linux and iproute2 install their programs on Debian. */
const systemDirs = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

function checkLoopbackLauncher(problems: string[]): void {
  if (process.platform !== 'linux') {
    problems.push(
      `${path.basename(loopbackLauncherPath)} needs Linux network namespaces, so the time-skipping test server cannot run on ${process.platform}`,
    );
    return;
  }

  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...systemDirs];
  const tools = { unshare: 'util-linux', setpriv: 'util-linux', ip: 'iproute2' };
  for (const [tool, debianPackage] of Object.entries(tools)) {
    if (!findExecutable(tool, dirs)) {
      problems.push(`${tool} not found: install it with "apt-get install ${debianPackage}"`);
    }
  }

  // The same namespaces the launcher creates, so a sandbox that forbids them fails here.
  const args = ['--net', '--pid', '--fork', '--kill-child=SIGKILL'];
  if (process.getuid?.() !== 0) args.push('--map-root-user');
  const probe = spawnSync('unshare', [...args, 'true'], { encoding: 'utf8' });
  if (probe.error === undefined && probe.status !== 0) {
    problems.push(
      `cannot create network and PID namespaces ("unshare ${args.join(' ')} true" failed: ${probe.stderr.trim()}); run the tests as root or enable unprivileged user namespaces`,
    );
  }
}

export default function globalSetup(): void {
  const problems: string[] = [];
  for (const locate of [testServerPath, temporalCliPath]) {
    try {
      locate();
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  checkLoopbackLauncher(problems);

  if (problems.length > 0) {
    throw new Error(`cannot run the tests:\n- ${problems.join('\n- ')}`);
  }

  process.env[testRunIdVariable] = randomUUID();
}
