import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeliveryReceipt, MessageKind } from '../domain/delivery';
import { healthScore, healthThresholds } from '../domain/health';
import {
  cancelOnboardingUpdate,
  recordMilestoneUpdate,
  recordSurveyUpdate,
  reportUsageUpdate,
  retryProvisioningUpdate,
  statusQuery,
  updateRejection,
} from '../domain/messages';
import type {
  CalendarInvite,
  Deadline,
  OnboardingInput,
  OnboardingSummary,
  ProvisioningStep,
} from '../domain/onboarding';
import type { TrainingSession } from '../domain/requests';
import { searchAttributes } from '../domain/search-attributes';
import { isMilestoneName, onboardingStages } from '../domain/stages';
import { delivery, migrationWatch, provisioning } from './activities';
import { OnboardingRecord } from './record';

const hourMillis = 3_600_000;
const dayMillis = 24 * hourMillis;

function iso(millis: number): string {
  return new Date(millis).toISOString();
}

/** Returns the message of the innermost failure: the activity's own error text. */
function failureMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

function failureType(error: unknown): string | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure && current.type) return current.type;
    current = current.cause;
  }
  return undefined;
}

function reject(reason: string | undefined): void {
  if (reason !== undefined) {
    throw ApplicationFailure.create({
      type: updateRejection.conflict,
      message: reason,
      nonRetryable: true,
    });
  }
}

interface Escalation {
  riskKey: string;
  reason: string;
}

/**
 * Runs one onboarding: the stage methods do each stage's work in order, deadline watchers and the
 * health check run beside them, and the update handlers change the record and return its status.
 */
class OnboardingFlow {
  readonly record: OnboardingRecord;
  /** Cancelling this scope stops every stage, timer and activity; wrap-up runs outside it. */
  readonly scope = new CancellationScope();
  /** The weekly health checks, from go-live until the handoff; a child of the main scope. */
  private healthChecks!: CancellationScope;
  private readonly background: Promise<void>[] = [];
  private readonly deadlineWatches: {
    deadline: Deadline;
    isMet: () => boolean;
    escalation?: Escalation;
  }[] = [];
  private closing = false;
  private published = { stage: '', atRisk: false, state: '', details: '' };

  constructor(private readonly input: OnboardingInput) {
    const info = workflowInfo();
    this.record = new OnboardingRecord(
      input,
      info.workflowId,
      // Run ids are UUIDv7, whose leading digits are a timestamp, so the random tail distinguishes runs.
      info.firstExecutionRunId.replace(/-/g, '').slice(-12),
      Date.now(),
    );
  }

  private get plan() {
    return this.input.plan;
  }

  private get snapshot() {
    return this.record.snapshot;
  }

  registerHandlers(): void {
    const record = this.record;
    setHandler(statusQuery, () => record.status());
    setHandler(
      recordMilestoneUpdate,
      (request) => {
        if (record.recordMilestone(request, Date.now())) {
          log.info('milestone recorded', {
            customerId: this.input.customerId,
            milestone: request.milestone,
          });
          this.publish();
        }
        return record.status();
      },
      {
        validator: (request) => {
          if (!isMilestoneName(request.milestone)) reject(`unknown milestone ${request.milestone}`);
          reject(record.milestoneConflict(request.milestone));
        },
      },
    );
    setHandler(
      reportUsageUpdate,
      // NOTE: each report adds about three events to the history, and nothing continues the
      // workflow as new yet. By an estimate from a measured run, about 15,000 reports reach
      // Temporal's default limit of 51,200 events.
      (report) => {
        record.reportUsage(report, Date.now());
        this.publish();
        return record.usageResult();
      },
      { validator: (report) => reject(this.activeConflict() ?? record.usageConflict(report)) },
    );
    setHandler(
      recordSurveyUpdate,
      (answer) => {
        if (record.survey.answeredAt === undefined) {
          record.survey = { ...record.survey, ...answer, answeredAt: iso(Date.now()) };
          this.publish();
        }
        return record.status();
      },
      { validator: (answer) => reject(this.activeConflict() ?? record.surveyConflict(answer)) },
    );
    setHandler(
      retryProvisioningUpdate,
      () => {
        const state = record.provisioning;
        state.run += 1;
        state.status = 'running';
        state.error = undefined;
        log.info('provisioning retry requested', {
          customerId: this.input.customerId,
          run: state.run,
        });
        this.publish();
        return record.status();
      },
      {
        validator: () => {
          reject(this.activeConflict());
          const status = record.provisioning.status;
          if (status !== 'failed')
            reject(`provisioning is ${status}; only failed provisioning can be retried`);
        },
      },
    );
    setHandler(
      cancelOnboardingUpdate,
      ({ reason }) => {
        record.cancellation = { reason, cancelledAt: iso(Date.now()) };
        log.info('onboarding cancelled', { customerId: this.input.customerId, reason });
        this.scope.cancel();
        this.publish();
        return record.status();
      },
      { validator: (_request) => reject(this.activeConflict()) },
    );
  }

