import type Mail from 'nodemailer/lib/mailer';
import type { Logger } from 'pino';
import type { OnboardingActivities } from '../domain/delivery';
import { createDeliveryActivities } from './delivery-activities';
import { MailSender, type MailTransport } from './mail';
import { createProvisioningActivities } from './provisioning-activities';
import type { ProvisioningClient } from './provisioning';

export { failureTypes, type FailureType } from './errors';
export { messageIdFor, type MailTransport } from './mail';
export { ProvisioningClient, type ProvisioningClientOptions } from './provisioning';
export { chooseInviteStart, resolveInviteTimes } from './slot';

/** The clients and settings the activities run with. */
export interface ActivityDeps {
  /** A nodemailer SMTP transporter, from `nodemailer.createTransport(...)`. */
  transporter: MailTransport;
  /** The From address of every email, such as "Onboarding <onboarding@example.com>". */
  from: string | Mail.Address;
  /**
   * The provisioning API client. Leave it out or pass null when PROVISIONING_URL is unset:
   * createTenant then returns null and the other provisioning activities raise
   * `ProvisioningNotConfigured`.
   */
  provisioning?: ProvisioningClient | null;
  logger: Logger;
  /** Time between two status requests while waiting for a data migration, in ms (default 5000). */
  migrationPollIntervalMs?: number;
  /** Domain part of Message-IDs, such as "onboarding.example.com", by default that of `from`. */
  messageIdDomain?: string;
  /** How many delivered Message-IDs the worker remembers to skip repeated sends (default 10000). */
  deliveredCacheSize?: number;
}

const defaultMigrationPollIntervalMs = 5000;

/** Creates every activity the onboarding workflow calls, bound to the given clients. */
export function createActivities(deps: ActivityDeps): OnboardingActivities {
  const sender = new MailSender({
    transport: deps.transporter,
    from: deps.from,
    logger: deps.logger,
    messageIdDomain: deps.messageIdDomain,
    deliveredCacheSize: deps.deliveredCacheSize,
  });

  return {
    ...createDeliveryActivities(sender),
    ...createProvisioningActivities({
      client: deps.provisioning ?? null,
      logger: deps.logger,
      migrationPollIntervalMs: deps.migrationPollIntervalMs ?? defaultMigrationPollIntervalMs,
    }),
  };
}
