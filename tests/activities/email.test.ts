import type { AddressObject } from 'mailparser';
import escapeHtml from 'escape-html';
import nodemailer from 'nodemailer';
import { createActivities, messageIdFor } from '../../activities';
import type { DeliveryReceipt, EmailKind, OnboardingActivities } from '../../domain/delivery';
import type { OnboardingSnapshot } from '../../domain/onboarding';
import {
  startTestSmtpServer,
  type CapturedMessage,
  type TestSmtpServer,
} from '../helpers/smtp-server';
import { contacts, failureOf, hostileCompanyName, recordingLogger, snapshot } from './fixtures';

const from = 'Acme Onboarding <onboarding@vendor.test>';

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((object) => object.value.map((entry) => entry.address ?? ''));
}

function header(message: CapturedMessage, name: string): unknown {
  return message.parsed.headers.get(name.toLowerCase());
}

/** Waits for the first message to arrive and returns it. */
async function firstMessage(): Promise<CapturedMessage> {
  const [message] = await smtp.waitForMessages(1);
  if (!message) throw new Error('no message arrived');
  return message;
}

let smtp: TestSmtpServer;
let activities: OnboardingActivities;
let onboarding: OnboardingSnapshot;

beforeEach(async () => {
  smtp = await startTestSmtpServer();
  activities = createActivities({
    transporter: smtp.createTransport(),
    from,
    logger: recordingLogger().logger,
  });
  onboarding = snapshot();
});

afterEach(async () => {
  await smtp.close();
});

interface KindCase {
  kind: EmailKind;
  send: (step: string) => Promise<DeliveryReceipt>;
  to: string[];
  cc: string[];
  /** Customer-supplied text that the email must show, escaped in the HTML part. */
  mentions: string[];
}

const owner = contacts.projectOwner.email;
const sponsor = contacts.executiveSponsor.email;
const csm = contacts.csm.email;

