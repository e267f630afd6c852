import type { Duration } from '@temporalio/common';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { createActivities, ProvisioningClient } from '../activities';
import type { OnboardingActivities } from '../domain/delivery';
import type { WorkerConfig } from './config';

export interface OnboardingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: OnboardingActivities;
  /** A prebuilt workflow bundle, such as tests share between workers; without it, workflows/ is bundled. */
  workflowBundle?: WorkflowBundleOption;
  /**
   * How long running activities may take to finish after shutdown starts before they are cancelled
   * (default 10s, so an email being sent completes).
   */
  shutdownGraceTime?: Duration;
}

/** Creates a Temporal Worker that runs the onboarding workflow and its activities. */
export async function createOnboardingWorker(options: OnboardingWorkerOptions): Promise<Worker> {
  const workflowSource = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: require.resolve('../workflows') };

  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
    ...workflowSource,
  });
}

/** A worker that polls its task queue until stop() is called or it fails. */
export interface RunningWorker {
  worker: Worker;
  /** Settles once the worker has stopped and its connection and SMTP transport are closed. */
  finished: Promise<void>;
  /** Shuts the worker down gracefully and waits for `finished`; safe to call more than once. */
  stop(): Promise<void>;
}

/** Returns the host and port of an SMTP URL, leaving out any user name and password. */
function smtpServer(smtpUrl: string): string {
  return new URL(smtpUrl).host;
}

/**
 * Connects to Temporal and SMTP, builds the activities from `config`, and starts a worker.
 * The Temporal Runtime must already be installed (see installTemporalRuntime).
 */
export async function startOnboardingWorker(
  config: WorkerConfig,
  logger: Logger,
): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const transporter = nodemailer.createTransport(config.smtpUrl);
  const smtp = smtpServer(config.smtpUrl);

  // A failed check is not fatal: the SMTP server may start later, and sends are retried.
  transporter.verify().then(
    () => logger.info({ smtp }, 'smtp server reachable'),
    (error: unknown) => logger.warn({ smtp, err: error }, 'smtp server check failed'),
  );

  const provisioning = config.provisioningUrl
    ? new ProvisioningClient({ baseUrl: config.provisioningUrl })
    : null;
  if (!provisioning) {
    logger.info('PROVISIONING_URL is unset, so onboardings record setup by milestone only');
  }

  let worker: Worker;
  try {
    const activities = createActivities({
      transporter,
      from: config.mailFrom,
      provisioning,
      logger: logger.child({ component: 'activities' }),
    });
    worker = await createOnboardingWorker({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      activities,
    });
  } catch (error) {
    transporter.close();
    await connection.close();
    throw error;
  }

  const finished = worker.run().finally(async () => {
    transporter.close();
    await connection.close();
  });
  logger.info(
    {
      address: config.temporalAddress,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      smtp,
    },
    'worker started',
  );

  return {
    worker,
    finished,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await finished;
    },
  };
}
