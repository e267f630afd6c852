/**
 * Keeps the worker's logs to errors during tests: workflows log expected warnings, such as a
 * missed deadline, that would bury the test report. Jest runs this before each test file.
 */
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});
