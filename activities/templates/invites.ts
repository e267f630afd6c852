import type { CalendarInvite, OnboardingSnapshot } from '../../domain/onboarding';
import { formatDateTime, formatTime, joinNames } from '../format';
import { facts, list, paragraph, quote, type MessageContent } from '../render';
import { contactLine, csmSignature } from './common';

/** Attendee names in the greeting up to this count; more get "Hello everyone". */
const maxGreetedNames = 3;

function greeting(invite: CalendarInvite): string {
  if (invite.attendees.length > maxGreetedNames) return 'Hello everyone,';
  return `Hello ${joinNames(invite.attendees.map((attendee) => attendee.name))},`;
}

/** The email that carries a meeting request; the .ics part holds the same facts. */
export function inviteContent(
  onboarding: OnboardingSnapshot,
  invite: CalendarInvite,
  description: string,
): MessageContent {
  const { timezone, contacts } = onboarding;
  const when = `${formatDateTime(invite.startsAt, timezone)} to ${formatTime(invite.endsAt, timezone)}`;
  const about = description.trim() ? [paragraph(description.trim())] : [];

  return {
    subject: invite.title,
    greeting: greeting(invite),
    blocks: [
      paragraph(`You are invited to "${invite.title}".`),
      facts([
        ['When', when],
        ['Time zone', timezone],
        ['Organizer', contactLine(contacts.csm)],
      ]),
      ...about,
      paragraph('Attendees:'),
      list(invite.attendees.map(contactLine)),
      paragraph(
        'Please accept or decline in your calendar. If the time does not work for you, reply to ' +
          'this email and we will find another.',
      ),
    ],
    signature: csmSignature(onboarding),
  };
}

/** The email that carries the cancellation of a meeting sent earlier. */
export function cancellationContent(
  onboarding: OnboardingSnapshot,
  invite: CalendarInvite,
  reason: string,
): MessageContent {
  return {
    subject: `Cancelled: ${invite.title}`,
    greeting: greeting(invite),
    blocks: [
      paragraph(
        `"${invite.title}" on ${formatDateTime(invite.startsAt, onboarding.timezone)} is cancelled.`,
      ),
      quote('Reason', reason),
      paragraph(
        'No action is needed: this email carries a calendar update that cancels the meeting.',
      ),
    ],
    signature: csmSignature(onboarding),
  };
}
