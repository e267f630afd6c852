import type { CalendarInvite, OnboardingSnapshot } from '../../domain/onboarding';
import type { Contact } from '../../domain/requests';
import { formatDateTime, formatTime, joinNames } from '../format';
import { facts, list, paragraph, quote, type MessageContent } from '../render';
import { contactLine, csmSignature } from './common';

/** Maximum number of names in a greeting. More guests get "Hello everyone". */
const maxGreetedNames = 3;

/** Greets the attendees other than the organizer, who is usually an attendee too. */
function greeting(invite: CalendarInvite, organizer: Contact): string {
  const guests = invite.attendees.filter(
    (attendee) => attendee.email.toLowerCase() !== organizer.email.toLowerCase(),
  );
  if (guests.length === 0) return 'Hello,';
  if (guests.length > maxGreetedNames) return 'Hello everyone,';
  return `Hello ${joinNames(guests.map((guest) => guest.name))},`;
}

/** Writes the email that carries a meeting request. Its .ics part contains the same facts. */
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
    greeting: greeting(invite, onboarding.contacts.csm),
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

/** Writes the email that cancels a meeting sent earlier. */
export function cancellationContent(
  onboarding: OnboardingSnapshot,
  invite: CalendarInvite,
  reason: string,
): MessageContent {
  return {
    subject: `Cancelled: ${invite.title}`,
    greeting: greeting(invite, onboarding.contacts.csm),
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