function kindCases(): KindCase[] {
  return [
    {
      kind: 'sales-handoff',
      send: (step) =>
        activities.sendSalesHandoffEmail({
          onboarding,
          step,
          details: {
            contractSignedAt: '2025-03-03T15:00:00Z',
            salesNotes: 'Wants SSO <b>first</b> & fast',
            integrations: ['salesforce', 'slack'],
          },
        }),
      to: [csm],
      cc: [],
      mentions: ['Wants SSO <b>first</b> & fast', 'salesforce', contacts.escalation.email],
    },
    {
      kind: 'welcome',
      send: (step) =>
        activities.sendWelcomeEmail({
          onboarding,
          step,
          details: {
            contractSignedAt: '2025-03-03T15:00:00Z',
            kickoffDueAt: '2025-03-10T15:00:00Z',
          },
        }),
      to: [owner],
      cc: [sponsor, csm],
      mentions: [contacts.csm.name],
    },
    {
      kind: 'implementation-packet',
      send: (step) =>
        activities.sendImplementationPacket({
          onboarding,
          step,
          details: { integrations: ['hubspot'], implementationWithin: 42 * 86_400_000 },
        }),
      to: [owner],
      cc: [sponsor, csm],
      mentions: ['hubspot', '6 weeks'],
    },
    {
      kind: 'kickoff-reminder',
      send: (step) =>
        activities.sendKickoffReminder({
          onboarding,
          step,
          details: { kickoffDueAt: '2025-03-10T15:00:00Z' },
        }),
      to: [csm],
      cc: [],
      mentions: ['Monday, March 10, 2025 at 11:00 AM EDT', owner],
    },
    {
      kind: 'at-risk',
      send: (step) =>
        activities.sendAtRiskEscalation({
          onboarding,
          step,
          details: {
            deadline: 'kickoff',
            dueAt: '2025-03-10T15:00:00Z',
            reason: 'Kickoff <i>slipped</i> & sponsor away',
          },
        }),
      to: [contacts.escalation.email],
      cc: [csm],
      mentions: ['Kickoff <i>slipped</i> & sponsor away', 'kickoff'],
    },
    {
      kind: 'provisioning-failed',
      send: (step) =>
        activities.sendProvisioningFailedAlert({
          onboarding,
          step,
          details: {
            step: 'migration',
            error: 'HTTP 500 <html>gateway</html>',
            retryPath: 'POST /onboardings/acme/provisioning/retry',
          },
        }),
      to: [csm],
      cc: [],
      mentions: ['HTTP 500 <html>gateway</html>', 'POST /onboardings/acme/provisioning/retry'],
    },
    {
      kind: 'plan-milestone-due',
      send: (step) =>
        activities.sendPlanMilestoneReminder({
          onboarding,
          step,
          details: { name: 'Go <live>', dueBy: '2025-04-01T16:00:00Z' },
        }),
      to: [csm],
      cc: [],
      mentions: ['Go <live>', 'Tuesday, April 1, 2025 at 12:00 PM EDT'],
    },
    {
      kind: 'first-value-thanks',
      send: (step) =>
        activities.sendFirstValueThanks({
          onboarding,
          step,
          details: {
            description: '100 <em>deals</em> logged',
            metric: 'dealsLogged',
            target: 100,
            reachedBy: 'milestone',
            evidence: '<img src=x onerror=alert(1)> report attached',
          },
        }),
      to: [owner, sponsor],
      cc: [csm],
      mentions: ['100 <em>deals</em> logged', '<img src=x onerror=alert(1)> report attached'],
    },
    {
      kind: 'health-alert',
      send: (step) =>
        activities.sendHealthAlert({
          onboarding,
          step,
          details: { score: 42, previousScore: 71, reasons: ['Seats <10% active'] },
        }),
      to: [csm],
      cc: [],
      mentions: ['42', '71', 'Seats <10% active'],
    },
    {
      kind: 'adoption-gap',
      send: (step) =>
        activities.sendAdoptionGapAlert({
          onboarding,
          step,
          details: { gaps: ['<u>reports</u> & dashboards'] },
        }),
      to: [csm],
      cc: [],
      mentions: ['<u>reports</u> & dashboards'],
    },
    {
      kind: 'expansion-opportunity',
      send: (step) =>
        activities.sendExpansionOpportunity({
          onboarding,
          step,
          details: { activeUsers: 240, seats: 250 },
        }),
      to: [csm],
      cc: [],
      mentions: ['240 active users', '250 licensed seats', '96%'],
    },
    {
      kind: 'handoff',
      send: (step) =>
        activities.sendHandoffEmail({
          onboarding,
          step,
          details: {
            ongoingCsm: contacts.ongoingCsm,
            successCriteria: ['<b>90%</b> of reps active'],
          },
        }),
      to: [owner],
      cc: [contacts.ongoingCsm.email, csm],
      mentions: ['<b>90%</b> of reps active', contacts.ongoingCsm.name],
    },
    {
      kind: 'survey',
      send: (step) =>
        activities.sendSatisfactionSurvey({
          onboarding,
          step,
          details: { answerBy: '2025-06-30T12:00:00Z' },
        }),
      to: [owner],
      cc: [],
      mentions: ['Monday, June 30, 2025'],
    },
    {
      kind: 'onboarding-cancelled',
      send: (step) =>
        activities.sendCancellationNotice({
          onboarding,
          step,
          details: { reason: 'Budget <frozen> & deal lost' },
        }),
      to: [csm],
      cc: [],
      mentions: ['Budget <frozen> & deal lost', 'acme'],
    },
  ];
}