  private activeConflict(): string | undefined {
    if (this.closing && this.record.state === 'active') return 'the onboarding is finishing';
    return this.record.state === 'active' ? undefined : `the onboarding is ${this.record.state}`;
  }

  /** Stage 1: internal handoff, welcome, implementation packet and the kickoff invite. */
  async preOnboarding(): Promise<void> {
    const { plan, record } = this;
    this.trackSignatureDeadlines();
    const configured = await provisioning.isProvisioningConfigured();
    if (!configured) record.provisioning.status = 'not-configured';
    const kickoffDueAt = record.signedAt + plan.kickoffWithin;

    await this.deliver('sales-handoff', 'sales-handoff', () =>
      delivery.sendSalesHandoffEmail({
        onboarding: this.snapshot,
        step: 'sales-handoff',
        details: {
          contractSignedAt: this.input.contractSignedAt,
          salesNotes: this.input.salesNotes,
          integrations: this.input.integrations,
        },
      }),
    );
    await this.deliver('welcome', 'welcome', () =>
      delivery.sendWelcomeEmail({
        onboarding: this.snapshot,
        step: 'welcome',
        details: { contractSignedAt: this.input.contractSignedAt, kickoffDueAt: iso(kickoffDueAt) },
      }),
    );
    await this.deliver('implementation-packet', 'implementation-packet', () =>
      delivery.sendImplementationPacket({
        onboarding: this.snapshot,
        step: 'implementation-packet',
        details: {
          integrations: this.input.integrations,
          implementationWithin: plan.implementationWithin,
        },
      }),
    );
    // A kickoff reported while these emails went out needs no invite any more.
    if (record.milestones['kickoff-held'] === undefined) {
      await this.sendKickoffInvite(kickoffDueAt, Date.now());
    }
    record.preOnboardingDoneAt = Date.now();
    this.publish();
  }

  private async sendKickoffInvite(kickoffDueAt: number, now: number): Promise<void> {
    const { plan } = this;
    const contacts = this.input.contacts;
    await this.invite('kickoff-invite', 'kickoff-invite', () =>
      delivery.sendKickoffInvite({
        onboarding: this.snapshot,
        step: 'kickoff-invite',
        uid: this.inviteUid('kickoff-invite'),
        title: `Kickoff: ${this.input.companyName} onboarding`,
        description:
          'Review success criteria, confirm the timeline, set communication norms and schedule training.',
        attendees: [contacts.csm, contacts.projectOwner, contacts.executiveSponsor],
        lengthMinutes: Math.round(plan.kickoffLength / 60_000),
        // A late start still gets a slot: at least an hour ahead even when the deadline has passed.
        when: { notBefore: iso(now), notAfter: iso(Math.max(kickoffDueAt, now + hourMillis)) },
      }),
    );
  }

  /**
   * Stage 2: waits for the kickoff-held milestone. The kickoff deadline, set at signature, reminds
   * the CSM and escalates meanwhile.
   */
  async kickoff(): Promise<void> {
    await condition(() => this.record.milestones['kickoff-held'] !== undefined);
  }

