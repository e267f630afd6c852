import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, Worker, DefaultLogger } from '@temporalio/worker';
import type express from 'express';
import pino from 'pino';
import type { DeliveryReceipt, InviteReceipt, OnboardingActivities } from '../../domain/delivery';
import type { OnboardingSnapshot } from '../../domain/onboarding';
import { searchAttributes } from '../../domain/search-attributes';
import { createApp } from '../../api/app';
import { builtInPlansDir, loadPlans, type PlanRegistry } from '../../api/plans';

const repoRoot = path.resolve(__dirname, '..', '..');
const temporalCli = path.join(repoRoot, '.venv', 'bin', 'temporal');

/** One message an activity delivered, as the fake mail transport below records it. */
export interface Delivery {
  activity: string;
  kind: string;
  step: string;
  customerId: string;
  to: string[];
}

/** The fields every email and invite request shares. */
interface DeliveryRequest {
  step: string;
  onboarding: OnboardingSnapshot;
}

/**
 * Activities that record each delivery in memory and answer with a receipt, with no provisioning
 * API configured. They stand in for activities/index.ts so the tests see what the workflow sent.
 */
function recordingActivities(deliveries: Delivery[]): OnboardingActivities {
  const receipt = (activity: string, kind: string, request: DeliveryRequest): DeliveryReceipt => {
    const to = [request.onboarding.contacts.csm.email];
    deliveries.push({
      activity,
      kind,
      step: request.step,
      customerId: request.onboarding.customerId,
      to,
    });
    return {
      kind: kind as DeliveryReceipt['kind'],
      step: request.step,
      messageId: `<${randomUUID()}@test>`,
      to,
      sentAt: new Date().toISOString(),
    };
  };
  const email = (activity: string, kind: string) => async (request: DeliveryRequest) =>
    receipt(activity, kind, request);
  const invite =
    (activity: string, kind: string) =>
    async (
      request: Parameters<OnboardingActivities['sendKickoffInvite']>[0],
    ): Promise<InviteReceipt> => {
      const startsAt = 'startsAt' in request.when ? request.when.startsAt : request.when.notAfter;
      const endsAt = new Date(Date.parse(startsAt) + request.lengthMinutes * 60_000).toISOString();
      return {
        ...receipt(activity, kind, request),
        invite: {
          uid: request.uid,
          title: request.title,
          sequence: 0,
          startsAt,
          endsAt,
          attendees: request.attendees,
        },
      };
    };

  return {
    sendSalesHandoffEmail: email('sendSalesHandoffEmail', 'sales-handoff'),
    sendWelcomeEmail: email('sendWelcomeEmail', 'welcome'),
    sendImplementationPacket: email('sendImplementationPacket', 'implementation-packet'),
    sendKickoffReminder: email('sendKickoffReminder', 'kickoff-reminder'),
    sendAtRiskEscalation: email('sendAtRiskEscalation', 'at-risk'),
    sendProvisioningFailedAlert: email('sendProvisioningFailedAlert', 'provisioning-failed'),
    sendPlanMilestoneReminder: email('sendPlanMilestoneReminder', 'plan-milestone-due'),
    sendFirstValueThanks: email('sendFirstValueThanks', 'first-value-thanks'),
    sendHealthAlert: email('sendHealthAlert', 'health-alert'),
    sendAdoptionGapAlert: email('sendAdoptionGapAlert', 'adoption-gap'),
    sendExpansionOpportunity: email('sendExpansionOpportunity', 'expansion-opportunity'),
    sendHandoffEmail: email('sendHandoffEmail', 'handoff'),
    sendSatisfactionSurvey: email('sendSatisfactionSurvey', 'survey'),
    sendCancellationNotice: email('sendCancellationNotice', 'onboarding-cancelled'),
    sendKickoffInvite: invite('sendKickoffInvite', 'kickoff-invite'),
    sendTrainingInvite: invite('sendTrainingInvite', 'training-invite'),
    sendFirstValueCheckInInvite: invite('sendFirstValueCheckInInvite', 'first-value-check-in'),
    sendCheckInInvite: invite('sendCheckInInvite', 'check-in'),
    cancelCalendarInvite: async (request) =>
      receipt('cancelCalendarInvite', 'invite-cancelled', request),
    isProvisioningConfigured: async () => false,
    createTenant: async () => null,
    connectIntegrations: async () => [],
    startDataMigration: async () => {
      throw new Error('no provisioning API is configured in these tests');
    },
    waitForDataMigration: async () => {
      throw new Error('no provisioning API is configured in these tests');
    },
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
  deliveries: Delivery[];
  /** Builds an app on the harness's Temporal client; options override the defaults. */
  app(options?: AppOptions): express.Express;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * Starts a Temporal dev server with the onboarding search attributes, and a worker that runs the
 * real onboarding workflow on a task queue of its own.
 */
export async function startApiHarness(name: string): Promise<ApiHarness> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli },
      ip: '127.0.0.1',
      searchAttributes: Object.values(searchAttributes),
    },
  });

  const taskQueue = `api-${name}-${randomUUID().slice(0, 8)}`;
  const deliveries: Delivery[] = [];
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: recordingActivities(deliveries),
  });
  const running = worker.run();

  const silent = pino({ level: 'silent' });
  const plans = loadPlans([builtInPlansDir, path.join(repoRoot, 'examples', 'plans')], silent);

  return {
    env,
    plans,
    taskQueue,
    deliveries,
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
      await env.teardown();
    },
  };
}

/** A logger that keeps every line it writes, to check what the API logs. */
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

/** A unique customer id, so tests never share an onboarding. */
export function uniqueCustomerId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A valid POST /onboardings body; the contract was signed now, so no deadline has passed yet. */
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

/** A valid kickoff-held body with one training session a week from now. */
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
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
