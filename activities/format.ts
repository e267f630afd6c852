const dayMs = 86_400_000;

/** Formats an ISO 8601 instant as a date and time in `timeZone`: "Tuesday, May 14, 2024 at 10:00 AM CEST". */
export function formatDateTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** Formats an ISO 8601 instant as the calendar date it falls on in `timeZone`: "Tuesday, May 14, 2024". */
export function formatDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).format(new Date(iso));
}

/** Formats an ISO 8601 instant as a time of day in `timeZone`: "11:00 AM CEST". */
export function formatTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** Formats a duration in milliseconds in whole weeks, days or hours: "6 weeks", "10 days". */
export function formatDuration(millis: number): string {
  const days = Math.round(millis / dayMs);
  if (days >= 7 && days % 7 === 0) return plural(days / 7, 'week');
  if (days >= 1) return plural(days, 'day');
  return plural(Math.max(1, Math.round(millis / 3_600_000)), 'hour');
}

export function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** Joins names as English prose: "A", "A and B", "A, B and C". */
export function joinNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
