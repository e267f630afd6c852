import ical, {
  ICalAttendeeRole,
  ICalAttendeeStatus,
  ICalCalendarMethod,
  ICalEventStatus,
  type ICalAttendeeData,
} from 'ical-generator';
import type { CalendarInvite } from '../domain/onboarding';
import type { Contact } from '../domain/requests';

/**
 * An iTIP message (RFC 5546) as text. `method` is the calendar's METHOD, and the mail part that
 * carries `content` must use the same value as its `method=` content-type parameter.
 */
export interface CalendarMessage {
  method: ICalCalendarMethod;
  content: string;
}

const prodId = { company: 'onboarding-workflows', product: 'onboarding', language: 'EN' };

/**
 * Makes a name safe for the quoted CN parameter of iCalendar (RFC 5545, section 3.1): a quoted
 * parameter value cannot contain a double quote or a control character, and has no escapes.
 */
export function calendarName(name: string): string {
  return name.replace(/"/g, "'").replace(/[\u0000-\u001F\u007F]/g, ' ');
}

/**
 * Describes one attendee. The organizer, when listed, chairs the meeting and has accepted it, so
 * calendar clients ask only the other attendees to reply.
 */
function attendeeData(attendee: Contact, organizer: Contact): ICalAttendeeData {
  const isOrganizer = attendee.email.toLowerCase() === organizer.email.toLowerCase();
  return {
    name: calendarName(attendee.name),
    email: attendee.email,
    role: isOrganizer ? ICalAttendeeRole.CHAIR : ICalAttendeeRole.REQ,
    status: isOrganizer ? ICalAttendeeStatus.ACCEPTED : ICalAttendeeStatus.NEEDSACTION,
    rsvp: !isOrganizer,
  };
}

function buildCalendar(
  method: ICalCalendarMethod,
  status: ICalEventStatus,
  invite: CalendarInvite,
  organizer: Contact,
  description: string,
  stamp: Date,
): CalendarMessage {
  const calendar = ical({ method, prodId });

  // No time zone is set on the event, so ical-generator writes DTSTART and DTEND in UTC.
  calendar.createEvent({
    id: invite.uid,
    sequence: invite.sequence,
    stamp,
    start: new Date(invite.startsAt),
    end: new Date(invite.endsAt),
    summary: invite.title,
    description,
    status,
    organizer: { name: calendarName(organizer.name), email: organizer.email },
    attendees: invite.attendees.map((attendee) => attendeeData(attendee, organizer)),
  });

  return { method, content: calendar.toString() };
}

/** Builds a METHOD:REQUEST calendar that invites the attendees to `invite`. */
export function buildInviteCalendar(
  invite: CalendarInvite,
  organizer: Contact,
  description: string,
  stamp: Date,
): CalendarMessage {
  return buildCalendar(
    ICalCalendarMethod.REQUEST,
    ICalEventStatus.CONFIRMED,
    invite,
    organizer,
    description,
    stamp,
  );
}

/**
 * Builds a METHOD:CANCEL calendar for `invite`. The caller passes the invite with its SEQUENCE
 * already raised above the one sent last, as RFC 5546 requires for a cancellation.
 */
export function buildCancellationCalendar(
  invite: CalendarInvite,
  organizer: Contact,
  reason: string,
  stamp: Date,
): CalendarMessage {
  return buildCalendar(
    ICalCalendarMethod.CANCEL,
    ICalEventStatus.CANCELLED,
    invite,
    organizer,
    reason,
    stamp,
  );
}
