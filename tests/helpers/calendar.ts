import { createRequire } from 'node:module';
import type { Attachment } from 'mailparser';
import type { CapturedMessage } from './smtp-server';

// ical.js declares its types as an ES module, which a CommonJS file cannot import statically,
// but it also ships a CommonJS build whose exports are that module's default export.
export type Ical = (typeof import('ical.js', { with: { 'resolution-mode': 'import' } }))['default'];
export const ICAL = createRequire(__filename)('ical.js') as Ical;

export interface CalendarPart {
  /** The `method=` parameter of the text/calendar part's Content-Type. */
  contentTypeMethod: string | undefined;
  event: InstanceType<Ical['Event']>;
  method: string;
  status: string;
  attendees: Array<{ email: string; rsvp: string; partstat: string }>;
  organizer: string;
}

/** Parses the text/calendar part of a delivered invite with ical.js. */
export function calendarPart(message: CapturedMessage): CalendarPart {
  const part = message.parsed.attachments.find(
    (attachment: Attachment) => attachment.contentType === 'text/calendar',
  );
  if (!part) throw new Error('message has no text/calendar part');

  const contentType = part.headers.get('content-type') as { params?: Record<string, string> };
  const calendar = new ICAL.Component(ICAL.parse(part.content.toString('utf8')));
  const vevent = calendar.getFirstSubcomponent('vevent');
  if (!vevent) throw new Error('calendar has no VEVENT');

  return {
    contentTypeMethod: contentType.params?.method,
    event: new ICAL.Event(vevent),
    method: String(calendar.getFirstPropertyValue('method')),
    status: String(vevent.getFirstPropertyValue('status')),
    organizer: String(vevent.getFirstPropertyValue('organizer')),
    attendees: vevent.getAllProperties('attendee').map((property) => ({
      email: String(property.getFirstValue())
        .replace(/^mailto:/i, '')
        .toLowerCase(),
      rsvp: String(property.getParameter('rsvp')),
      partstat: String(property.getParameter('partstat')),
    })),
  };
}
