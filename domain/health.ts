/**
 * The weekly health score, 0 to 100, is the sum of four parts:
 * - adoption, up to 50: 50 x (active seat ratio / 0.8), capped, so 80% of seats active scores full;
 * - engagement, 20: usage was reported within the last health-check period;
 * - first value, 15: the first value milestone has been reached;
 * - timeliness, up to 15: 15 less 5 for each missed deadline, at least 0.
 * The active seat ratio is the `activeUsers` metric over the contracted seats.
 */
export interface HealthInputs {
  activeUsers?: number;
  seats: number;
  usageReportedWithinPeriod: boolean;
  firstValueReached: boolean;
  missedDeadlines: number;
}

export const healthThresholds = {
  /** A score under this raises a health alert and marks the onboarding at risk. */
  low: 50,
  /** A fall of at least this many points since the previous check raises a health alert. */
  drop: 15,
  /** An active seat ratio under this is an adoption gap. */
  lowActiveSeats: 0.3,
  /** An active seat ratio at or over this is an expansion opportunity. */
  expansion: 0.9,
} as const;

export function activeSeatRatio(activeUsers: number | undefined, seats: number): number {
  if (activeUsers === undefined || seats <= 0) return 0;
  return Math.min(1, activeUsers / seats);
}

export function healthScore(inputs: HealthInputs): number {
  const ratio = activeSeatRatio(inputs.activeUsers, inputs.seats);
  const adoption = 50 * Math.min(1, ratio / 0.8);
  const engagement = inputs.usageReportedWithinPeriod ? 20 : 0;
  const firstValue = inputs.firstValueReached ? 15 : 0;
  const timeliness = Math.max(0, 15 - 5 * inputs.missedDeadlines);
  return Math.round(adoption + engagement + firstValue + timeliness);
}