  /** Watches the deadlines that count from contract signature: welcome, kickoff and completion. */
  private trackSignatureDeadlines(): void {
    const { plan, record } = this;
    const kickoffHeld = () => record.milestones['kickoff-held'] !== undefined;
    this.watchDeadline('welcome', record.signedAt + plan.welcomeWithin, () =>
      record.hasSent('welcome'),
    );
    this.watchDeadline('kickoff', record.signedAt + plan.kickoffWithin, kickoffHeld, {
      riskKey: 'kickoff-overdue',
      reason: 'kickoff not held within the plan',
    });
    this.watchDeadline(
      'completion',
      record.signedAt + plan.completeWithin,
      () => record.stage === 'completion',
      { riskKey: 'completion-overdue', reason: 'onboarding not completed within the plan' },
    );
    this.spawn(async () => {
      const remindAt = record.signedAt + plan.kickoffReminderAfter;
      if (await this.waitUntil(kickoffHeld, remindAt, 'kickoff reminder')) return;
      // A late start reminds the CSM only after the kickoff invite has gone out.
      await condition(() => record.preOnboardingDoneAt !== undefined || kickoffHeld());
      if (kickoffHeld()) return;
      await this.deliver('kickoff-reminder', 'kickoff-reminder', () =>
        delivery.sendKickoffReminder({
          onboarding: this.snapshot,
          step: 'kickoff-reminder',
          details: { kickoffDueAt: iso(record.signedAt + plan.kickoffWithin) },
        }),
      );
    });
  }

  /** Stage 3: provisioning, the signed plan's due dates, then setup-complete and uat-approved. */
  async implementation(): Promise<void> {
    const { plan, record } = this;
    const kickoff = record.kickoff!;
    const kickoffAt = record.milestones['kickoff-held']!.recordedAt;
    const approved = () => record.milestones['uat-approved'] !== undefined;
    this.watchDeadline('implementation', kickoffAt + plan.implementationWithin, approved, {
      riskKey: 'implementation-overdue',
      reason: 'implementation not approved within the plan',
    });
    this.trackProjectPlan();
    this.spawn(() => this.provision());
    await this.cancelKickoffInviteIfAhead();
    await this.sendTrainingInvites(kickoff.trainingSessions);

    await condition(approved);
  }

  /** Stage 4: admin, end-user and certification training, and the published recordings. */
  async training(): Promise<void> {
    const { plan, record } = this;
    this.healthChecks = new CancellationScope();
    const goLive = record.goLiveAt!;
    const trained = () => record.trainingDoneAt !== undefined;
    this.watchDeadline('training', goLive + plan.trainingWithin, trained, {
      riskKey: 'training-overdue',
      reason: 'training not finished within the plan',
    });
    this.watchDeadline(
      'first-value',
      goLive + plan.firstValueWithin,
      () => record.firstValue.reachedAt !== undefined,
      {
        riskKey: 'first-value-overdue',
        reason: 'first value milestone not reached within the plan',
      },
    );
    this.spawn(() => this.healthChecks.run(() => this.trackHealth()));

    await condition(trained);
  }

  /** Stage 5: waits for first value, by milestone or by usage, then celebrates it. */
  async firstValue(): Promise<void> {
    const { plan, record } = this;
    await condition(() => record.firstValue.reachedAt !== undefined);

    const target = record.firstValue.target!;
    await this.deliver('first-value-thanks', 'first-value-thanks', () =>
      delivery.sendFirstValueThanks({
        onboarding: this.snapshot,
        step: 'first-value-thanks',
        details: {
          description: target.description,
          metric: target.metric,
          target: target.target,
          reachedBy: record.firstValue.reachedBy ?? 'milestone',
          evidence: record.firstValue.evidence,
        },
      }),
    );
    const checkInAt = Date.now() + plan.firstValueCheckInAfter;
    await this.invite('first-value-check-in', 'first-value-check-in', () =>
      delivery.sendFirstValueCheckInInvite({
        onboarding: this.snapshot,
        step: 'first-value-check-in',
        uid: this.inviteUid('first-value-check-in'),
        title: `${this.input.companyName}: first value check-in`,
        description: `Celebrate reaching "${target.description}" and agree on the next goals.`,
        attendees: [this.input.contacts.csm, this.input.contacts.projectOwner],
        lengthMinutes: 30,
        when: {
          notBefore: iso(Math.max(Date.now(), checkInAt - dayMillis)),
          notAfter: iso(checkInAt + 3 * dayMillis),
        },
      }),
    );
  }

