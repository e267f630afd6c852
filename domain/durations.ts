import ms from 'ms';
import { parse as parseIsoDuration } from 'tinyduration';

const shortForm = /^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/;
const isoForm = /^P/;

/**
 * Converts a plan duration to milliseconds: a short form such as "30s", "24h", "7d" or "6w", or an
 * ISO 8601 duration such as "P30D" or "PT45S". Months and years are rejected because their length
 * varies. Returns undefined when the text is not a positive duration.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (shortForm.test(trimmed)) {
    const millis = ms(trimmed as ms.StringValue);
    return millis > 0 ? millis : undefined;
  }
  if (!isoForm.test(trimmed)) return undefined;
  try {
    const parts = parseIsoDuration(trimmed);
    if (parts.negative || parts.years || parts.months) return undefined;
    const millis =
      (parts.weeks ?? 0) * 604_800_000 +
      (parts.days ?? 0) * 86_400_000 +
      (parts.hours ?? 0) * 3_600_000 +
      (parts.minutes ?? 0) * 60_000 +
      (parts.seconds ?? 0) * 1000;
    return millis > 0 ? millis : undefined;
  } catch {
    return undefined;
  }
}
