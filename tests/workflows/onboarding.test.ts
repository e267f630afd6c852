import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  cancelOnboardingUpdate,
  recordMilestoneUpdate,
  recordSurveyUpdate,
  reportUsageUpdate,
  retryProvisioningUpdate,
  statusQuery,
} from '../../domain/messages';
import type { OnboardingInput, OnboardingStatus } from '../../domain/onboarding';
import type { MilestoneRecord } from '../../domain/requests';
import { searchAttributes } from '../../domain/search-attributes';
import type { onboardingWorkflow } from '../../workflows';
import {
  startTestProvisioningServer,
  type TestProvisioningServer,
} from '../helpers/provisioning-server';
import { calendarPart } from '../helpers/calendar';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp-server';
import { createTimeSkippingEnv } from '../helpers/temporal';
import {
  contacts,
  createTestWorker,
  dayMillis,
  kinds,
  loadPlan,
  messagesOfKind,
  onboardingInput,
  startOnboarding,
} from './harness';

const enterprise = loadPlan('enterprise');
const preOnboardingKinds = ['sales-handoff', 'welcome', 'implementation-packet', 'kickoff-invite'];

let env: TestWorkflowEnvironment;
let smtp: TestSmtpServer;
let provisioningServer: TestProvisioningServer;
const started: WorkflowHandle[] = [];

async function start(
  taskQueue: string,
  input: OnboardingInput,
): Promise<WorkflowHandle<typeof onboardingWorkflow>> {
  const handle = await startOnboarding(env, taskQueue, input);
  started.push(handle);
  return handle;
}

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  smtp = await startTestSmtpServer();
  provisioningServer = await startTestProvisioningServer({ migrationRunningPolls: 3 });
});

afterAll(async () => {
  await provisioningServer?.close();
  await smtp?.close();
  await env?.teardown();
});

beforeEach(() => {
  smtp.clear();
  smtp.acceptAll();
});

/**
 * Runs a test with its own worker and task queue. A workflow left running without a worker would
 * stop the test server from skipping time for the next test, so every one is terminated after.
 */
async function withWorker(
  run: (taskQueue: string) => Promise<void>,
  provisioning?: TestProvisioningServer,
): Promise<void> {
  const { worker, taskQueue } = await createTestWorker(env, smtp, provisioning);
  try {
    await worker.runUntil(run(taskQueue));
  } finally {
    for (const handle of started.splice(0)) {
      // Terminating a workflow that already finished fails with "not found".
      await handle.terminate('test finished').catch(() => undefined);
    }
  }
}

