import { activeSeatRatio } from '../domain/health';
import type {
  CalendarInvite,
  CheckInStatus,
  Deadline,
  DeliveryFailure,
  HealthCheck,
  OnboardingInput,
  OnboardingSnapshot,
  OnboardingStatus,
  OnboardingSummary,
  ProvisioningStatus,
  RecordedMilestone,
  Risk,
  SentEmail,
  StageRecord,
  UsageResult,
} from '../domain/onboarding';
import type { DeliveryReceipt } from '../domain/delivery';
import type { KickoffHeld, MilestoneRecord, SurveyAnswer, UsageReport } from '../domain/requests';
import {
  milestoneStage,
  onboardingStages,
  trainingMilestones,
  type MilestoneName,
  type OnboardingStage,
  type OnboardingState,
} from '../domain/stages';

const dayMillis = 86_400_000;

/** Distinct usage metrics one onboarding keeps, which bounds the size of its history. */
export const maxUsageMetrics = 50;

function iso(millis: number): string {
  return new Date(millis).toISOString();
}

function seconds(millis: number): number {
  return Math.round(millis / 1000);
}

function days(millis: number): number {
  return Math.round((millis / dayMillis) * 10) / 10;
}

/**
 * The state of one onboarding: the facts recorded so far, from which the stage and the status are
 * derived. The workflow's handlers and its main function change it; it performs no I/O, so every
 * method is deterministic.
 */
export class OnboardingRecord {
  readonly snapshot: OnboardingSnapshot;
  readonly signedAt: number;
  preOnboardingDoneAt?: number;
  adoptionDoneAt?: number;
  finishedAt?: number;
  kickoff?: KickoffHeld;
  readonly milestones: Partial<
    Record<MilestoneName, { recordedAt: number; details: MilestoneRecord['details'] }>
  > = {};
  readonly deadlines: Deadline[] = [];
  readonly risks: Risk[] = [];
  readonly invites: CalendarInvite[] = [];
  readonly emails: SentEmail[] = [];
  readonly deliveryFailures: DeliveryFailure[] = [];
  readonly checkIns: CheckInStatus[] = [];
  readonly projectPlan: OnboardingStatus['projectPlan'] = [];
  readonly healthHistory: HealthCheck[] = [];
  readonly adoptionGaps: string[] = [];
  provisioning: ProvisioningStatus = { status: 'pending', run: 1, completedSteps: [] };
  usage: { metrics: Record<string, number>; updatedAt?: number } = { metrics: {} };
  firstValue: OnboardingStatus['firstValue'] = {};
  expansion?: OnboardingStatus['expansion'];
  survey: OnboardingStatus['survey'] = {};
  cancellation?: { reason: string; cancelledAt: string };
  summary?: OnboardingSummary;

  constructor(
    readonly input: OnboardingInput,
    onboardingId: string,
    executionId: string,
    readonly startedAt: number,
  ) {
    this.signedAt = Date.parse(input.contractSignedAt);
    this.snapshot = {
      onboardingId,
      executionId,
      customerId: input.customerId,
      companyName: input.companyName,
      segment: input.segment,
      planName: input.plan.name,
      timezone: input.timezone,
      seats: input.seats,
      contacts: input.contacts,
    };
  }

  get state(): OnboardingState {
    if (this.cancellation) return 'cancelled';
    return this.finishedAt === undefined ? 'active' : 'completed';
  }

  get goLiveAt(): number | undefined {
    return this.milestones['uat-approved']?.recordedAt;
  }

  get trainingDoneAt(): number | undefined {
    const times = trainingMilestones.map((name) => this.milestones[name]?.recordedAt);
    if (times.some((time) => time === undefined)) return undefined;
    return Math.max(...(times as number[]));
  }

  /** When each stage's work was done, in stage order; undefined while it is still open. */
  private stageExits(): (number | undefined)[] {
    return [
      this.preOnboardingDoneAt,
      this.milestones['kickoff-held']?.recordedAt,
      this.goLiveAt,
      this.trainingDoneAt,
      this.firstValue.reachedAt === undefined ? undefined : Date.parse(this.firstValue.reachedAt),
      this.adoptionDoneAt,
      this.finishedAt,
    ];
  }

  /** Stage entry and completion times: a stage starts when the one before it is done. */
  stageRecords(): StageRecord[] {
    const exits = this.stageExits();
    const records: StageRecord[] = [];
    let enteredAt: number | undefined = this.startedAt;
    onboardingStages.forEach((stage, index) => {
      const exit = exits[index];
      const completedAt =
        enteredAt === undefined || exit === undefined ? undefined : Math.max(enteredAt, exit);
      records.push({
        stage,
        enteredAt: enteredAt === undefined ? undefined : iso(enteredAt),
        completedAt: completedAt === undefined ? undefined : iso(completedAt),
      });
      enteredAt = completedAt;
    });
    return records;
  }

