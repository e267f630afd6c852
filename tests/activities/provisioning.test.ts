import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import { createActivities, ProvisioningClient } from '../../activities';
import type { OnboardingActivities, TenantRequest } from '../../domain/delivery';
import {
  startTestProvisioningServer,
  type TestProvisioningServer,
} from '../helpers/provisioning-server';
import { failureOf, recordingLogger } from './fixtures';

const pollIntervalMs = 50;

let api: TestProvisioningServer;
let activities: OnboardingActivities;
let env: MockActivityEnvironment;

/** Runs an activity in the mock activity context, keeping its argument and result types. */
function run<A extends unknown[], R>(activity: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run<A, R, typeof activity>(activity, ...args);
}

function activitiesFor(baseUrl: string, requestTimeoutMs = 2000): OnboardingActivities {
  return createActivities({
    // No email is sent in these tests, so the transport only satisfies the factory.
    transporter: nodemailer.createTransport({ jsonTransport: true }),
    from: 'onboarding@vendor.test',
    provisioning: new ProvisioningClient({ baseUrl, requestTimeoutMs }),
    logger: recordingLogger().logger,
    migrationPollIntervalMs: pollIntervalMs,
  });
}

const tenantRequest: TenantRequest = {
  onboardingId: 'onboarding-acme',
  customerId: 'acme',
  companyName: 'Acme & Co',
  seats: 250,
  idempotencyKey: 'onboarding-acme/0f3c9a1e/tenant/1',
};

beforeEach(async () => {
  api = await startTestProvisioningServer();
  activities = activitiesFor(api.url);
  // The SDK logs each failed activity as a warning. These tests expect failures, so only errors show.
  env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
});

afterEach(async () => {
  await api.close();
});

async function startMigration(): Promise<string> {
  const tenant = await run(activities.createTenant, tenantRequest);
  if (!tenant) throw new Error('expected a tenant');
  const job = await run(activities.startDataMigration, {
    tenantId: tenant.tenantId,
    customerId: 'acme',
    idempotencyKey: 'onboarding-acme/0f3c9a1e/migration/1',
  });
  return job.id;
}

describe('tenant creation', () => {
  test('createTenant posts tenant with key', async () => {
    const tenant = await run(activities.createTenant, tenantRequest);

    expect(tenant).toEqual({ tenantId: 'tenant-1' });
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      path: '/tenants',
      body: { customerId: 'acme', companyName: 'Acme & Co', seats: 250 },
      status: 201,
    });
    expect(api.requests[0]?.headers['idempotency-key']).toBe(tenantRequest.idempotencyKey);
    expect(api.requests[0]?.headers['content-type']).toBe('application/json');
  });

  test('repeated createTenant reuses tenant', async () => {
    const first = await run(activities.createTenant, tenantRequest);
    const second = await run(activities.createTenant, tenantRequest);

    expect(second).toEqual(first);
    expect(api.tenants.size).toBe(1);
    expect(api.requests.map((request) => request.headers['idempotency-key'])).toEqual([
      tenantRequest.idempotencyKey,
      tenantRequest.idempotencyKey,
    ]);
  });

  test('retry after 503 keeps key', async () => {
    api.failNext(1, { status: 503 });

    await failureOf(run(activities.createTenant, tenantRequest));
    const tenant = await run(activities.createTenant, tenantRequest);

    expect(tenant).toEqual({ tenantId: 'tenant-1' });
    expect(api.requests.map((request) => request.status)).toEqual([503, 201]);
    expect(new Set(api.requests.map((request) => request.headers['idempotency-key']))).toEqual(
      new Set([tenantRequest.idempotencyKey]),
    );
  });

  test('500 reply is retryable', async () => {
    api.failNext(1, { status: 500, error: 'database is restarting' });

    const failure = await failureOf(run(activities.createTenant, tenantRequest));

    expect(failure.type).toBe('ProvisioningUnavailable');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('500');
    expect(failure.message).toContain('database is restarting');
  });

  test('429 reply is retryable', async () => {
    api.failNext(1, { status: 429, error: 'slow down' });

    const failure = await failureOf(run(activities.createTenant, tenantRequest));

    expect(failure.type).toBe('ProvisioningUnavailable');
    expect(failure.nonRetryable).toBe(false);
  });

  test('400 reply is not retryable', async () => {
    api.failNext(1, { status: 400, error: 'seats must be positive', route: 'POST /tenants' });

    const failure = await failureOf(run(activities.createTenant, tenantRequest));

    expect(failure.type).toBe('ProvisioningRejected');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('400');
    expect(failure.message).toContain('seats must be positive');
  });

  test('validation error text is reported', async () => {
    const failure = await failureOf(run(activities.createTenant, { ...tenantRequest, seats: 0 }));

    expect(failure.type).toBe('ProvisioningRejected');
    expect(failure.message).toContain('seats must be a positive integer');
  });

  test('slow response times out retryably', async () => {
    api.configure({ responseDelayMs: 1000 });
    const impatient = activitiesFor(api.url, 100);

    const failure = await failureOf(run(impatient.createTenant, tenantRequest));

    expect(failure.type).toBe('ProvisioningUnavailable');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('timed out after 100 ms');
  });

  test('unreachable API is retryable', async () => {
    const closed = await startTestProvisioningServer();
    await closed.close();
    const offline = activitiesFor(closed.url);

    const failure = await failureOf(run(offline.createTenant, tenantRequest));

    expect(failure.type).toBe('ProvisioningUnavailable');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('ECONNREFUSED');
  });
});

