import type { Server } from 'node:http';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApp } from './app';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { builtInPlansDir, loadPlans } from './plans';

/** Stops accepting requests, waits for open ones, then closes the Temporal connection. */
function shutdownOnSignals(
  server: Server,
  connection: Connection,
  logger: ReturnType<typeof createLogger>,
) {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'api stopping');
    server.close((error) => {
      if (error) logger.error({ err: error }, 'http server close failed');
      connection
        .close()
        .catch((closeError: unknown) =>
          logger.error({ err: closeError }, 'temporal connection close failed'),
        )
        .finally(() => {
          logger.info('api stopped');
          process.exit(error ? 1 : 0);
        });
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);

  const dirs = config.PLANS_DIR
    ? [builtInPlansDir, path.resolve(config.PLANS_DIR)]
    : [builtInPlansDir];
  const plans = loadPlans(dirs, logger);

  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  logger.info(
    { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE },
    'connected to temporal',
  );

  const app = createApp({
    client,
    plans,
    taskQueue: config.TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    apiTokens: config.API_TOKENS,
    logger,
  });
  const server = app.listen(config.PORT, config.HOST, () => {
    logger.info(
      {
        host: config.HOST,
        port: config.PORT,
        taskQueue: config.TASK_QUEUE,
        auth: config.API_TOKENS.length > 0 ? 'bearer' : 'none',
      },
      'api listening',
    );
  });
  server.on('error', (error) => {
    logger.fatal({ err: error, host: config.HOST, port: config.PORT }, 'http server failed');
    process.exit(1);
  });
  shutdownOnSignals(server, connection, logger);
}

main().catch((error: unknown) => {
  createLogger().fatal({ err: error }, 'api failed to start');
  process.exit(1);
});
