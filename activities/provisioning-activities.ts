import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { MigrationJob, OnboardingActivities } from '../domain/delivery';
import { failureTypes } from './errors';
import type { MigrationReport, ProvisioningClient } from './provisioning';

type ProvisioningActivities = Pick<
  OnboardingActivities,
  | 'isProvisioningConfigured'
  | 'createTenant'
  | 'connectIntegrations'
  | 'startDataMigration'
  | 'waitForDataMigration'
>;

export interface ProvisioningActivityOptions {
  /** Null when no provisioning API is configured. */
  client: ProvisioningClient | null;
  logger: Logger;
  /** Time between two status requests for a data migration, in milliseconds. */
  migrationPollIntervalMs: number;
}

function migrationFailed(job: MigrationReport): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `data migration ${job.id} failed: ${job.error ?? 'the provisioning API gave no reason'}`,
    failureTypes.migrationFailed,
  );
}

const toJob = (report: MigrationReport): MigrationJob => ({ id: report.id, status: report.status });

export function createProvisioningActivities(
  options: ProvisioningActivityOptions,
): ProvisioningActivities {
  const { client, logger, migrationPollIntervalMs } = options;

  function requireClient(activity: string): ProvisioningClient {
    if (client) return client;
    throw ApplicationFailure.nonRetryable(
      `${activity} needs a provisioning API, but none is configured: set PROVISIONING_URL, ` +
        'or skip provisioning when createTenant returns null',
      failureTypes.provisioningNotConfigured,
    );
  }

  return {
    async isProvisioningConfigured() {
      return client !== null;
    },

    async createTenant(request) {
      const { onboardingId, customerId } = request;
      if (!client) {
        logger.info(
          { onboardingId, customerId },
          'no provisioning API configured, skipping tenant',
        );
        return null;
      }

      const tenant = await client.createTenant(
        { customerId, companyName: request.companyName, seats: request.seats },
        request.idempotencyKey,
        Context.current().cancellationSignal,
      );
      logger.info({ onboardingId, customerId, tenantId: tenant.id }, 'tenant created');
      return { tenantId: tenant.id };
    },

    async connectIntegrations(request) {
      const { tenantId, integrations } = request;
      await requireClient('connectIntegrations').connectIntegrations(
        tenantId,
        integrations,
        request.idempotencyKey,
        Context.current().cancellationSignal,
      );
      logger.info({ tenantId, integrations }, 'integrations connected');
      return integrations;
    },

    async startDataMigration(request) {
      const { tenantId, customerId } = request;
      const job = await requireClient('startDataMigration').startMigration(
        tenantId,
        customerId,
        request.idempotencyKey,
        Context.current().cancellationSignal,
      );
      if (job.status === 'failed') throw migrationFailed(job);

      logger.info({ tenantId, customerId, migrationId: job.id }, 'data migration started');
      return toJob(job);
    },

    async waitForDataMigration({ migrationId }) {
      const provisioning = requireClient('waitForDataMigration');
      const context = Context.current();

      // Any status other than completed or failed, such as running or queued, means keep waiting.
      for (let poll = 1; ; poll++) {
        const job = await provisioning.getMigration(migrationId, context.cancellationSignal);
        context.heartbeat({ migrationId, poll, status: job.status });

        if (job.status === 'completed') {
          logger.info({ migrationId, polls: poll }, 'data migration completed');
          return toJob(job);
        }
        if (job.status === 'failed') throw migrationFailed(job);

        // Rejects with CancelledFailure as soon as the activity is cancelled.
        await context.sleep(migrationPollIntervalMs);
      }
    },
  };
}