describe('integrations and migration', () => {
  test('connectIntegrations posts the list', async () => {
    const tenant = await run(activities.createTenant, tenantRequest);

    const connected = await run(activities.connectIntegrations, {
      tenantId: tenant?.tenantId ?? '',
      integrations: ['salesforce', 'slack'],
      idempotencyKey: 'onboarding-acme/0f3c9a1e/integrations/1',
    });

    expect(connected).toEqual(['salesforce', 'slack']);
    expect(api.tenants.get('tenant-1')?.integrations).toEqual(['salesforce', 'slack']);
    expect(api.requests[1]).toMatchObject({
      method: 'POST',
      path: '/tenants/tenant-1/integrations',
      body: { integrations: ['salesforce', 'slack'] },
    });
    expect(api.requests[1]?.headers['idempotency-key']).toBe(
      'onboarding-acme/0f3c9a1e/integrations/1',
    );
  });

  test('unknown tenant is rejected', async () => {
    const failure = await failureOf(
      run(activities.connectIntegrations, {
        tenantId: 'tenant-404',
        integrations: ['slack'],
        idempotencyKey: 'key',
      }),
    );

    expect(failure.type).toBe('ProvisioningRejected');
    expect(failure.message).toContain('404');
    expect(failure.message).toContain('tenant tenant-404 not found');
  });

  test('startDataMigration returns running job', async () => {
    const migrationId = await startMigration();

    expect(migrationId).toBe('migration-2');
    expect(api.requests[1]).toMatchObject({
      method: 'POST',
      path: '/tenants/tenant-1/migrations',
      body: { customerId: 'acme' },
      status: 202,
    });
    expect(api.requests[1]?.headers['idempotency-key']).toBe(
      'onboarding-acme/0f3c9a1e/migration/1',
    );
  });

  test('slow migration heartbeats every poll', async () => {
    api.configure({ migrationRunningPolls: 3 });
    const migrationId = await startMigration();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));

    const job = await run(activities.waitForDataMigration, { migrationId });

    expect(job).toEqual({ id: migrationId, status: 'completed' });
    expect(api.migrations.get(migrationId)?.polls).toBe(4);
    expect(heartbeats).toEqual([
      { migrationId, poll: 1, status: 'running' },
      { migrationId, poll: 2, status: 'running' },
      { migrationId, poll: 3, status: 'running' },
      { migrationId, poll: 4, status: 'completed' },
    ]);
  });

  test('polls wait the configured interval', async () => {
    api.configure({ migrationRunningPolls: 2 });
    const migrationId = await startMigration();

    const started = Date.now();
    await run(activities.waitForDataMigration, { migrationId });

    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * pollIntervalMs);
  });

  test('failed migration is not retryable', async () => {
    api.configure({
      migrationRunningPolls: 1,
      migrationOutcome: 'failed',
      migrationError: 'source database unreachable',
    });
    const migrationId = await startMigration();

    const failure = await failureOf(run(activities.waitForDataMigration, { migrationId }));

    expect(failure.type).toBe('MigrationFailed');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('source database unreachable');
  });

  test('poll outage is retryable', async () => {
    api.configure({ migrationRunningPolls: 5 });
    const migrationId = await startMigration();
    api.failNext(1, { status: 502, route: 'GET /migrations' });

    const failure = await failureOf(run(activities.waitForDataMigration, { migrationId }));

    expect(failure.type).toBe('ProvisioningUnavailable');
    expect(failure.nonRetryable).toBe(false);
  });

  test('cancellation stops polling promptly', async () => {
    api.configure({ migrationRunningPolls: 1_000 });
    const migrationId = await startMigration();
    env.once('heartbeat', () => env.cancel());

    const started = Date.now();
    await expect(run(activities.waitForDataMigration, { migrationId })).rejects.toBeInstanceOf(
      CancelledFailure,
    );
    const pollsAtCancel = api.migrations.get(migrationId)?.polls;
    await new Promise((resolve) => setTimeout(resolve, 4 * pollIntervalMs));

    expect(Date.now() - started).toBeLessThan(1000);
    expect(pollsAtCancel).toBe(1);
    expect(api.migrations.get(migrationId)?.polls).toBe(1);
  });
});

describe('without a provisioning API', () => {
  let unconfigured: OnboardingActivities;

  beforeEach(() => {
    unconfigured = createActivities({
      transporter: nodemailer.createTransport({ jsonTransport: true }),
      from: 'onboarding@vendor.test',
      provisioning: null,
      logger: recordingLogger().logger,
    });
  });

  test('createTenant returns null', async () => {
    expect(await run(unconfigured.createTenant, tenantRequest)).toBeNull();
    expect(await run(unconfigured.isProvisioningConfigured)).toBe(false);
    expect(await run(activities.isProvisioningConfigured)).toBe(true);
  });

  test('other provisioning calls fail', async () => {
    const failure = await failureOf(
      run(unconfigured.waitForDataMigration, { migrationId: 'migration-1' }),
    );

    expect(failure.type).toBe('ProvisioningNotConfigured');
    expect(failure.nonRetryable).toBe(true);
  });
});