  /** Stage 6: a check-in invite at each of the plan's offsets; health checks run meanwhile. */
  async adoption(): Promise<void> {
    const { plan, record } = this;
    const anchors = { signature: record.signedAt, 'go-live': record.goLiveAt! };
    const schedule = plan.checkIns
      .map((checkIn) => ({ name: checkIn.name, dueAt: anchors[checkIn.from] + checkIn.after }))
      .sort((a, b) => a.dueAt - b.dueAt);
    record.checkIns.push(...schedule.map(({ name, dueAt }) => ({ name, dueAt: iso(dueAt) })));
    this.publish();

    for (const [index, checkIn] of schedule.entries()) {
      const wait = checkIn.dueAt - Date.now();
      if (wait > 0) await sleep(wait, { summary: `${checkIn.name} check-in` });
      const step = `check-in-${index + 1}`;
      const receipt = await this.invite('check-in', step, () =>
        delivery.sendCheckInInvite({
          onboarding: this.snapshot,
          step,
          uid: this.inviteUid(step),
          title: `${this.input.companyName}: ${checkIn.name} check-in`,
          description: 'Review adoption, health score, open gaps and next goals.',
          attendees: [this.input.contacts.csm, this.input.contacts.projectOwner],
          lengthMinutes: 30,
          when: { notBefore: iso(Date.now()), notAfter: iso(Date.now() + 7 * dayMillis) },
        }),
      );
      record.checkIns[index]!.sentAt = receipt?.sentAt ?? iso(Date.now());
      this.publish();
    }
    record.adoptionDoneAt = Date.now();
    this.publish();
  }

  /** Stage 7: handoff to ongoing CS and the satisfaction survey, answered or timed out. */
  async completion(): Promise<void> {
    const { plan, record } = this;
    // Adoption tracking ends with the handoff to ongoing customer success.
    this.healthChecks.cancel();
    const contacts = this.input.contacts;
    await this.deliver('handoff', 'handoff', () =>
      delivery.sendHandoffEmail({
        onboarding: this.snapshot,
        step: 'handoff',
        details: {
          ongoingCsm: contacts.ongoingCsm ?? contacts.csm,
          successCriteria: record.kickoff?.successCriteria ?? [],
        },
      }),
    );
    const answerBy = Date.now() + plan.surveyWaitFor;
    const survey = await this.deliver('survey', 'survey', () =>
      delivery.sendSatisfactionSurvey({
        onboarding: this.snapshot,
        step: 'survey',
        details: { answerBy: iso(answerBy) },
      }),
    );
    if (!survey) return;
    record.survey.sentAt = survey.sentAt;
    this.publish();

    await condition(() => record.survey.answeredAt !== undefined, plan.surveyWaitFor, {
      summary: 'waiting for the satisfaction survey',
    });
  }

  /** Cancels the future meetings and notifies the CSM. Runs outside the cancelled scope. */
  async wrapUpCancellation(): Promise<void> {
    const record = this.record;
    const now = Date.now();
    record.cancellation ??= { reason: 'cancelled in Temporal', cancelledAt: iso(now) };
    const reason = record.cancellation.reason;
    if (['pending', 'running'].includes(record.provisioning.status))
      record.provisioning.status = 'stopped';
    this.publish();

    for (const invite of record.invites) {
      if (!invite.cancelledAt && Date.parse(invite.endsAt) > now)
        await this.cancelInvite(invite, reason);
    }
    await this.deliver('onboarding-cancelled', 'onboarding-cancelled', () =>
      delivery.sendCancellationNotice({
        onboarding: this.snapshot,
        step: 'onboarding-cancelled',
        details: { reason },
      }),
    );
  }