  /** The first stage whose work is still open; the last stage once everything is done. */
  get stage(): OnboardingStage {
    const open = this.stageExits().findIndex((exit) => exit === undefined);
    return onboardingStages[open === -1 ? onboardingStages.length - 1 : open]!;
  }

  get atRisk(): boolean {
    return this.risks.some((risk) => risk.resolvedAt === undefined);
  }

  raiseRisk(key: string, reason: string, now: number): boolean {
    if (this.risks.some((risk) => risk.key === key && risk.resolvedAt === undefined)) return false;
    this.risks.push({ key, reason, raisedAt: iso(now) });
    return true;
  }

  resolveRisk(key: string, now: number): void {
    for (const risk of this.risks) {
      if (risk.key === key && risk.resolvedAt === undefined) risk.resolvedAt = iso(now);
    }
  }

  addDeadline(name: string, dueAt: number): Deadline {
    const deadline: Deadline = { name, dueAt: iso(dueAt) };
    this.deadlines.push(deadline);
    return deadline;
  }

  get missedDeadlines(): string[] {
    return this.deadlines.filter((deadline) => deadline.missedAt).map((deadline) => deadline.name);
  }

  get nextDeadline(): Deadline | undefined {
    const open = this.deadlines.filter((deadline) => !deadline.metAt && !deadline.missedAt);
    return open.sort((a, b) => a.dueAt.localeCompare(b.dueAt))[0];
  }

  /** Explains why the milestone cannot be recorded now, or returns undefined when it can. */
  milestoneConflict(milestone: MilestoneName): string | undefined {
    if (this.state !== 'active') return `the onboarding is ${this.state}`;
    if (this.milestones[milestone]) return undefined;
    const stage = this.stage;
    const expected = milestoneStage[milestone];
    // Kickoff may be reported while the first emails still go out, and first value during training.
    const early =
      (milestone === 'kickoff-held' && stage === 'pre-onboarding') ||
      (milestone === 'first-value-reached' && stage === 'training');
    if (stage !== expected && !early) {
      return `${milestone} belongs to the ${expected} stage, but the onboarding is in ${stage}`;
    }
    if (milestone === 'setup-complete') return this.provisioningConflict();
    if (milestone === 'uat-approved' && !this.milestones['setup-complete']) {
      return 'uat-approved needs setup-complete first';
    }
    return undefined;
  }

  private provisioningConflict(): string | undefined {
    const { status, error } = this.provisioning;
    if (status === 'completed' || status === 'not-configured') return undefined;
    if (status === 'failed') {
      return `provisioning failed at the ${error?.step} step (${error?.message}); retry it with POST /onboardings/${this.input.customerId}/provisioning/retry`;
    }
    return 'provisioning has not finished yet';
  }

  /** Records a milestone; returns false for a repeat, which changes nothing. */
  recordMilestone(record: MilestoneRecord, now: number): boolean {
    if (this.milestones[record.milestone]) return false;
    this.milestones[record.milestone] = { recordedAt: now, details: record.details };
    if (record.milestone === 'kickoff-held') {
      this.kickoff = record.details;
      this.firstValue.target = record.details.firstValueMilestone;
      for (const { name, dueBy } of record.details.projectPlan.milestones) {
        this.projectPlan.push({ name, dueBy });
      }
    }
    if (record.milestone === 'first-value-reached' && !this.firstValue.reachedAt) {
      this.firstValue.reachedAt = iso(now);
      this.firstValue.reachedBy = 'milestone';
      this.firstValue.evidence = record.details.evidence;
    }
    return true;
  }

  reportUsage(report: UsageReport, now: number): void {
    this.usage = { metrics: { ...this.usage.metrics, ...report }, updatedAt: now };
    this.checkUsageTarget(now);
  }

  /**
   * Reaches first value automatically once usage reported after go-live meets the target agreed at
   * kickoff. Usage during setup and UAT does not count.
   */
  private checkUsageTarget(now: number): void {
    const target = this.firstValue.target;
    if (!target || this.firstValue.reachedAt || this.goLiveAt === undefined) return;
    const metrics = this.usage.metrics;
    const value = Object.hasOwn(metrics, target.metric) ? metrics[target.metric] : undefined;
    if (value === undefined || value < target.target) return;
    this.firstValue.reachedAt = iso(now);
    this.firstValue.reachedBy = 'usage';
    this.firstValue.evidence = `${target.metric} reached ${value} (target ${target.target})`;
  }

  get activeSeatRatio(): number {
    return activeSeatRatio(this.usage.metrics.activeUsers, this.input.seats);
  }