/** Waits until the test SMTP server has received a message of the kind, and returns those. */
async function messageOfKind(kind: string, timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  while (messagesOfKind(smtp.messages, kind).length === 0) {
    if (Date.now() > until) throw new Error(`no ${kind} message arrived`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return messagesOfKind(smtp.messages, kind);
}

/** Records the kickoff-held milestone with the standard test details. */
async function recordKickoff(handle: WorkflowHandle<typeof onboardingWorkflow>, now: number) {
  return handle.executeUpdate(recordMilestoneUpdate, {
    args: [{ milestone: 'kickoff-held', details: kickoffDetails(now) }],
  });
}

/** Starts an enterprise onboarding signed at the test server's current time. */
async function startSignedNow(taskQueue: string) {
  const now = await env.currentTimeMs();
  const input = onboardingInput({
    plan: enterprise,
    contractSignedAt: new Date(now).toISOString(),
  });
  return { handle: await start(taskQueue, input), now };
}

/** Runs a test with a provisioning server of its own, closed afterwards. */
async function withProvisioningServer(
  options: Parameters<typeof startTestProvisioningServer>[0],
  run: (server: TestProvisioningServer, taskQueue: string) => Promise<void>,
): Promise<void> {
  const server = await startTestProvisioningServer(options);
  try {
    await withWorker((taskQueue) => run(server, taskQueue), server);
  } finally {
    await server.close();
  }
}

/** Polls the status query until the predicate holds; activities run in real time meanwhile. */
async function eventually(
  read: () => Promise<OnboardingStatus>,
  predicate: (status: OnboardingStatus) => boolean,
  timeoutMs = 20_000,
): Promise<OnboardingStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await read();
    if (predicate(status)) return status;
    if (Date.now() > until) throw new Error(`status never matched: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function kickoffDetails(now: number) {
  return {
    successCriteria: ['Sales team works every deal in the platform', 'Weekly pipeline report'],
    firstValueMilestone: {
      description: 'First 10 users active',
      metric: 'activeUsers',
      target: 10,
    },
    goLiveTarget: new Date(now + 40 * dayMillis).toISOString(),
    communicationNorms: 'Weekly call on Tuesdays; Slack for blockers',
    trainingSessions: [
      { kind: 'admin' as const, startsAt: new Date(now + 45 * dayMillis).toISOString() },
    ],
    projectPlan: {
      milestones: [
        { name: 'Data migrated', dueBy: new Date(now + 20 * dayMillis).toISOString() },
        { name: 'uat-approved', dueBy: new Date(now + 50 * dayMillis).toISOString() },
      ],
      signedBy: contacts.executiveSponsor,
      signedAt: new Date(now).toISOString(),
    },
  };
}

describe('onboarding workflow', () => {
  test('runs a full enterprise onboarding', async () => {
    await withWorker(async (taskQueue) => {
      const signedAt = await env.currentTimeMs();
      const input = onboardingInput({
        plan: enterprise,
        contractSignedAt: new Date(signedAt).toISOString(),
      });
      const handle = await start(taskQueue, input);
      const status = () => handle.query(statusQuery);
      const record = (milestone: MilestoneRecord['milestone'], details: object) =>
        handle.executeUpdate(recordMilestoneUpdate, {
          args: [{ milestone, details } as MilestoneRecord],
        });
      await smtp.waitForMessages(4);

      // Past the booked kickoff slot, at most four days ahead, so its invite stays in place.
      await env.sleep('5d');
      const afterKickoff = await record('kickoff-held', kickoffDetails(await env.currentTimeMs()));
      await eventually(status, (current) => current.provisioning.status === 'completed');
      await env.sleep('20d');
      await record('setup-complete', { notes: 'SSO and Salesforce connected' });
      await env.sleep('15d');
      const goLive = await record('uat-approved', { approvedBy: contacts.projectOwner });
      await handle.executeUpdate(reportUsageUpdate, { args: [{ activeUsers: 8 }] });
      await env.sleep('13d');
      await record('admin-training-done', {});
      await record('end-user-training-done', {});
      await record('certification-done', { powerUsers: ['pat@acme.test'] });
      await record('recordings-published', { urls: ['https://videos.acme.test/admin'] });
      // Weekly usage from day 50 to day 125: first value on day 55, near the seat count from day 110.
      for (let day = 50; day < 125; day += 5) {
        let activeUsers = 19;
        if (day < 110) activeUsers = 12;
        if (day < 55) activeUsers = 8;
        await handle.executeUpdate(reportUsageUpdate, { args: [{ activeUsers }] });
        await env.sleep('5d');
      }
      await env.sleep('3d');
      await eventually(status, (current) => current.survey.sentAt !== undefined);
      await handle.executeUpdate(recordSurveyUpdate, { args: [{ score: 4, comment: 'Smooth' }] });
      const summary = await handle.result();
      const final = await status();

      expect(afterKickoff.stage).toBe('implementation');
      expect(goLive.stage).toBe('training');
      expect(kinds(smtp.messages)).toEqual([
        ...preOnboardingKinds,
        'kickoff-reminder',
        'training-invite',
        'plan-milestone-due',
        'first-value-thanks',
        'first-value-check-in',
        'check-in',
        'check-in',
        'expansion-opportunity',
        'check-in',
        'handoff',
        'survey',
      ]);
      const messageIds = smtp.messages.map((message) => message.parsed.messageId);
      expect(new Set(messageIds).size).toBe(messageIds.length);
      expect(provisioningServer.tenants.size).toBe(1);
      expect(final.state).toBe('completed');
      expect(final.atRisk).toBe(false);
      expect(final.deadlines.filter((deadline) => deadline.missedAt)).toEqual([]);
      expect(final.deadlines.map((deadline) => deadline.name)).toEqual(
        expect.arrayContaining(['welcome', 'kickoff', 'implementation', 'training', 'first-value']),
      );
      const goLiveAt = Date.parse(final.milestones['uat-approved']!.recordedAt);
      expect(final.checkIns.map((checkIn) => Date.parse(checkIn.dueAt) - goLiveAt)).toEqual([
        30 * dayMillis,
        60 * dayMillis,
        90 * dayMillis,
      ]);
      expect(final.checkIns.every((checkIn) => checkIn.sentAt)).toBe(true);
      expect(final.health.history.length).toBeGreaterThanOrEqual(12);
      expect(final.health.score).toBeGreaterThanOrEqual(90);
      expect(final.firstValue.reachedBy).toBe('usage');
      expect(summary.outcome).toBe('completed');
      expect(summary.surveyScore).toBe(4);
      expect(summary.missedDeadlines).toEqual([]);
      expect(summary.daysToFirstValue).toBeCloseTo(58, 0);
      expect(summary.totalDays).toBeGreaterThan(90);
      expect(summary.totalDays).toBeLessThanOrEqual(180);
      const attributes = (await handle.describe()).typedSearchAttributes;
      expect(attributes.get(searchAttributes.stage)).toBe('completion');
      expect(attributes.get(searchAttributes.state)).toBe('completed');
    }, provisioningServer);
  });

  test('late start sends welcome once, at once', async () => {
    await withWorker(async (taskQueue) => {
      const now = await env.currentTimeMs();
      const input = onboardingInput({
        plan: enterprise,
        contractSignedAt: new Date(now - 3 * dayMillis).toISOString(),
      });
      const startedAt = Date.now();

      const handle = await start(taskQueue, input);
      await smtp.waitForMessages(4);
      const welcomeDelay =
        messagesOfKind(smtp.messages, 'welcome')[0]!.receivedAt.getTime() - startedAt;
      await env.sleep('1d');
      const status = await handle.query(statusQuery);

      expect(welcomeDelay).toBeLessThan(10_000);
      expect(messagesOfKind(smtp.messages, 'welcome')).toHaveLength(1);
      expect(kinds(smtp.messages)).toEqual([...preOnboardingKinds, 'kickoff-reminder']);
      const welcome = status.deadlines.find((deadline) => deadline.name === 'welcome');
      expect(welcome?.missedAt).toBeDefined();
      expect(welcome?.metAt).toBeDefined();
      expect(status.emails.filter((email) => email.kind === 'welcome')).toHaveLength(1);
    });
  });

  test('overdue kickoff reminds, escalates, then recovers', async () => {
    await withWorker(async (taskQueue) => {
      const { handle } = await startSignedNow(taskQueue);
      await smtp.waitForMessages(4);

      await env.sleep('4d');
      const reminders = messagesOfKind(smtp.messages, 'kickoff-reminder');
      await env.sleep('4d');
      await smtp.waitForMessages(6);
      const overdue = await handle.query(statusQuery);
      const atRiskAttribute = (await handle.describe()).typedSearchAttributes.get(
        searchAttributes.atRisk,
      );
      const afterKickoffHeld = await handle.executeUpdate(recordMilestoneUpdate, {
        args: [{ milestone: 'kickoff-held', details: kickoffDetails(await env.currentTimeMs()) }],
      });

      expect(reminders).toHaveLength(1);
      expect(reminders[0]!.envelope.to).toEqual([contacts.csm.email]);
      const [escalation] = messagesOfKind(smtp.messages, 'at-risk');
      expect(escalation!.envelope.to).toEqual(
        expect.arrayContaining([contacts.escalation.email, contacts.csm.email]),
      );
      expect(overdue.atRisk).toBe(true);
      expect(overdue.risks.map((risk) => risk.key)).toEqual(['kickoff-overdue']);
      expect(atRiskAttribute).toBe(true);
      expect(afterKickoffHeld.atRisk).toBe(false);
      expect(
        afterKickoffHeld.deadlines.find((deadline) => deadline.name === 'kickoff')?.metAt,
      ).toBeDefined();
    });
  });

  test('rejected provisioning waits for a retry', async () => {
    await withProvisioningServer({}, async (server, taskQueue) => {
      const now = await env.currentTimeMs();
      const input = onboardingInput({
        plan: enterprise,
        contractSignedAt: new Date(now).toISOString(),
      });
      server.failNext(1, {
        status: 422,
        error: 'seat count exceeds contract',
        route: 'POST /tenants',
      });
      const handle = await start(taskQueue, input);
      const status = () => handle.query(statusQuery);
      await recordKickoff(handle, now);

      const failed = await eventually(
        status,
        (current) => current.provisioning.status === 'failed',
      );
      const early = handle.executeUpdate(recordMilestoneUpdate, {
        args: [{ milestone: 'setup-complete', details: { notes: 'configured' } }],
      });
      await expect(early).rejects.toThrow(WorkflowUpdateFailedError);
      await handle.executeUpdate(retryProvisioningUpdate, { args: [] });
      await eventually(status, (current) => current.provisioning.status === 'completed');
      const setup = await handle.executeUpdate(recordMilestoneUpdate, {
        args: [{ milestone: 'setup-complete', details: { notes: 'configured' } }],
      });

      expect(failed.provisioning.error?.step).toBe('tenant');
      expect(failed.provisioning.error?.message).toContain('seat count exceeds contract');
      expect(failed.atRisk).toBe(true);
      const [alert] = await messageOfKind('provisioning-failed');
      expect(alert!.envelope.to).toEqual([contacts.csm.email]);
      expect(server.tenants.size).toBe(1);
      expect(setup.milestones['setup-complete']).toBeDefined();
      expect(setup.atRisk).toBe(false);
    });
  });

  test('server errors are retried into one tenant', async () => {
    await withProvisioningServer({}, async (server, taskQueue) => {
      const now = await env.currentTimeMs();
      const input = onboardingInput({
        plan: enterprise,
        contractSignedAt: new Date(now).toISOString(),
      });
      server.failNext(2, { status: 500, route: 'POST /tenants' });
      const handle = await start(taskQueue, input);
      await recordKickoff(handle, now);

      const done = await eventually(
        () => handle.query(statusQuery),
        (current) => current.provisioning.status === 'completed',
      );

      const tenantPosts = server.requests.filter(
        (request) => request.method === 'POST' && request.path === '/tenants',
      );
      expect(tenantPosts.map((request) => request.status)).toEqual([500, 500, 201]);
      expect(new Set(tenantPosts.map((request) => request.headers['idempotency-key'])).size).toBe(
        1,
      );
      expect(server.tenants.size).toBe(1);
      expect(done.provisioning.integrationsConnected).toEqual(['salesforce', 'sso']);
      expect(done.provisioning.migration?.status).toBe('completed');
    });
  });

  test('cancellation cancels invites and tells the CSM', async () => {
    await withWorker(async (taskQueue) => {
      const { handle } = await startSignedNow(taskQueue);
      await smtp.waitForMessages(4);

      const cancelled = await handle.executeUpdate(cancelOnboardingUpdate, {
        args: [{ reason: 'Contract cancelled by the customer' }],
      });
      const summary = await handle.result();
      await smtp.waitForMessages(6);

      expect(cancelled.state).toBe('cancelled');
      expect(summary.outcome).toBe('cancelled');
      expect(summary.cancellationReason).toBe('Contract cancelled by the customer');
      const invite = calendarPart(messagesOfKind(smtp.messages, 'kickoff-invite')[0]!);
      const cancellation = calendarPart(messagesOfKind(smtp.messages, 'invite-cancelled')[0]!);
      expect(invite.method).toBe('REQUEST');
      expect(invite.contentTypeMethod).toBe('REQUEST');
      expect(cancellation.method).toBe('CANCEL');
      expect(cancellation.contentTypeMethod).toBe('CANCEL');
      expect(cancellation.event.uid).toBe(invite.event.uid);
      expect(cancellation.event.sequence).toBe(invite.event.sequence + 1);
      const [notice] = messagesOfKind(smtp.messages, 'onboarding-cancelled');
      expect(notice!.envelope.to).toEqual([contacts.csm.email]);
    });
  });

  test('repeated milestone changes nothing', async () => {
    await withWorker(async (taskQueue) => {
      const { handle, now } = await startSignedNow(taskQueue);
      await smtp.waitForMessages(4);
      const kickoff = { milestone: 'kickoff-held' as const, details: kickoffDetails(now) };

      const first = await handle.executeUpdate(recordMilestoneUpdate, { args: [kickoff] });
      const settled = await eventually(
        () => handle.query(statusQuery),
        (current) => current.emails.some((email) => email.kind === 'training-invite'),
      );
      const emailsAfterFirst = settled.emails.length;
      const second = await handle.executeUpdate(recordMilestoneUpdate, {
        args: [{ ...kickoff, details: { ...kickoff.details, notes: 'changed' } }],
      });

      expect(second.milestones['kickoff-held']).toEqual(first.milestones['kickoff-held']);
      expect((await handle.query(statusQuery)).emails.length).toBe(emailsAfterFirst);
      expect(kinds(smtp.messages)).toEqual([
        ...preOnboardingKinds,
        'invite-cancelled',
        'training-invite',
      ]);
      await handle.executeUpdate(cancelOnboardingUpdate, { args: [{ reason: 'test over' }] });
    });
  });

  test('lost migration restarts on retry', async () => {
    await withProvisioningServer({ migrationRunningPolls: 1 }, async (server, taskQueue) => {
      const now = await env.currentTimeMs();
      const input = onboardingInput({
        plan: enterprise,
        contractSignedAt: new Date(now).toISOString(),
      });
      server.failNext(1, { status: 404, error: 'no such migration', route: 'GET /migrations' });
      const handle = await start(taskQueue, input);
      const status = () => handle.query(statusQuery);
      await recordKickoff(handle, now);

      const failed = await eventually(
        status,
        (current) => current.provisioning.status === 'failed',
      );
      await handle.executeUpdate(retryProvisioningUpdate, { args: [] });
      const done = await eventually(
        status,
        (current) => current.provisioning.status === 'completed',
      );

      const migrationPosts = server.requests.filter(
        (request) => request.method === 'POST' && request.path.endsWith('/migrations'),
      );
      expect(failed.provisioning.error?.step).toBe('migration');
      expect(server.migrations.size).toBe(2);
      expect(
        new Set(migrationPosts.map((request) => request.headers['idempotency-key'])).size,
      ).toBe(2);
      expect(server.tenants.size).toBe(1);
      expect(done.provisioning.migration?.status).toBe('completed');
    });
  });

  test('second run of a customer sends its own emails', async () => {
    await withWorker(async (taskQueue) => {
      const now = await env.currentTimeMs();
      const input = onboardingInput({
        plan: enterprise,
        contractSignedAt: new Date(now).toISOString(),
      });
      const first = await start(taskQueue, input);
      await smtp.waitForMessages(4);
      await first.executeUpdate(cancelOnboardingUpdate, { args: [{ reason: 'wrong contract' }] });
      await first.result();

      const second = await start(taskQueue, input);
      await smtp.waitForMessages(10);
      const status = await eventually(
        () => second.query(statusQuery),
        (current) => current.emails.length === 4,
      );

      const welcomes = messagesOfKind(smtp.messages, 'welcome');
      expect(welcomes).toHaveLength(2);
      expect(welcomes[0]!.parsed.messageId).not.toBe(welcomes[1]!.parsed.messageId);
      const invites = messagesOfKind(smtp.messages, 'kickoff-invite').map(
        (message) => calendarPart(message).event.uid,
      );
      expect(new Set(invites).size).toBe(2);
      expect(status.emails.map((email) => email.kind)).toEqual(preOnboardingKinds);
    });
  });

  test('usage counts toward first value after go-live', async () => {
    await withWorker(async (taskQueue) => {
      const { handle, now } = await startSignedNow(taskQueue);
      const record = (milestone: MilestoneRecord['milestone'], details: object) =>
        handle.executeUpdate(recordMilestoneUpdate, {
          args: [{ milestone, details } as MilestoneRecord],
        });
      await smtp.waitForMessages(4);
      await record('kickoff-held', kickoffDetails(now));

      const beforeGoLive = await handle.executeUpdate(reportUsageUpdate, {
        args: [{ activeUsers: 15, constructor: 1 }],
      });
      await record('setup-complete', { notes: 'configured' });
      await record('uat-approved', { approvedBy: contacts.projectOwner });
      const afterGoLive = await handle.executeUpdate(reportUsageUpdate, {
        args: [{ activeUsers: 15 }],
      });

      expect(beforeGoLive.firstValue.reachedAt).toBeUndefined();
      expect(beforeGoLive.usage.metrics.activeUsers).toBe(15);
      expect(afterGoLive.firstValue.reachedBy).toBe('usage');
      expect(afterGoLive.stage).toBe('training');
    });
  });
});