  async finish(): Promise<OnboardingSummary> {
    this.closing = true;
    await condition(allHandlersFinished);
    const summary = this.record.finish(Date.now());
    this.publish();
    log.info('onboarding finished', {
      customerId: this.input.customerId,
      outcome: summary.outcome,
    });
    return summary;
  }

  private async provision(): Promise<void> {
    const state = this.record.provisioning;
    if (state.status === 'not-configured') return;
    for (;;) {
      state.status = 'running';
      this.publish();
      let step: ProvisioningStep = 'tenant';
      try {
        for (step of ['tenant', 'integrations', 'migration'] as const) {
          if (!state.completedSteps.includes(step)) await this.provisionStep(step);
          if (!state.completedSteps.includes(step)) state.completedSteps.push(step);
        }
        state.status = 'completed';
        this.record.resolveRisk('provisioning-failed', Date.now());
        this.publish();
        return;
      } catch (error) {
        if (isCancellation(error)) throw error;
        await this.provisioningFailed(step, error);
        await condition(() => state.status === 'running');
      }
    }
  }

  private async provisionStep(step: ProvisioningStep): Promise<void> {
    const state = this.record.provisioning;
    const snapshot = this.snapshot;
    // The key changes with each engineer retry, so a retried step is a new request upstream.
    const idempotencyKey = `${snapshot.onboardingId}/${snapshot.executionId}/${step}/${state.run}`;
    if (step === 'tenant') {
      const tenant = await provisioning.createTenant({
        onboardingId: snapshot.onboardingId,
        customerId: snapshot.customerId,
        companyName: snapshot.companyName,
        seats: snapshot.seats,
        idempotencyKey,
      });
      if (!tenant)
        throw ApplicationFailure.nonRetryable(
          'provisioning API is no longer configured',
          'ProvisioningNotConfigured',
        );
      state.tenantId = tenant.tenantId;
    } else if (step === 'integrations') {
      if (this.input.integrations.length === 0) return;
      state.integrationsConnected = await provisioning.connectIntegrations({
        tenantId: state.tenantId!,
        integrations: this.input.integrations,
        idempotencyKey,
      });
    } else {
      if (!state.migration || state.migration.status === 'failed') {
        state.migration = await provisioning.startDataMigration({
          tenantId: state.tenantId!,
          customerId: snapshot.customerId,
          idempotencyKey,
        });
        this.publish();
      }
      state.migration = await migrationWatch.waitForDataMigration({
        migrationId: state.migration.id,
      });
    }
  }

  private async provisioningFailed(step: ProvisioningStep, error: unknown): Promise<void> {
    const state = this.record.provisioning;
    const message = failureMessage(error);
    const now = Date.now();

    // A failed job, or one the provider rejects or no longer has (4xx), is started anew on retry.
    // After an outage or a timeout, the retry goes on polling the same job.
    const type = failureType(error);
    const jobLost = type === 'MigrationFailed' || type === 'ProvisioningRejected';
    if (step === 'migration' && state.migration && jobLost) {
      state.migration = { ...state.migration, status: 'failed' };
    }

    state.status = 'failed';
    state.error = { step, message, failedAt: iso(now) };
    this.record.raiseRisk(
      'provisioning-failed',
      `provisioning failed at the ${step} step: ${message}`,
      now,
    );
    log.warn('provisioning failed', {
      customerId: this.input.customerId,
      step,
      run: state.run,
      error: message,
    });
    this.publish();

    const alertStep = `provisioning-failed-${state.run}`;
    await this.deliver('provisioning-failed', alertStep, () =>
      delivery.sendProvisioningFailedAlert({
        onboarding: this.snapshot,
        step: alertStep,
        details: {
          step,
          error: message,
          retryPath: `/onboardings/${this.input.customerId}/provisioning/retry`,
        },
      }),
    );
  }