  /** Explains why a usage report cannot be recorded, or returns undefined when it can. */
  usageConflict(report: UsageReport): string | undefined {
    const names = new Set([...Object.keys(this.usage.metrics), ...Object.keys(report)]);
    if (names.size <= maxUsageMetrics) return undefined;
    return `an onboarding tracks at most ${maxUsageMetrics} usage metrics; this report would make ${names.size}`;
  }

  usageResult(): UsageResult {
    const { onboardingId, customerId, state, stage, atRisk, usage, firstValue } = this.status();
    return { onboardingId, customerId, state, stage, atRisk, usage, firstValue };
  }

  surveyConflict(answer: SurveyAnswer): string | undefined {
    if (this.state !== 'active') return `the onboarding is ${this.state}`;
    if (!this.survey.sentAt) return 'the satisfaction survey has not been sent yet';
    const recorded = this.survey.answeredAt !== undefined;
    const same = this.survey.score === answer.score && this.survey.comment === answer.comment;
    if (recorded && !same) return 'the satisfaction survey has already been answered';
    return undefined;
  }

  hasSent(step: string): boolean {
    return this.emails.some((email) => email.step === step);
  }

  recordEmail(receipt: DeliveryReceipt): void {
    const { kind, step, to, sentAt, messageId } = receipt;
    this.emails.push({ kind, step, to, sentAt, messageId });
  }

  recordDeliveryFailure(kind: string, step: string, error: string, now: number): void {
    this.deliveryFailures.push({ kind, step, error, failedAt: iso(now) });
  }

  /** Closes the onboarding: open risks no longer apply, and the summary is final. */
  finish(now: number): OnboardingSummary {
    this.finishedAt ??= now;
    for (const risk of this.risks) risk.resolvedAt ??= iso(now);
    const stageMillis: Partial<Record<OnboardingStage, number>> = {};
    for (const record of this.stageRecords()) {
      if (record.enteredAt && record.completedAt) {
        stageMillis[record.stage] = Date.parse(record.completedAt) - Date.parse(record.enteredAt);
      }
    }
    const convert = (unit: (millis: number) => number) =>
      Object.fromEntries(
        Object.entries(stageMillis).map(([stage, millis]) => [stage, unit(millis)]),
      );
    const reachedAt = this.firstValue.reachedAt;
    const toFirstValue =
      reachedAt === undefined ? undefined : Date.parse(reachedAt) - this.signedAt;
    this.summary = {
      outcome: this.cancellation ? 'cancelled' : 'completed',
      finishedAt: iso(now),
      totalDays: days(now - this.signedAt),
      totalSeconds: seconds(now - this.signedAt),
      stageDays: convert(days),
      stageSeconds: convert(seconds),
      daysToFirstValue: toFirstValue === undefined ? undefined : days(toFirstValue),
      secondsToFirstValue: toFirstValue === undefined ? undefined : seconds(toFirstValue),
      missedDeadlines: this.missedDeadlines,
      surveyScore: this.survey.score,
      cancellationReason: this.cancellation?.reason,
    };
    return this.summary;
  }

  status(): OnboardingStatus {
    const milestones: OnboardingStatus['milestones'] = {};
    for (const [name, recorded] of Object.entries(this.milestones)) {
      milestones[name as MilestoneName] = {
        recordedAt: iso(recorded.recordedAt),
        details: recorded.details,
      } satisfies RecordedMilestone;
    }
    const next = this.nextDeadline;
    return {
      onboardingId: this.snapshot.onboardingId,
      customerId: this.input.customerId,
      companyName: this.input.companyName,
      segment: this.input.segment,
      plan: this.input.plan.name,
      state: this.state,
      stage: this.stage,
      atRisk: this.atRisk,
      risks: this.risks,
      contractSignedAt: this.input.contractSignedAt,
      startedAt: iso(this.startedAt),
      stages: this.stageRecords(),
      deadlines: this.deadlines,
      nextDeadline: next && { name: next.name, dueAt: next.dueAt },
      milestones,
      kickoff: this.kickoff,
      invites: this.invites,
      provisioning: this.provisioning,
      usage: {
        metrics: this.usage.metrics,
        updatedAt: this.usage.updatedAt === undefined ? undefined : iso(this.usage.updatedAt),
      },
      health: { score: this.healthHistory.at(-1)?.score, history: this.healthHistory },
      firstValue: this.firstValue,
      checkIns: this.checkIns,
      projectPlan: this.projectPlan,
      expansion: this.expansion,
      adoptionGaps: this.adoptionGaps,
      emails: this.emails,
      deliveryFailures: this.deliveryFailures,
      survey: this.survey,
      cancellation: this.cancellation,
      summary: this.summary,
    };
  }
}
