import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import nodemailer from 'nodemailer';
import pino from 'pino';
import { createActivities, type MailTransport } from '../activities';
import { statusQuery } from '../domain/messages';
import { onboardingWorkflowId, type OnboardingInput } from '../domain/onboarding';
import { planFileSchema } from '../domain/plan';
import { searchAttributes } from '../domain/search-attributes';
import { onboardingWorkflow } from '../workflows';
import { createOnboardingWorker } from '../worker/worker';
import { onboardingSearchAttributeKeys, registerSearchAttributes } from '../worker/temporal';
import {
  bundleWorkflows,
  createLocalEnv,
  createTimeSkippingEnv,
  repoRoot,
  testNamespace,
} from './helpers/temporal';

const dayMillis = 86_400_000;

/** Values of temporal.api.enums.v1.IndexedValueType in @temporalio/proto 1.24. */
const indexedValueType = { KEYWORD: 2, BOOL: 5 } as const;

/**
 * Returns the local addresses of the sockets listening on `port`, as hexadecimal text from
 * /proc/net/tcp and tcp6: "0100007F" is 127.0.0.1 and all zeros is the wildcard address.
 */
function listeningAddresses(port: number): string[] {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = fs.readFileSync(table, 'utf8').trim().split('\n').slice(1);
    for (const row of rows) {
      const [, local, , state] = row.trim().split(/\s+/);
      const [address, localPort] = (local ?? '').split(':');
      if (state === '0A' && localPort === portHex && address) addresses.push(address);
    }
  }
  return addresses;
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

function onboardingInput(customerId: string): OnboardingInput {
  const planText = fs.readFileSync(path.join(repoRoot, 'plans', 'enterprise.json'), 'utf8');
  const contact = (name: string) => ({ name, email: `${name.toLowerCase()}@acme.test` });
  return {
    customerId,
    companyName: 'Acme',
    segment: 'enterprise',
    contractSignedAt: new Date().toISOString(),
    timezone: 'Europe/Berlin',
    seats: 20,
    contacts: {
      projectOwner: contact('Olga'),
      executiveSponsor: contact('Sam'),
      csm: contact('Dana'),
    },
    integrations: [],
    plan: planFileSchema.parse(JSON.parse(planText)),
  };
}

describe('time-skipping environment', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  test('listens on 127.0.0.1 only', () => {
    expect(env.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(listeningAddresses(portOf(env.address))).toEqual(['0100007F']);
  });

  test('describes the default namespace', async () => {
    const response = await env.connection.workflowService.describeNamespace({
      namespace: testNamespace,
    });

    expect(response.namespaceInfo?.name).toBe(testNamespace);
  });

  test('accepts a second registration', async () => {
    await expect(registerSearchAttributes(env.connection, testNamespace)).resolves.toBeUndefined();
  });

  test('skips a day of server time', async () => {
    const before = await env.currentTimeMs();

    await env.sleep(dayMillis);

    expect(env.supportsTimeSkipping).toBe(true);
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(dayMillis);
  });

  test('runs the onboarding workflow with search attributes', async () => {
    const customerId = `smoke-${randomUUID().slice(0, 8)}`;
    const taskQueue = `smoke-${randomUUID()}`;
    const transporter = nodemailer.createTransport({ jsonTransport: true });
    const worker = await createOnboardingWorker({
      connection: env.nativeConnection,
      namespace: testNamespace,
      taskQueue,
      workflowBundle: await bundleWorkflows(),
      activities: createActivities({
        transporter: transporter as unknown as MailTransport,
        from: 'Onboarding <onboarding@onboarding.test>',
        logger: pino({ level: 'silent' }),
      }),
    });

    const { status, attributes } = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(onboardingWorkflow, {
        workflowId: onboardingWorkflowId(customerId),
        taskQueue,
        args: [onboardingInput(customerId)],
        typedSearchAttributes: [{ key: searchAttributes.customerId, value: customerId }],
      });
      const status = await handle.query(statusQuery);
      const attributes = (await handle.describe()).typedSearchAttributes;
      await handle.terminate('smoke test finished');
      return { status, attributes };
    });

    expect(status.customerId).toBe(customerId);
    expect(status.state).toBe('active');
    expect(attributes.get(searchAttributes.customerId)).toBe(customerId);
    expect(attributes.get(searchAttributes.stage)).toBe(status.stage);
  });
});

describe('local environment', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createLocalEnv();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  test('listens on 127.0.0.1 only', () => {
    expect(env.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(listeningAddresses(portOf(env.address))).toEqual(['0100007F']);
  });

  test('registers every onboarding search attribute', async () => {
    const response = await env.connection.operatorService.listSearchAttributes({
      namespace: testNamespace,
    });
    const registered = response.customAttributes ?? {};

    for (const key of onboardingSearchAttributeKeys) {
      expect({ name: key.name, type: registered[key.name] }).toEqual({
        name: key.name,
        type: indexedValueType[key.type as keyof typeof indexedValueType],
      });
    }
  });
});

describe('bundleWorkflows', () => {
  test('returns one cached bundle', async () => {
    const first = bundleWorkflows();
    const second = bundleWorkflows();

    expect(second).toBe(first);
    expect((await first).code).toContain('onboardingWorkflow');
  });
});
