import escapeHtml from 'escape-html';
import { chooseInviteStart, createActivities } from '../../activities';
import type { InviteRequest, OnboardingActivities } from '../../domain/delivery';
import type { OnboardingSnapshot } from '../../domain/onboarding';
import {
  startTestSmtpServer,
  type CapturedMessage,
  type TestSmtpServer,
} from '../helpers/smtp-server';
import { calendarPart } from '../helpers/calendar';
import { contacts, failureOf, recordingLogger, snapshot } from './fixtures';

let smtp: TestSmtpServer;
let activities: OnboardingActivities;
let onboarding: OnboardingSnapshot;

async function firstMessage(): Promise<CapturedMessage> {
  const [message] = await smtp.waitForMessages(1);
  if (!message) throw new Error('no message arrived');
  return message;
}

beforeEach(async () => {
  smtp = await startTestSmtpServer();
  activities = createActivities({
    transporter: smtp.createTransport(),
    from: 'Acme Onboarding <onboarding@vendor.test>',
    logger: recordingLogger().logger,
  });
  onboarding = snapshot();
  smtp.clear();
});

afterEach(async () => {
  await smtp.close();
});

function kickoffRequest(overrides: Partial<InviteRequest> = {}): InviteRequest {
  return {
    onboarding,
    step: 'kickoff-invite',
    uid: 'onboarding-acme.0f3c9a1e.kickoff-invite@onboarding',
    title: 'Kickoff: <b>Acme</b> & Co onboarding',
    description: 'Review success criteria <and> confirm the timeline.',
    attendees: [contacts.csm, contacts.projectOwner, contacts.executiveSponsor],
    lengthMinutes: 60,
    when: { startsAt: '2025-03-11T14:00:00Z' },
    ...overrides,
  };
}

describe('calendar invites', () => {
  test('kickoff invite carries REQUEST calendar', async () => {
    await activities.sendKickoffInvite(kickoffRequest());
    const calendar = calendarPart(await firstMessage());

    expect(calendar.method).toBe('REQUEST');
    expect(calendar.contentTypeMethod).toBe(calendar.method);
    expect(calendar.event.uid).toBe('onboarding-acme.0f3c9a1e.kickoff-invite@onboarding');
    expect(calendar.event.sequence).toBe(0);
    expect(calendar.event.summary).toBe('Kickoff: <b>Acme</b> & Co onboarding');
    expect(calendar.status).toBe('CONFIRMED');
    expect(calendar.organizer.toLowerCase()).toBe('mailto:dana@vendor.test');
  });

  test('quoted attendee name stays parseable', async () => {
    const quoted = { name: 'Robert "Bob" Smith', email: 'bob@acme.test' };
    await activities.sendKickoffInvite(kickoffRequest({ attendees: [contacts.csm, quoted] }));
    const message = await firstMessage();
    const ics = message.parsed.attachments
      .find((attachment) => attachment.contentType === 'text/calendar')!
      .content.toString('utf8')
      .replace(/\r\n /g, '');

    expect(ics).toContain(`CN="Robert 'Bob' Smith"`);
    expect(calendarPart(message).attendees.map((attendee) => attendee.email)).toEqual([
      'dana@vendor.test',
      'bob@acme.test',
    ]);
  });

  test('invite times are in UTC', async () => {
    await activities.sendKickoffInvite(kickoffRequest());
    const calendar = calendarPart(await firstMessage());

    expect(calendar.event.startDate.zone?.tzid).toBe('UTC');
    expect(calendar.event.startDate.toJSDate().toISOString()).toBe('2025-03-11T14:00:00.000Z');
    expect(calendar.event.endDate.toJSDate().toISOString()).toBe('2025-03-11T15:00:00.000Z');
  });

  test('attendees are asked to reply', async () => {
    await activities.sendKickoffInvite(kickoffRequest());
    const calendar = calendarPart(await firstMessage());

    expect(calendar.attendees).toEqual([
      { email: 'dana@vendor.test', rsvp: 'FALSE', partstat: 'ACCEPTED' },
      { email: 'olga@acme.test', rsvp: 'TRUE', partstat: 'NEEDS-ACTION' },
      { email: 'sam@acme.test', rsvp: 'TRUE', partstat: 'NEEDS-ACTION' },
    ]);
  });

  test('invite email goes to attendees', async () => {
    const receipt = await activities.sendKickoffInvite(kickoffRequest());
    const message = await firstMessage();

    expect(message.envelope.to).toEqual(['dana@vendor.test', 'olga@acme.test', 'sam@acme.test']);
    expect(receipt.to).toEqual(['dana@vendor.test', 'olga@acme.test', 'sam@acme.test']);
    expect(message.parsed.headers.get('x-onboarding-email')).toBe('kickoff-invite');
    expect(message.parsed.messageId).toBe('<onboarding-acme.0f3c9a1e.kickoff-invite@vendor.test>');
    expect(receipt.messageId).toBe(message.parsed.messageId);
  });

  test('invite email escapes title', async () => {
    await activities.sendKickoffInvite(kickoffRequest());
    const message = await firstMessage();
    const html = message.parsed.html || '';

    expect(message.parsed.subject).toBe('Kickoff: <b>Acme</b> & Co onboarding');
    expect(message.parsed.text).toContain('Review success criteria <and> confirm the timeline.');
    expect(html).toContain(escapeHtml('Kickoff: <b>Acme</b> & Co onboarding'));
    expect(html).not.toContain('<b>Acme</b>');
    expect(html).toContain(escapeHtml('Review success criteria <and> confirm the timeline.'));
    expect(message.parsed.text).toContain(
      'Tuesday, March 11, 2025 at 10:00 AM EDT to 11:00 AM EDT',
    );
    expect(message.parsed.text).toContain('Hello Olga Owner and Sam Sponsor,');
  });

  test('receipt describes the sent invite', async () => {
    const receipt = await activities.sendKickoffInvite(kickoffRequest());

    expect(receipt.kind).toBe('kickoff-invite');
    expect(receipt.step).toBe('kickoff-invite');
    expect(receipt.invite).toEqual({
      uid: 'onboarding-acme.0f3c9a1e.kickoff-invite@onboarding',
      title: 'Kickoff: <b>Acme</b> & Co onboarding',
      sequence: 0,
      startsAt: '2025-03-11T14:00:00.000Z',
      endsAt: '2025-03-11T15:00:00.000Z',
      attendees: [contacts.csm, contacts.projectOwner, contacts.executiveSponsor],
    });
  });

  test('window invite uses chosen slot', async () => {
    const window = { notBefore: '2025-03-07T15:00:00Z', notAfter: '2025-03-14T15:00:00Z' };

    const receipt = await activities.sendTrainingInvite(
      kickoffRequest({ step: 'training-admin', uid: 'training-admin@onboarding', when: window }),
    );
    const calendar = calendarPart(await firstMessage());

    const expected = chooseInviteStart(window, 'America/New_York', 60).toISOString();
    expect(expected).toBe('2025-03-10T14:00:00.000Z');
    expect(receipt.invite.startsAt).toBe(expected);
    expect(calendar.event.startDate.toJSDate().toISOString()).toBe(expected);
  });

  test.each([
    ['sendTrainingInvite', 'training-invite'],
    ['sendFirstValueCheckInInvite', 'first-value-check-in'],
    ['sendCheckInInvite', 'check-in'],
  ] as const)('%s sends %s kind', async (activity, kind) => {
    const receipt = await activities[activity](kickoffRequest({ step: kind, uid: `${kind}@x` }));
    const message = await firstMessage();

    expect(receipt.kind).toBe(kind);
    expect(message.parsed.headers.get('x-onboarding-email')).toBe(kind);
    expect(calendarPart(message).method).toBe('REQUEST');
  });

  test('invite without attendees fails', async () => {
    const failure = await failureOf(
      activities.sendKickoffInvite(kickoffRequest({ attendees: [] })),
    );

    expect(failure.type).toBe('InvalidDeliveryRequest');
    expect(failure.nonRetryable).toBe(true);
    expect(smtp.messages).toHaveLength(0);
  });

  test('reversed window fails permanently', async () => {
    const failure = await failureOf(
      activities.sendKickoffInvite(
        kickoffRequest({
          when: { notBefore: '2025-03-14T15:00:00Z', notAfter: '2025-03-07T15:00:00Z' },
        }),
      ),
    );

    expect(failure.type).toBe('InvalidDeliveryRequest');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('notAfter');
  });

  test('repeated invite step is sent once', async () => {
    const first = await activities.sendKickoffInvite(kickoffRequest());
    const second = await activities.sendKickoffInvite(kickoffRequest());
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(smtp.messages).toHaveLength(1);
    expect(second).toEqual(first);
  });
});

