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
 */
class SummaryReporter {
  constructor() {
    this.results = undefined;
    process.once('exit', (code) => {
      if (this.results !== undefined) writeToStdout(`\n${summaryLine(this.results, code)}\n`);
    });
  }

  onRunComplete(_testContexts, results) {
    this.results = results;
  }

  getLastError() {
    return undefined;
  }
}

/** Writes `text` to file descriptor 1, retrying while a non-blocking pipe is full. */
function writeToStdout(text) {
  let buffer = Buffer.from(text);
  for (let attempt = 0; buffer.length > 0 && attempt < 1000; attempt += 1) {
    try {
      buffer = buffer.subarray(fs.writeSync(1, buffer));
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
    }
  }
}

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
