import type { OnboardingPlan } from './plan';
import type { Contact, KickoffHeld, MilestoneRecord, StartOnboardingRequest } from './requests';
import type { MilestoneName, OnboardingStage, OnboardingState, Segment } from './stages';

/** Workflow input: the validated start request plus the plan it resolved to. */
export interface OnboardingInput extends Omit<StartOnboardingRequest, 'plan'> {
  plan: OnboardingPlan;
}

/** The parts of an onboarding every email and invite needs. */
export interface OnboardingSnapshot {
  onboardingId: string;
  /** Tells apart two onboardings of one customer, so their Message-IDs never collide. */
  executionId: string;
  customerId: string;
  companyName: string;
  segment: Segment;
  planName: string;
  timezone: string;
  seats: number;
  contacts: OnboardingInput['contacts'];
}

export const workflowIdPrefix = 'onboarding-';

export function onboardingWorkflowId(customerId: string): string {
  return `${workflowIdPrefix}${customerId}`;
}

export interface StageRecord {
  stage: OnboardingStage;
  enteredAt?: string;
  completedAt?: string;
}

export interface Deadline {
  name: string;
  dueAt: string;
  metAt?: string;
  missedAt?: string;
}

export interface Risk {
  /** Names the cause, such as `kickoff-overdue`; one open risk per key. */
  key: string;
  reason: string;
  raisedAt: string;
  resolvedAt?: string;
}

export interface RecordedMilestone {
  recordedAt: string;
  details: MilestoneRecord['details'];
}

export interface SentEmail {
  kind: string;
  step: string;
  to: string[];
  sentAt: string;
  messageId: string;
}

export interface DeliveryFailure {
  kind: string;
  step: string;
  error: string;
  failedAt: string;
}

export interface CalendarInvite {
  uid: string;
  title: string;
  sequence: number;
  startsAt: string;
  endsAt: string;
  attendees: Contact[];
  cancelledAt?: string;
}

export type ProvisioningStep = 'tenant' | 'integrations' | 'migration';

export interface ProvisioningStatus {
  status: 'pending' | 'running' | 'completed' | 'failed' | 'not-configured' | 'stopped';
  run: number;
  tenantId?: string;
  integrationsConnected?: string[];
  migration?: { id: string; status: string };
  completedSteps: ProvisioningStep[];
  error?: { step: ProvisioningStep; message: string; failedAt: string };
}

export interface HealthCheck {
  checkedAt: string;
  score: number;
  activeSeatRatio: number;
  alerts: string[];
}

export interface CheckInStatus {
  name: string;
  dueAt: string;
  sentAt?: string;
}

export interface OnboardingSummary {
  outcome: 'completed' | 'cancelled';
  finishedAt: string;
  /** Durations from contract signature, in days to one decimal and in whole seconds. */
  totalDays: number;
  totalSeconds: number;
  stageDays: Partial<Record<OnboardingStage, number>>;
  stageSeconds: Partial<Record<OnboardingStage, number>>;
  daysToFirstValue?: number;
  secondsToFirstValue?: number;
  missedDeadlines: string[];
  surveyScore?: number;
  cancellationReason?: string;
}

/**
 * The reply to a usage report: the parts of the status it can change. It is kept small because
 * Temporal stores every update's result in the history, and usage arrives often.
 */
export type UsageResult = Pick<
  OnboardingStatus,
  'onboardingId' | 'customerId' | 'state' | 'stage' | 'atRisk' | 'usage' | 'firstValue'
>;

/** Everything the status query returns; the API serves it as is. */
export interface OnboardingStatus {
  onboardingId: string;
  customerId: string;
  companyName: string;
  segment: Segment;
  plan: string;
  state: OnboardingState;
  stage: OnboardingStage;
  atRisk: boolean;
  risks: Risk[];
  contractSignedAt: string;
  startedAt: string;
  stages: StageRecord[];
  deadlines: Deadline[];
  nextDeadline?: { name: string; dueAt: string };
  milestones: Partial<Record<MilestoneName, RecordedMilestone>>;
  kickoff?: KickoffHeld;
  invites: CalendarInvite[];
  provisioning: ProvisioningStatus;
  usage: { metrics: Record<string, number>; updatedAt?: string };
  health: { score?: number; history: HealthCheck[] };
  firstValue: {
    target?: KickoffHeld['firstValueMilestone'];
    reachedAt?: string;
    reachedBy?: 'milestone' | 'usage';
    evidence?: string;
  };
  checkIns: CheckInStatus[];
  projectPlan: { name: string; dueBy: string; remindedAt?: string }[];
  expansion?: { flaggedAt: string; activeSeatRatio: number };
  adoptionGaps: string[];
  emails: SentEmail[];
  deliveryFailures: DeliveryFailure[];
  survey: { sentAt?: string; score?: number; comment?: string; answeredAt?: string };
  cancellation?: { reason: string; cancelledAt: string };
  summary?: OnboardingSummary;
}