describe('invite cancellation', () => {
  async function sendAndCancel() {
    const sent = await activities.sendKickoffInvite(kickoffRequest());
    smtp.clear();
    const receipt = await activities.cancelCalendarInvite({
      onboarding,
      step: 'kickoff-invite-cancelled',
      invite: sent.invite,
      reason: 'Onboarding <paused> & rescheduled',
    });
    return { sent, receipt, message: await firstMessage() };
  }

  test('cancellation carries CANCEL calendar', async () => {
    const { message } = await sendAndCancel();
    const calendar = calendarPart(message);

    expect(calendar.method).toBe('CANCEL');
    expect(calendar.contentTypeMethod).toBe('CANCEL');
    expect(calendar.status).toBe('CANCELLED');
  });

  test('cancellation keeps UID, raises SEQUENCE', async () => {
    const { sent, message } = await sendAndCancel();
    const calendar = calendarPart(message);

    expect(calendar.event.uid).toBe(sent.invite.uid);
    expect(calendar.event.sequence).toBe(sent.invite.sequence + 1);
    expect(calendar.event.startDate.toJSDate().toISOString()).toBe(sent.invite.startsAt);
  });

  test('cancellation email reaches attendees', async () => {
    const { receipt, message } = await sendAndCancel();

    expect(receipt.kind).toBe('invite-cancelled');
    expect(receipt.to).toEqual(['dana@vendor.test', 'olga@acme.test', 'sam@acme.test']);
    expect(message.parsed.headers.get('x-onboarding-email')).toBe('invite-cancelled');
    expect(message.parsed.subject).toBe('Cancelled: Kickoff: <b>Acme</b> & Co onboarding');
    expect(message.parsed.text).toContain('Onboarding <paused> & rescheduled');
    expect(message.parsed.html).toContain(escapeHtml('Onboarding <paused> & rescheduled'));
    expect(message.parsed.messageId).toBe(
      '<onboarding-acme.0f3c9a1e.kickoff-invite-cancelled@vendor.test>',
    );
  });

  test('cancellation follows invite sequence', async () => {
    const updated = {
      ...(await activities.sendKickoffInvite(kickoffRequest())).invite,
      sequence: 3,
    };
    smtp.clear();

    await activities.cancelCalendarInvite({
      onboarding,
      step: 'kickoff-cancel-after-update',
      invite: updated,
      reason: 'Customer asked to stop',
    });

    expect(calendarPart(await firstMessage()).event.sequence).toBe(4);
  });
});