describe('email activities', () => {
  test.each(kindCases().map((entry) => [entry.kind, entry.kind]))(
    '%s email reaches its recipients',
    async (kind) => {
      const entry = kindCases().find((candidate) => candidate.kind === kind);
      if (!entry) throw new Error(`no case for ${kind}`);

      const receipt = await entry.send(kind);
      const message = await firstMessage();

      expect(addresses(message.parsed.to)).toEqual(entry.to);
      expect(addresses(message.parsed.cc)).toEqual(entry.cc);
      expect(message.envelope.to.sort()).toEqual([...entry.to, ...entry.cc].sort());
      expect(receipt.to).toEqual([...entry.to, ...entry.cc]);
      expect(receipt.kind).toBe(kind);
      expect(header(message, 'X-Onboarding-Email')).toBe(kind);
      expect(message.parsed.text?.trim()).toBeTruthy();
      expect(message.parsed.html).toBeTruthy();
    },
  );

  test.each(kindCases().map((entry) => [entry.kind, entry.kind]))(
    '%s email escapes customer text',
    async (kind) => {
      const entry = kindCases().find((candidate) => candidate.kind === kind);
      if (!entry) throw new Error(`no case for ${kind}`);

      await entry.send(kind);
      const message = await firstMessage();
      const text = message.parsed.text ?? '';
      const html = message.parsed.html || '';

      expect(message.parsed.subject).toContain(hostileCompanyName);
      expect(html).not.toContain('<script>');
      expect(html).toContain(escapeHtml(hostileCompanyName));
      for (const mention of entry.mentions) {
        expect(text).toContain(mention);
        expect(html).toContain(escapeHtml(mention));
        if (mention.includes('<')) expect(html).not.toContain(mention);
      }
    },
  );

  test('welcome email carries onboarding headers', async () => {
    const receipt = await activities.sendWelcomeEmail({
      onboarding,
      step: 'welcome',
      details: { contractSignedAt: '2025-03-03T15:00:00Z', kickoffDueAt: '2025-03-10T15:00:00Z' },
    });
    const message = await firstMessage();

    const expectedId = '<onboarding-acme.0f3c9a1e.welcome@vendor.test>';
    expect(receipt.messageId).toBe(expectedId);
    expect(message.parsed.messageId).toBe(expectedId);
    expect(header(message, 'X-Onboarding-Id')).toBe('onboarding-acme');
    expect(header(message, 'X-Onboarding-Email')).toBe('welcome');
    expect(addresses(message.parsed.from)).toEqual(['onboarding@vendor.test']);
    expect(Date.parse(receipt.sentAt)).not.toBeNaN();
  });

  test('welcome email shows customer-local dates', async () => {
    await activities.sendWelcomeEmail({
      onboarding: snapshot({ timezone: 'Europe/Berlin' }),
      step: 'welcome',
      details: { contractSignedAt: '2025-03-30T23:30:00Z', kickoffDueAt: '2025-04-04T08:00:00Z' },
    });
    const message = await firstMessage();
    const text = message.parsed.text ?? '';

    // 23:30 UTC on March 30 is already March 31 in Berlin, which is on summer time by then.
    expect(text).toContain('Monday, March 31, 2025');
    expect(text).toContain('Friday, April 4, 2025 at 10:00 AM GMT+2');
  });

  test('at-risk falls back to CSM', async () => {
    const withoutEscalation = snapshot({
      contacts: { ...snapshot().contacts, escalation: undefined },
    });

    const receipt = await activities.sendAtRiskEscalation({
      onboarding: withoutEscalation,
      step: 'at-risk-kickoff',
      details: { deadline: 'kickoff', dueAt: '2025-03-10T15:00:00Z', reason: 'No kickoff yet' },
    });
    const message = await firstMessage();

    expect(addresses(message.parsed.to)).toEqual([csm]);
    expect(addresses(message.parsed.cc)).toEqual([]);
    expect(receipt.to).toEqual([csm]);
  });

  test('first-value email lists both customer contacts', async () => {
    await activities.sendFirstValueThanks({
      onboarding,
      step: 'first-value-thanks',
      details: { description: 'Deals logged', metric: 'deals', target: 10, reachedBy: 'usage' },
    });
    const message = await firstMessage();

    expect(message.parsed.text).toContain('Hello Olga Owner and Sam Sponsor,');
    expect(message.parsed.text).toContain('measured in product usage');
    expect(message.parsed.text).not.toContain('Evidence');
  });

  test('repeated step is sent once', async () => {
    const request = {
      onboarding,
      step: 'survey',
      details: { answerBy: '2025-06-30T12:00:00Z' },
    };

    const first = await activities.sendSatisfactionSurvey(request);
    const second = await activities.sendSatisfactionSurvey(request);
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(smtp.messages).toHaveLength(1);
    expect(second).toEqual(first);
  });

  test('concurrent repeats share one delivery', async () => {
    const request = { onboarding, step: 'survey', details: { answerBy: '2025-06-30T12:00:00Z' } };

    const receipts = await Promise.all([
      activities.sendSatisfactionSurvey(request),
      activities.sendSatisfactionSurvey(request),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(smtp.messages).toHaveLength(1);
    expect(receipts[1]).toEqual(receipts[0]);
  });

  test('step reused by another kind fails', async () => {
    await activities.sendSatisfactionSurvey({
      onboarding,
      step: 'shared-step',
      details: { answerBy: '2025-06-30T12:00:00Z' },
    });

    const failure = await failureOf(
      activities.sendKickoffReminder({
        onboarding,
        step: 'shared-step',
        details: { kickoffDueAt: '2025-03-10T15:00:00Z' },
      }),
    );

    expect(failure.type).toBe('MessageIdConflict');
    expect(failure.nonRetryable).toBe(true);
    expect(smtp.messages).toHaveLength(1);
  });

  test('line break cannot inject headers', async () => {
    const injected = snapshot({ companyName: 'Acme\r\nBcc: attacker@evil.test' });

    await activities.sendSatisfactionSurvey({
      onboarding: injected,
      step: 'survey',
      details: { answerBy: '2025-06-30T12:00:00Z' },
    });
    const message = await firstMessage();

    expect(message.parsed.subject).toBe('How was your onboarding, Acme Bcc: attacker@evil.test?');
    expect(message.parsed.bcc).toBeUndefined();
    expect(message.envelope.to).toEqual([owner]);
  });

  test('duplicate addresses are sent once', async () => {
    const sameCsm = snapshot({
      contacts: {
        ...snapshot().contacts,
        escalation: { name: 'Dana again', email: 'DANA@vendor.test' },
      },
    });

    const receipt = await activities.sendAtRiskEscalation({
      onboarding: sameCsm,
      step: 'at-risk-kickoff',
      details: { deadline: 'kickoff', dueAt: '2025-03-10T15:00:00Z', reason: 'No kickoff yet' },
    });
    const message = await firstMessage();

    expect(receipt.to).toEqual(['DANA@vendor.test']);
    expect(message.envelope.to).toEqual(['DANA@vendor.test']);
    expect(addresses(message.parsed.cc)).toEqual([]);
  });

  test('unknown time zone fails permanently', async () => {
    const failure = await failureOf(
      activities.sendSatisfactionSurvey({
        onboarding: snapshot({ timezone: 'Mars/Olympus_Mons' }),
        step: 'survey',
        details: { answerBy: '2025-06-30T12:00:00Z' },
      }),
    );

    expect(failure.type).toBe('InvalidDeliveryRequest');
    expect(failure.nonRetryable).toBe(true);
    expect(smtp.messages).toHaveLength(0);
  });
});

describe('SMTP failures', () => {
  const survey = () =>
    activities.sendSatisfactionSurvey({
      onboarding,
      step: 'survey',
      details: { answerBy: '2025-06-30T12:00:00Z' },
    });

  test('550 recipient reply is permanent', async () => {
    smtp.rejectWith({ code: 550, message: 'No such user' });

    const failure = await failureOf(survey());

    expect(failure.type).toBe('EmailRejected');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('550 No such user');
  });

  test('554 after message body is permanent', async () => {
    smtp.rejectWith({ code: 554, stage: 'data', message: 'Message refused as spam' });

    const failure = await failureOf(survey());

    expect(failure.type).toBe('EmailRejected');
    expect(failure.nonRetryable).toBe(true);
  });

  test('451 reply is retryable', async () => {
    smtp.rejectWith({ code: 451, message: 'Try again later', times: 1 });

    const failure = await failureOf(survey());

    expect(failure.type).toBe('EmailUnavailable');
    expect(failure.nonRetryable).toBe(false);
    expect(smtp.messages).toHaveLength(0);
  });

  test('retry after 451 delivers once', async () => {
    smtp.rejectWith({ code: 451, stage: 'mail', times: 1 });

    await failureOf(survey());
    const receipt = await survey();
    const messages = await smtp.waitForMessages(1);

    expect(messages).toHaveLength(1);
    expect(messages[0]?.parsed.messageId).toBe(receipt.messageId);
  });

  test('mixed recipient replies stay retryable', async () => {
    smtp.rejectWith({ code: 550, recipients: [owner, sponsor] });
    smtp.rejectWith({ code: 452, message: 'Mailbox full', recipients: [csm] });

    const failure = await failureOf(
      activities.sendWelcomeEmail({
        onboarding,
        step: 'welcome',
        details: { contractSignedAt: '2025-03-03T15:00:00Z', kickoffDueAt: '2025-03-10T15:00:00Z' },
      }),
    );

    expect(failure.type).toBe('EmailUnavailable');
    expect(failure.nonRetryable).toBe(false);
  });

  test('one rejected recipient still delivers', async () => {
    const { logger, lines } = recordingLogger();
    const logged = createActivities({ transporter: smtp.createTransport(), from, logger });
    smtp.rejectWith({ code: 550, recipients: [sponsor] });

    const receipt = await logged.sendWelcomeEmail({
      onboarding,
      step: 'welcome',
      details: { contractSignedAt: '2025-03-03T15:00:00Z', kickoffDueAt: '2025-03-10T15:00:00Z' },
    });
    const message = await firstMessage();

    expect(message.envelope.to).toEqual([owner, csm]);
    expect(receipt.to).toEqual([owner, sponsor, csm]);
    const warning = lines.find(
      (entry) => entry.msg === 'mail server rejected some recipients of an email',
    );
    expect(warning).toMatchObject({ kind: 'welcome', rejected: 1, accepted: 2 });
  });

  test('refused connection is retryable', async () => {
    const closed = await startTestSmtpServer();
    const port = closed.port;
    await closed.close();
    const offline = createActivities({
      transporter: nodemailer.createTransport({ host: '127.0.0.1', port, connectionTimeout: 2000 }),
      from,
      logger: recordingLogger().logger,
    });

    const failure = await failureOf(
      offline.sendSatisfactionSurvey({
        onboarding,
        step: 'survey',
        details: { answerBy: '2025-06-30T12:00:00Z' },
      }),
    );

    expect(failure.type).toBe('EmailUnavailable');
    expect(failure.nonRetryable).toBe(false);
  });

  test('failed delivery is logged', async () => {
    const { logger, lines } = recordingLogger();
    const logged = createActivities({ transporter: smtp.createTransport(), from, logger });
    smtp.rejectWith({ code: 550 });

    await failureOf(
      logged.sendSatisfactionSurvey({
        onboarding,
        step: 'survey',
        details: { answerBy: '2025-06-30T12:00:00Z' },
      }),
    );

    const line = lines.find((entry) => entry.msg === 'email delivery failed');
    expect(line).toMatchObject({
      onboardingId: 'onboarding-acme',
      kind: 'survey',
      failureType: 'EmailRejected',
      retryable: false,
    });
  });
});

describe('messageIdFor', () => {
  const ids = { onboardingId: 'onboarding-acme', executionId: '0f3c9a1e' };

  test('plain step keeps its name', () => {
    expect(messageIdFor(ids, 'welcome', 'example.com')).toBe(
      '<onboarding-acme.0f3c9a1e.welcome@example.com>',
    );
  });

  test('unsafe step is replaced and hashed', () => {
    const id = messageIdFor(ids, 'check-in: week 2', 'example.com');

    expect(id).toMatch(
      /^<onboarding-acme\.0f3c9a1e\.check-in--week-2\.[0-9a-f]{10}@example\.com>$/,
    );
    expect(id).not.toBe(messageIdFor(ids, 'check-in::week 2', 'example.com'));
    expect(id).toBe(messageIdFor(ids, 'check-in: week 2', 'example.com'));
  });

  test('execution id separates onboardings', () => {
    const first = messageIdFor(ids, 'welcome', 'example.com');
    const second = messageIdFor({ ...ids, executionId: '77aa01bc' }, 'welcome', 'example.com');

    expect(second).not.toBe(first);
  });

  test('messageIdDomain option overrides From', async () => {
    const custom = createActivities({
      transporter: smtp.createTransport(),
      from,
      logger: recordingLogger().logger,
      messageIdDomain: 'mail.example.org',
    });

    const receipt = await custom.sendSatisfactionSurvey({
      onboarding,
      step: 'survey',
      details: { answerBy: '2025-06-30T12:00:00Z' },
    });

    expect(receipt.messageId).toBe('<onboarding-acme.0f3c9a1e.survey@mail.example.org>');
  });
});
