/**
 * Runs once after all test files: stops any Temporal server that a test started and did not tear
 * down, so no server outlives the run, and names it so the missing teardown gets fixed.
 */
import { findTaggedTemporalServers, testRunIdVariable } from './test-run';

export default function globalTeardown(): void {
  const runId = process.env[testRunIdVariable];
  if (!runId) return;

  const leftovers = findTaggedTemporalServers(runId);
  for (const server of leftovers) {
    try {
      // SIGKILL also stops a server that ignores SIGTERM, and the launcher's server dies with it.
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // It exited in the meantime.
    }
  }
  if (leftovers.length > 0) {
    const list = leftovers.map((server) => `  ${server.pid} ${server.command}`).join('\n');
    console.warn(
      `Stopped ${leftovers.length} Temporal server process(es) left running by tests; call env.teardown() in afterAll:\n${list}`,
    );
  }
}
