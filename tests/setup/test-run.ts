/**
 * Tags the processes of one test run, so global-teardown can stop Temporal servers that a test
 * started and never tore down. Processes inherit the variable from the Jest process that
 * global-setup sets it in, including the servers that the Temporal SDK starts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loopbackLauncherPath } from './binaries';

export const testRunIdVariable = 'ONBOARDING_TEST_RUN_ID';

/** Executable names of the Temporal servers that tests start. */
const serverNames = new Set(['temporal', 'temporal-test-server']);

export interface TaggedProcess {
  pid: number;
  parentPid: number;
  command: string;
}

function readArgs(pid: string): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Reads the parent PID from /proc/<pid>/stat, whose second field may contain spaces. */
function readParentPid(pid: string): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

function hasTag(pid: string, tag: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(tag);
  } catch {
    // The process exited, or belongs to another user.
    return false;
  }
}

function isTemporalServer(args: string[]): boolean {
  const executable = path.basename(args[0] ?? '');
  return serverNames.has(executable) || args.includes(loopbackLauncherPath);
}

/**
 * Returns the running Temporal servers and test server launchers that carry `runId`, read from
 * /proc, leaving out those whose parent is in the list too: a launcher's own processes stop with
 * it. Returns an empty list on systems without /proc.
 */
export function findTaggedTemporalServers(runId: string): TaggedProcess[] {
  if (!fs.existsSync('/proc/self')) return [];

  const tag = `${testRunIdVariable}=${runId}`;
  const found: TaggedProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const args = readArgs(entry);
    if (!args || !isTemporalServer(args) || !hasTag(entry, tag)) continue;
    found.push({ pid: Number(entry), parentPid: readParentPid(entry), command: args.join(' ') });
  }
  const pids = new Set(found.map((entry) => entry.pid));
  return found.filter((entry) => !pids.has(entry.parentPid));
}