  /** Cancels the kickoff meeting when the kickoff was held before the time it was booked for. */
  private async cancelKickoffInviteIfAhead(): Promise<void> {
    const uid = this.inviteUid('kickoff-invite');
    const invite = this.record.invites.find((candidate) => candidate.uid === uid);
    if (!invite || invite.cancelledAt || Date.parse(invite.startsAt) <= Date.now()) return;
    await this.cancelInvite(invite, 'The kickoff has already taken place.');
  }

  private async cancelInvite(invite: CalendarInvite, reason: string): Promise<void> {
    const step = `invite-cancelled-${this.record.invites.indexOf(invite) + 1}`;
    const receipt = await this.deliver('invite-cancelled', step, () =>
      delivery.cancelCalendarInvite({ onboarding: this.snapshot, step, invite, reason }),
    );
    if (receipt) invite.cancelledAt = receipt.sentAt;
  }

  private async sendTrainingInvites(sessions: TrainingSession[]): Promise<void> {
    const contacts = this.input.contacts;
    for (const [index, session] of sessions.entries()) {
      if (Date.parse(session.startsAt) <= Date.now()) continue;
      const step = `training-invite-${index + 1}`;
      await this.invite('training-invite', step, () =>
        delivery.sendTrainingInvite({
          onboarding: this.snapshot,
          step,
          uid: this.inviteUid(step),
          title: `${this.input.companyName}: ${session.title ?? `${session.kind} training`}`,
          description: `Training for ${this.input.companyName}: the ${session.kind} session.`,
          attendees: [contacts.csm, contacts.projectOwner],
          lengthMinutes: 60,
          when: { startsAt: session.startsAt },
        }),
      );
    }
  }

  /**
   * Tracks the signed project plan. A plan milestone named after a workflow milestone is a deadline
   * that milestone meets. Any other plan milestone gets a reminder to the CSM on its due date.
   */
  private trackProjectPlan(): void {
    const record = this.record;
    for (const [index, entry] of record.projectPlan.entries()) {
      const dueBy = Date.parse(entry.dueBy);
      const name = entry.name;
      if (isMilestoneName(name)) {
        this.watchDeadline(`plan: ${name}`, dueBy, () => record.milestones[name] !== undefined, {
          riskKey: `plan-${name}-overdue`,
          reason: `project plan milestone ${name} is overdue`,
        });
        continue;
      }
      this.spawn(async () => {
        const closed = () => record.state !== 'active';
        if (await this.waitUntil(closed, dueBy, `plan milestone ${name} due`)) return;
        const step = `plan-milestone-due-${index + 1}`;
        const receipt = await this.deliver('plan-milestone-due', step, () =>
          delivery.sendPlanMilestoneReminder({
            onboarding: this.snapshot,
            step,
            details: { name, dueBy: entry.dueBy },
          }),
        );
        entry.remindedAt = receipt?.sentAt;
      });
    }
  }

  private async trackHealth(): Promise<void> {
    for (let check = 1; ; check++) {
      await sleep(this.plan.healthCheckEvery, { summary: 'next health check' });
      await this.checkHealth(check);
    }
  }

