import type { CalendarInvite, OnboardingSnapshot, ProvisioningStep } from './onboarding';
import type { Contact } from './requests';

/** Extra facts each kind of plain email needs beyond the onboarding itself. */
export interface EmailDetails {
  'sales-handoff': { contractSignedAt: string; salesNotes?: string; integrations: string[] };
  welcome: { contractSignedAt: string; kickoffDueAt: string };
  'implementation-packet': { integrations: string[]; implementationWithin: number };
  'kickoff-reminder': { kickoffDueAt: string };
  'at-risk': { deadline: string; dueAt: string; reason: string };
  'provisioning-failed': { step: ProvisioningStep; error: string; retryPath: string };
  'plan-milestone-due': { name: string; dueBy: string };
  'first-value-thanks': {
    description: string;
    metric: string;
    target: number;
    reachedBy: 'milestone' | 'usage';
    evidence?: string;
  };
  'health-alert': { score: number; previousScore?: number; reasons: string[] };
  'adoption-gap': { gaps: string[] };
  'expansion-opportunity': { activeUsers: number; seats: number };
  handoff: { ongoingCsm: Contact; successCriteria: string[] };
  survey: { answerBy: string };
  'onboarding-cancelled': { reason: string };
}

export type EmailKind = keyof EmailDetails;

export type InviteKind = 'kickoff-invite' | 'training-invite' | 'first-value-check-in' | 'check-in';

/** The value of the X-Onboarding-Email header: what a message is. */
export type MessageKind = EmailKind | InviteKind | 'invite-cancelled';

export interface EmailRequest<K extends EmailKind> {
  onboarding: OnboardingSnapshot;
  /** Names the message within the onboarding; the Message-ID derives from it. */
  step: string;
  details: EmailDetails[K];
}

/**
 * A meeting to invite to, at a fixed time or inside a window. In a window, the activity picks the
 * earliest weekday 10:00 in the customer's time zone at least a day after `notBefore`. When that
 * meeting would end after `notAfter`, it picks the middle of the window instead.
 */
export interface InviteRequest {
  onboarding: OnboardingSnapshot;
  step: string;
  uid: string;
  title: string;
  description: string;
  attendees: Contact[];
  lengthMinutes: number;
  when: { startsAt: string } | { notBefore: string; notAfter: string };
}

export interface CancelInviteRequest {
  onboarding: OnboardingSnapshot;
  step: string;
  invite: CalendarInvite;
  reason: string;
}

export interface DeliveryReceipt {
  kind: MessageKind;
  step: string;
  messageId: string;
  to: string[];
  sentAt: string;
}

export interface InviteReceipt extends DeliveryReceipt {
  invite: CalendarInvite;
}

export interface TenantRequest {
  onboardingId: string;
  customerId: string;
  companyName: string;
  seats: number;
  idempotencyKey: string;
}

export interface MigrationJob {
  id: string;
  status: 'running' | 'completed' | 'failed' | string;
}

/** Every activity the onboarding workflow calls, implemented by createActivities in activities/. */
export interface OnboardingActivities {
  sendSalesHandoffEmail(request: EmailRequest<'sales-handoff'>): Promise<DeliveryReceipt>;
  sendWelcomeEmail(request: EmailRequest<'welcome'>): Promise<DeliveryReceipt>;
  sendImplementationPacket(
    request: EmailRequest<'implementation-packet'>,
  ): Promise<DeliveryReceipt>;
  sendKickoffReminder(request: EmailRequest<'kickoff-reminder'>): Promise<DeliveryReceipt>;
  sendAtRiskEscalation(request: EmailRequest<'at-risk'>): Promise<DeliveryReceipt>;
  sendProvisioningFailedAlert(
    request: EmailRequest<'provisioning-failed'>,
  ): Promise<DeliveryReceipt>;
  sendPlanMilestoneReminder(request: EmailRequest<'plan-milestone-due'>): Promise<DeliveryReceipt>;
  sendFirstValueThanks(request: EmailRequest<'first-value-thanks'>): Promise<DeliveryReceipt>;
  sendHealthAlert(request: EmailRequest<'health-alert'>): Promise<DeliveryReceipt>;
  sendAdoptionGapAlert(request: EmailRequest<'adoption-gap'>): Promise<DeliveryReceipt>;
  sendExpansionOpportunity(
    request: EmailRequest<'expansion-opportunity'>,
  ): Promise<DeliveryReceipt>;
  sendHandoffEmail(request: EmailRequest<'handoff'>): Promise<DeliveryReceipt>;
  sendSatisfactionSurvey(request: EmailRequest<'survey'>): Promise<DeliveryReceipt>;
  sendCancellationNotice(request: EmailRequest<'onboarding-cancelled'>): Promise<DeliveryReceipt>;

  sendKickoffInvite(request: InviteRequest): Promise<InviteReceipt>;
  sendTrainingInvite(request: InviteRequest): Promise<InviteReceipt>;
  sendFirstValueCheckInInvite(request: InviteRequest): Promise<InviteReceipt>;
  sendCheckInInvite(request: InviteRequest): Promise<InviteReceipt>;
  cancelCalendarInvite(request: CancelInviteRequest): Promise<DeliveryReceipt>;

  /** Returns whether a provisioning API is configured. Without one, the milestone alone records setup. */
  isProvisioningConfigured(): Promise<boolean>;
  /** Returns null when no provisioning API is configured. */
  createTenant(request: TenantRequest): Promise<{ tenantId: string } | null>;
  connectIntegrations(request: {
    tenantId: string;
    integrations: string[];
    idempotencyKey: string;
  }): Promise<string[]>;
  startDataMigration(request: {
    tenantId: string;
    customerId: string;
    idempotencyKey: string;
  }): Promise<MigrationJob>;
  /** Polls the job until it completes, heartbeating; a failed job is a non-retryable failure. */
  waitForDataMigration(request: { migrationId: string }): Promise<MigrationJob>;
}
