import { proxyActivities } from '@temporalio/workflow';
import type { OnboardingActivities } from '../domain/delivery';

/**
 * Email and invites: an SMTP outage is retried for up to a day, while a permanent rejection
 * (bad address, SMTP 5xx) arrives as a non-retryable failure and is recorded, not retried.
 */
export const delivery = proxyActivities<OnboardingActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * Provisioning calls: 429, 5xx and network errors are retried with backoff for up to an hour.
 * After that, or after a rejection, the onboarding waits for an engineer to retry provisioning.
 */
export const provisioning = proxyActivities<OnboardingActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** A data migration may run for days; the heartbeat timeout notices a worker that died. */
export const migrationWatch = proxyActivities<OnboardingActivities>({
  startToCloseTimeout: '7 days',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