  private async checkHealth(check: number): Promise<void> {
    const { plan, record } = this;
    const now = Date.now();
    const activeUsers = record.usage.metrics.activeUsers;
    const recentUsage =
      record.usage.updatedAt !== undefined && now - record.usage.updatedAt <= plan.healthCheckEvery;
    const score = healthScore({
      activeUsers,
      seats: this.input.seats,
      usageReportedWithinPeriod: recentUsage,
      firstValueReached: record.firstValue.reachedAt !== undefined,
      missedDeadlines: record.missedDeadlines.length,
    });
    const previous = record.healthHistory.at(-1)?.score;
    const ratio = record.activeSeatRatio;
    const alerts: string[] = [];
    if (score < healthThresholds.low)
      alerts.push(`health score ${score} is under ${healthThresholds.low}`);
    if (previous !== undefined && previous - score >= healthThresholds.drop) {
      alerts.push(`health score fell ${previous - score} points since the last check`);
    }
    record.healthHistory.push({ checkedAt: iso(now), score, activeSeatRatio: ratio, alerts });
    if (score < healthThresholds.low) record.raiseRisk('low-health', `health score ${score}`, now);
    else record.resolveRisk('low-health', now);
    this.publish();
    if (alerts.length > 0) {
      const step = `health-alert-${check}`;
      await this.deliver('health-alert', step, () =>
        delivery.sendHealthAlert({
          onboarding: this.snapshot,
          step,
          details: { score, previousScore: previous, reasons: alerts },
        }),
      );
    }

    const gaps: string[] = [];
    if (activeUsers !== undefined && ratio < healthThresholds.lowActiveSeats) {
      gaps.push(`only ${activeUsers} of ${this.input.seats} seats are active`);
    }
    if (!recentUsage) gaps.push('no usage reported since the last health check');
    // Alert only on a gap that was not already open at the previous check.
    const kinds = (list: string[]) => list.map((gap) => gap.split(' ')[0]);
    const fresh = gaps.filter((gap) => !kinds(record.adoptionGaps).includes(gap.split(' ')[0]!));
    record.adoptionGaps.splice(0, record.adoptionGaps.length, ...gaps);
    if (fresh.length > 0) {
      const step = `adoption-gap-${check}`;
      await this.deliver('adoption-gap', step, () =>
        delivery.sendAdoptionGapAlert({
          onboarding: this.snapshot,
          step,
          details: { gaps: fresh },
        }),
      );
    }

    if (!record.expansion && activeUsers !== undefined && ratio >= healthThresholds.expansion) {
      record.expansion = { flaggedAt: iso(now), activeSeatRatio: ratio };
      this.publish();
      await this.deliver('expansion-opportunity', 'expansion-opportunity', () =>
        delivery.sendExpansionOpportunity({
          onboarding: this.snapshot,
          step: 'expansion-opportunity',
          details: { activeUsers, seats: this.input.seats },
        }),
      );
    }
  }

  /**
   * Records a deadline and watches it in the background. A missed one with an escalation marks
   * the onboarding at risk and emails the escalation contact. The risk clears once it is met.
   */
  private watchDeadline(
    name: string,
    dueAt: number,
    isMet: () => boolean,
    escalation?: Escalation,
  ): void {
    const deadline = this.record.addDeadline(name, dueAt);
    this.deadlineWatches.push({ deadline, isMet, escalation });
    this.publish();
    this.spawn(async () => {
      if (await this.waitUntil(isMet, dueAt, `deadline: ${name}`)) return this.publish();
      deadline.missedAt = iso(Date.now());
      log.warn('deadline missed', { customerId: this.input.customerId, deadline: name });
      if (escalation) await this.escalate(deadline, escalation);
      this.publish();
    });
  }

  /** Marks deadlines met as soon as their condition holds, so a handler's reply is current. */
  private settleDeadlines(): void {
    const now = Date.now();
    for (const { deadline, isMet, escalation } of this.deadlineWatches) {
      if (deadline.metAt || !isMet()) continue;
      deadline.metAt = iso(now);
      if (escalation) this.record.resolveRisk(escalation.riskKey, now);
    }
  }

  private async escalate(deadline: Deadline, escalation: Escalation): Promise<void> {
    this.record.raiseRisk(escalation.riskKey, escalation.reason, Date.now());
    this.publish();
    const step = `at-risk-${deadline.name.replace(/[^a-z0-9]+/g, '-')}`;
    await this.deliver('at-risk', step, () =>
      delivery.sendAtRiskEscalation({
        onboarding: this.snapshot,
        step,
        details: { deadline: deadline.name, dueAt: deadline.dueAt, reason: escalation.reason },
      }),
    );
  }

  /** Waits until the predicate is true or the time comes, and returns whether it became true. */
  private async waitUntil(predicate: () => boolean, at: number, summary: string): Promise<boolean> {
    if (predicate()) return true;
    const wait = at - Date.now();
    if (wait <= 0) return false;
    return condition(predicate, wait, { summary });
  }

  /** Runs a task beside the stages; it ends with the scope when the onboarding is cancelled. */
  private spawn(task: () => Promise<void>): void {
    this.background.push(
      task().catch((error: unknown) => {
        if (!isCancellation(error)) throw error;
      }),
    );
  }

