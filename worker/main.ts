/**
 * Entry point of the onboarding worker (`npm run worker`). Reads its settings from the environment
 * (see worker/config.ts), registers the onboarding search attributes, and polls the task queue
 * until SIGINT or SIGTERM; a second signal exits at once.
 */
import { ConfigError, parseWorkerConfig, type WorkerConfig } from './config';
import { createLogger, installTemporalRuntime } from './logger';
import { registerSearchAttributes, waitForTemporal } from './temporal';
import { startOnboardingWorker } from './worker';

async function main(): Promise<void> {
  let config: WorkerConfig;
  try {
    config = parseWorkerConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger().fatal(error.message);
    process.exit(2);
  }

  const logger = createLogger(config.logLevel);
  installTemporalRuntime(logger);

  const connection = await waitForTemporal({ address: config.temporalAddress, logger });
  try {
    await registerSearchAttributes(connection, config.namespace);
  } finally {
    await connection.close();
  }

  const running = await startOnboardingWorker(config, logger);

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal received, exiting without waiting for the worker');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'worker stopping');
    running
      .stop()
      .catch((error: unknown) => logger.error({ err: error }, 'worker shutdown failed'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  await running.finished;
  logger.info('worker stopped');
}

main().catch((error: unknown) => {
  createLogger().fatal({ err: error }, 'worker failed');
  process.exit(1);
});
