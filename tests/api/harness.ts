import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type express from 'express';
import pino from 'pino';
import {
  startTestProvisioningServer,
  type TestProvisioningServer,
} from '../helpers/provisioning-server';
import { startTestSmtpServer, type CapturedMessage } from '../helpers/smtp-server';
import { bundleWorkflows, createLocalEnv, repoRoot, testNamespace } from '../helpers/temporal';
import { createActivities, ProvisioningClient } from '../../activities';
import { onboardingWorkflowId } from '../../domain/onboarding';
import { createApp } from '../../api/app';
import { builtInPlansDir, loadPlans, type PlanRegistry } from '../../api/plans';

/** One email the test SMTP server accepted, with the headers the activities set on it. */
export interface Delivery {
  /** The X-Onboarding-Email header, such as "welcome" or "training-invite". */
  kind: string;
  /** The X-Onboarding-Id header, which is the workflow id. */
  onboardingId: string;
  to: string[];
  subject: string;
}

function headerText(message: CapturedMessage, name: string): string {
  const value = message.parsed.headers.get(name);
  return typeof value === 'string' ? value : '';
}

function toDelivery(message: CapturedMessage): Delivery {
  return {
    kind: headerText(message, 'x-onboarding-email'),
    onboardingId: headerText(message, 'x-onboarding-id'),
    to: message.envelope.to,
    subject: message.parsed.subject ?? '',
  };
}

export interface AppOptions {
  apiTokens?: string[];
  taskQueue?: string;
  logger?: pino.Logger;
  client?: Client;
}

export interface AppOptions {
  apiTokens?: string[];
  taskQueue?: string;
  logger?: pino.Logger;
  client?: Client;
}

export interface ApiHarness {
  env: TestWorkflowEnvironment;
  plans: PlanRegistry;
  taskQueue: string;
  /** The provisioning API the activities call; tests script its failures. */
  provisioning: TestProvisioningServer;
  /** Returns the emails of one customer's onboarding, of one kind, that reached the SMTP server. */
  deliveries(customerId: string, kind: string): Delivery[];
  /** Builds an app on the harness's Temporal client; options override the defaults. */
  app(options?: AppOptions): express.Express;
  close(): Promise<void>;
}

/**
 * Starts a Temporal dev server with the onboarding search attributes, an SMTP server, a
 * provisioning API, and a worker that runs the onboarding workflow and activities on a task queue
 * of its own.
 */
export async function startApiHarness(name: string): Promise<ApiHarness> {
  const env = await createLocalEnv();

  const taskQueue = `api-${name}-${randomUUID().slice(0, 8)}`;
  const silent = pino({ level: 'silent' });
  const smtp = await startTestSmtpServer();
  const provisioning = await startTestProvisioningServer();
  const activities = createActivities({
    transporter: smtp.createTransport(),
    from: 'Onboarding <onboarding@vendor.example>',
    provisioning: new ProvisioningClient({ baseUrl: provisioning.url }),
    migrationPollIntervalMs: 50,
    logger: silent,
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? testNamespace,
    taskQueue,
    workflowBundle: await bundleWorkflows(),
    activities,
  });
  const running = worker.run();

  const plans = loadPlans([builtInPlansDir, path.join(repoRoot, 'examples', 'plans')], silent);

  return {
    env,
    plans,
    taskQueue,
    provisioning,
    deliveries: (customerId, kind) =>
      smtp.messages
        .map(toDelivery)
        .filter(
          (delivery) =>
            delivery.onboardingId === onboardingWorkflowId(customerId) && delivery.kind === kind,
        ),
    app: (options = {}) =>
      createApp({
        client: options.client ?? env.client,
        plans,
        taskQueue: options.taskQueue ?? taskQueue,
        apiTokens: options.apiTokens,
        logger: options.logger ?? silent,
      }),
    close: async () => {
      worker.shutdown();
      await running;
      await smtp.close();
      await provisioning.close();
      await env.teardown();
    },
  };
}

/** Creates a logger that keeps every line it writes, to check what the API logs. */
export function capturingLogger(): { logger: pino.Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return {
    logger: pino({ level: 'debug' }, stream),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== ''),
  };
}

/** Returns a unique customer id, so tests never share an onboarding. */
export function uniqueCustomerId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Builds a valid POST /onboardings body signed now, so no deadline has passed yet. */
export function startBody(customerId: string, overrides: Record<string, unknown> = {}) {
  return {
    customerId,
    companyName: 'Acme Corp',
    segment: 'enterprise',
    contractSignedAt: new Date().toISOString(),
    timezone: 'America/Chicago',
    seats: 250,
    contacts: {
      projectOwner: { name: 'Dana Whitfield', email: 'dana.whitfield@acme.example' },
      executiveSponsor: { name: 'Luis Romero', email: 'luis.romero@acme.example' },
      csm: { name: 'Priya Natarajan', email: 'priya.natarajan@vendor.example' },
    },
    integrations: ['salesforce'],
    ...overrides,
  };
}

/** Builds a valid kickoff-held body with one training session a week from now. */
export function kickoffHeldBody() {
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
  return {
    successCriteria: ['Sales teams log opportunities in the product'],
    firstValueMilestone: { description: '50 active users', metric: 'activeUsers', target: 50 },
    goLiveTarget: inDays(60),
    trainingSessions: [{ kind: 'admin', startsAt: inDays(7) }],
    projectPlan: {
      milestones: [{ name: 'SSO configured', dueBy: inDays(20) }],
      signedBy: { name: 'Dana Whitfield', email: 'dana.whitfield@acme.example' },
      signedAt: new Date().toISOString(),
    },
  };
}

/** Polls until the check returns a value other than undefined, or fails after the timeout. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  description: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