  private inviteUid(step: string): string {
    return `${this.snapshot.onboardingId}.${this.snapshot.executionId}.${step}@onboarding`;
  }

  /**
   * Sends one message through an activity, at most once per step. A permanent delivery failure is
   * recorded and the onboarding goes on. Once the onboarding is cancelled, only the
   * wrap-up, which runs outside the cancelled scope, starts new messages.
   */
  private async deliver<R extends DeliveryReceipt>(
    kind: MessageKind,
    step: string,
    send: () => Promise<R>,
  ): Promise<R | undefined> {
    if (this.record.hasSent(step)) return undefined;
    const scope = CancellationScope.current();
    if (scope.consideredCancelled) throw new CancelledFailure('onboarding cancelled');
    try {
      // A message already handed to the activity is finished and recorded even when the onboarding
      // is cancelled meanwhile, so an invite that went out is also the one that gets cancelled.
      const receipt = await CancellationScope.nonCancellable(send);
      this.record.recordEmail(receipt);
      return receipt;
    } catch (error) {
      if (isCancellation(error)) throw error;
      const message = failureMessage(error);
      this.record.recordDeliveryFailure(kind, step, message, Date.now());
      log.warn('message delivery failed', {
        customerId: this.input.customerId,
        step,
        error: message,
      });
      return undefined;
    }
  }

  private async invite<R extends DeliveryReceipt & { invite: OnboardingRecord['invites'][number] }>(
    kind: MessageKind,
    step: string,
    send: () => Promise<R>,
  ): Promise<R | undefined> {
    const receipt = await this.deliver(kind, step, send);
    if (receipt) this.record.invites.push(receipt.invite);
    return receipt;
  }

  /** Mirrors the stage, risk and next deadline into search attributes and the Web UI details. */
  publish(): void {
    this.settleDeadlines();
    const record = this.record;
    const { stage, atRisk, state } = record;
    if (
      stage !== this.published.stage ||
      atRisk !== this.published.atRisk ||
      state !== this.published.state
    ) {
      upsertSearchAttributes([
        { key: searchAttributes.stage, value: stage },
        { key: searchAttributes.atRisk, value: atRisk },
        { key: searchAttributes.state, value: state },
      ]);
    }
    const details = this.details();
    if (details !== this.published.details) setCurrentDetails(details);
    this.published = { stage, atRisk, state, details };
  }

  private details(): string {
    const record = this.record;
    const stageNumber = onboardingStages.indexOf(record.stage) + 1;
    const lines = [
      `**${this.input.companyName}** (${this.input.segment}, plan ${this.plan.name})`,
      `Stage ${stageNumber} of 7: ${record.stage}; ${record.state}`,
    ];
    const next = record.nextDeadline;
    if (next && record.state === 'active') lines.push(`Next deadline: ${next.name}, ${next.dueAt}`);
    const risks = record.risks.filter((risk) => !risk.resolvedAt).map((risk) => risk.reason);
    if (risks.length > 0) lines.push(`At risk: ${risks.join('; ')}`);
    return lines.join('\n');
  }
}

/**
 * Runs one customer's onboarding, from contract signature to handoff to ongoing customer success.
 * It walks the seven stages in order and returns a summary once the survey is answered or times out,
 * or once the onboarding is cancelled.
 */
export async function onboardingWorkflow(input: OnboardingInput): Promise<OnboardingSummary> {
  const flow = new OnboardingFlow(input);
  flow.registerHandlers();
  flow.publish();

  try {
    await flow.scope.run(async () => {
      await flow.preOnboarding();
      await flow.kickoff();
      await flow.implementation();
      await flow.training();
      await flow.firstValue();
      await flow.adoption();
      await flow.completion();
    });
  } catch (error) {
    if (!isCancellation(error)) throw error;
    await CancellationScope.nonCancellable(() => flow.wrapUpCancellation());
  }
  // A cancellation from Temporal cancels the root scope too, so finishing must not be cancellable.
  return CancellationScope.nonCancellable(() => flow.finish());
}
