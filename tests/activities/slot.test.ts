import { chooseInviteStart, resolveInviteTimes } from '../../activities';

function slot(notBefore: string, notAfter: string, timeZone: string, lengthMinutes = 60): string {
  return chooseInviteStart({ notBefore, notAfter }, timeZone, lengthMinutes).toISOString();
}

describe('chooseInviteStart', () => {
  test('next morning when early enough', () => {
    // Monday 09:00 in Berlin (CEST): 24 hours later is Tuesday 09:00, so Tuesday 10:00.
    expect(slot('2024-05-13T07:00:00Z', '2024-05-20T07:00:00Z', 'Europe/Berlin')).toBe(
      '2024-05-14T08:00:00.000Z',
    );
  });

  test('day after when past ten', () => {
    // Monday 11:00 in Berlin: Tuesday 11:00 is past 10:00, so Wednesday 10:00.
    expect(slot('2024-05-13T09:00:00Z', '2024-05-20T09:00:00Z', 'Europe/Berlin')).toBe(
      '2024-05-15T08:00:00.000Z',
    );
  });

  test('exactly ten is allowed', () => {
    // Monday 10:00 in Berlin: Tuesday 10:00 is exactly 24 hours later.
    expect(slot('2024-05-13T08:00:00Z', '2024-05-20T08:00:00Z', 'Europe/Berlin')).toBe(
      '2024-05-14T08:00:00.000Z',
    );
  });

  test('weekend moves to Monday', () => {
    // Friday 09:00 in Tokyo: Saturday and Sunday are skipped.
    expect(slot('2024-05-17T00:00:00Z', '2024-05-24T00:00:00Z', 'Asia/Tokyo')).toBe(
      '2024-05-20T01:00:00.000Z',
    );
  });

  test('spring DST change in New York', () => {
    // Friday 10:00 EST. Clocks go forward on Sunday March 10, so Monday 10:00 is EDT (UTC-4).
    expect(slot('2024-03-08T15:00:00Z', '2024-03-15T15:00:00Z', 'America/New_York')).toBe(
      '2024-03-11T14:00:00.000Z',
    );
  });

  test('autumn DST change in Berlin', () => {
    // Friday 10:00 CEST. Clocks go back on Sunday October 27, so Monday 10:00 is CET (UTC+1).
    expect(slot('2024-10-25T08:00:00Z', '2024-11-01T08:00:00Z', 'Europe/Berlin')).toBe(
      '2024-10-28T09:00:00.000Z',
    );
  });

  test('southern hemisphere DST in Sydney', () => {
    // Friday 10:00 AEST. Clocks go forward on Sunday October 6, so Monday 10:00 is AEDT (UTC+11).
    expect(slot('2024-10-04T00:00:00Z', '2024-10-11T00:00:00Z', 'Australia/Sydney')).toBe(
      '2024-10-06T23:00:00.000Z',
    );
  });

  test('local date differs from UTC', () => {
    // Sunday 23:00 UTC is already Monday 08:00 in Tokyo, so the slot is Tuesday 10:00 Tokyo.
    expect(slot('2024-05-12T23:00:00Z', '2024-05-20T00:00:00Z', 'Asia/Tokyo')).toBe(
      '2024-05-14T01:00:00.000Z',
    );
  });

  test('short window uses its middle', () => {
    // Tuesday 10:00 Berlin would be the slot, but the window closes at Tuesday 09:00.
    expect(slot('2024-05-13T07:00:00Z', '2024-05-14T07:00:00Z', 'Europe/Berlin')).toBe(
      '2024-05-13T19:00:00.000Z',
    );
  });

  test('meeting must end in window', () => {
    // The Tuesday 10:00 slot ends at 11:00, 30 minutes after the window closes.
    expect(slot('2024-05-13T07:00:00Z', '2024-05-14T08:30:00Z', 'Europe/Berlin')).toBe(
      '2024-05-13T19:45:00.000Z',
    );
  });

  test('meeting ending at window close fits', () => {
    expect(slot('2024-05-13T07:00:00Z', '2024-05-14T09:00:00Z', 'Europe/Berlin')).toBe(
      '2024-05-14T08:00:00.000Z',
    );
  });

  test('middle rounds down to minute', () => {
    expect(slot('2024-05-13T07:00:00Z', '2024-05-13T07:01:01Z', 'Europe/Berlin')).toBe(
      '2024-05-13T07:00:00.000Z',
    );
  });

  test('window ending before start throws', () => {
    expect(() => slot('2024-05-14T07:00:00Z', '2024-05-13T07:00:00Z', 'Europe/Berlin')).toThrow(
      RangeError,
    );
  });

  test('unknown time zone throws', () => {
    expect(() => slot('2024-05-13T07:00:00Z', '2024-05-20T07:00:00Z', 'Mars/Olympus_Mons')).toThrow(
      /Mars\/Olympus_Mons/,
    );
  });

  test('unparsable instant throws', () => {
    expect(() => slot('next tuesday', '2024-05-20T07:00:00Z', 'Europe/Berlin')).toThrow(
      /notBefore/,
    );
  });
});

describe('resolveInviteTimes', () => {
  test('fixed start adds length', () => {
    expect(
      resolveInviteTimes({ startsAt: '2024-05-14T10:00:00+02:00' }, 'Europe/Berlin', 45),
    ).toEqual({
      startsAt: '2024-05-14T08:00:00.000Z',
      endsAt: '2024-05-14T08:45:00.000Z',
    });
  });

  test('window start uses chosen slot', () => {
    const window = { notBefore: '2024-05-13T07:00:00Z', notAfter: '2024-05-20T07:00:00Z' };

    expect(resolveInviteTimes(window, 'Europe/Berlin', 90)).toEqual({
      startsAt: '2024-05-14T08:00:00.000Z',
      endsAt: '2024-05-14T09:30:00.000Z',
    });
  });

  test('non-positive length throws', () => {
    expect(() => resolveInviteTimes({ startsAt: '2024-05-14T08:00:00Z' }, 'UTC', 0)).toThrow(
      /lengthMinutes/,
    );
  });
});
