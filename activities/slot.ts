import { DateTime } from 'luxon';

export interface InviteWindow {
  notBefore: string;
  notAfter: string;
}

export type InviteWhen = { startsAt: string } | InviteWindow;

const slotHour = 10;

function parseInstant(iso: string, timeZone: string, field: string): DateTime {
  const parsed = DateTime.fromISO(iso, { zone: timeZone, setZone: false });
  if (!parsed.isValid) {
    throw new RangeError(
      `invalid ${field} "${iso}" in time zone "${timeZone}": ${parsed.invalidReason}`,
    );
  }
  return parsed;
}

function atSlotHour(day: DateTime): DateTime {
  return day.set({ hour: slotHour, minute: 0, second: 0, millisecond: 0 });
}

/**
 * Chooses the start of a meeting inside `window`: the earliest Monday-to-Friday 10:00 in
 * `timeZone` that is at least 24 hours after `notBefore`, if the meeting then ends by `notAfter`.
 * Otherwise it returns the middle of the window, rounded down to the minute. Throws RangeError
 * for an unparsable instant, an unknown time zone or a window that ends before it starts.
 */
export function chooseInviteStart(
  window: InviteWindow,
  timeZone: string,
  lengthMinutes: number,
): Date {
  const notBefore = parseInstant(window.notBefore, timeZone, 'notBefore');
  const notAfter = parseInstant(window.notAfter, timeZone, 'notAfter');
  if (notAfter < notBefore) {
    throw new RangeError(
      `invalid invite window: notAfter ${window.notAfter} is before notBefore ${window.notBefore}`,
    );
  }

  // Luxon adds days in local time, so each candidate stays at 10:00 across DST changes.
  const earliest = notBefore.plus({ hours: 24 });
  let slot = atSlotHour(earliest);
  if (slot < earliest) slot = atSlotHour(slot.plus({ days: 1 }));
  while (slot.weekday > 5) slot = atSlotHour(slot.plus({ days: 1 }));

  if (slot.plus({ minutes: lengthMinutes }) <= notAfter) return slot.toJSDate();

  const middle = (notBefore.toMillis() + notAfter.toMillis()) / 2;
  return new Date(Math.floor(middle / 60_000) * 60_000);
}

/**
 * Resolves when a meeting starts and ends, as ISO 8601 UTC instants. Throws RangeError for
 * invalid input, as `chooseInviteStart` does, or a length that is not a positive number of minutes.
 */
export function resolveInviteTimes(
  when: InviteWhen,
  timeZone: string,
  lengthMinutes: number,
): { startsAt: string; endsAt: string } {
  if (!Number.isFinite(lengthMinutes) || lengthMinutes <= 0) {
    throw new RangeError(
      `invalid lengthMinutes ${lengthMinutes}: use a positive number of minutes`,
    );
  }
  const start =
    'startsAt' in when
      ? parseInstant(when.startsAt, timeZone, 'startsAt').toJSDate()
      : chooseInviteStart(when, timeZone, lengthMinutes);
  const end = new Date(start.getTime() + lengthMinutes * 60_000);
  return { startsAt: start.toISOString(), endsAt: end.toISOString() };
}
