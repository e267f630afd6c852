'use strict';
const fs = require('node:fs');
/**
 * Jest reporter that prints one plain line as the very last output of the run:
 *
 *   Tests: 12 passed, 1 failed, 2 skipped
 *
 * CI reads that line to count the tests. ", N skipped" appears only when tests were skipped or
 * marked todo. A test file that failed to run (a syntax error, a throwing beforeAll) counts as one
 * failed test. A run that fails with no failed test (a snapshot or reporter error, a failing
 * global teardown) shows "1 failed", so the line never reads "0 failed" for a failed run.
 *
 * The line is written when the process exits, after Jest's own summary and any open-handle
 * warnings, and after Jest has set `success` on the results, which happens after onRunComplete.
 * It goes straight to file descriptor 1, because with --forceExit Jest replaces
 * process.stdout.write with a function that drops everything.
 *
 * When the process is still alive 30 s after the run finished, something a test started (a
 * Temporal Worker polling a stopped server, an open connection or timer) keeps it running, and CI
 * would wait until its time limit. The reporter then prints a warning and exits with the run's
 * exit code, which also prints the line.
 */
/** Time between the end of the run and a forced exit of a process that did not exit, in ms. */
const exitGraceMs = 30_000;

class SummaryReporter {
  constructor() {
    this.results = undefined;
    process.once('exit', (code) => {
      if (this.results !== undefined) writeToStdout(`\n${summaryLine(this.results, code)}\n`);
    });
  }

  onRunComplete(_testContexts, results) {
    this.results = results;
    // unref() lets the timer fire only when something else keeps the process alive.
    setTimeout(() => {
      const exitCode = results.success ? 0 : 1;
      writeToStderr(
        `\nJest did not exit ${exitGraceMs / 1000} s after the run finished, because a test left ` +
          'a Worker, connection or timer running (run "npx jest --detectOpenHandles" to find it); ' +
          `exiting with code ${exitCode}\n`,
      );
      process.exit(exitCode);
    }, exitGraceMs).unref();
  }

  getLastError() {
    return undefined;
  }
}

/** Writes `text` to file descriptor `fd`, retrying while a non-blocking pipe is full. */
function writeToFd(fd, text) {
  let buffer = Buffer.from(text);
  for (let attempt = 0; buffer.length > 0 && attempt < 1000; attempt += 1) {
    try {
      buffer = buffer.subarray(fs.writeSync(fd, buffer));
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
    }
  }
}

const writeToStdout = (text) => writeToFd(1, text);
const writeToStderr = (text) => writeToFd(2, text);

function summaryLine(results, exitCode) {
  const passed = results.numPassedTests;
  let failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
  if (failed === 0 && (results.success === false || exitCode !== 0)) failed = 1;
  const skipped = results.numPendingTests + results.numTodoTests;

  let line = `Tests: ${passed} passed, ${failed} failed`;
  if (skipped > 0) line += `, ${skipped} skipped`;
  return line;
}

module.exports = SummaryReporter;
