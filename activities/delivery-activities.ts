import type {
  CancelInviteRequest,
  DeliveryReceipt,
  EmailKind,
  EmailRequest,
  InviteKind,
  InviteReceipt,
  InviteRequest,
  OnboardingActivities,
} from '../domain/delivery';
import type { CalendarInvite } from '../domain/onboarding';
import { buildCancellationCalendar, buildInviteCalendar } from './calendar';
import { invalidRequest } from './errors';
import type { MailSender } from './mail';
import { renderMessage, type MessageContent, type RenderedMessage } from './render';
import { resolveInviteTimes } from './slot';
import { cancellationContent, emailTemplates, inviteContent } from './templates';

type DeliveryActivities = Omit<
  OnboardingActivities,
  | 'isProvisioningConfigured'
  | 'createTenant'
  | 'connectIntegrations'
  | 'startDataMigration'
  | 'waitForDataMigration'
>;

/**
 * Runs a step that reads dates and time zones from the request. Intl and Date raise RangeError for
 * an unknown time zone or an invalid date, which no retry can fix.
 */
function withValidInput<T>(description: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof RangeError) throw invalidRequest(`${description}: ${error.message}`);
    throw error;
  }
}

function render(description: string, content: () => MessageContent): RenderedMessage {
  return withValidInput(description, () => renderMessage(content()));
}

export function createDeliveryActivities(sender: MailSender): DeliveryActivities {
  function sendEmail<K extends EmailKind>(kind: K) {
    return async (request: EmailRequest<K>): Promise<DeliveryReceipt> => {
      const { onboarding, details } = request;
      const template = emailTemplates[kind];
      const message = render(`invalid ${kind} email request for ${onboarding.onboardingId}`, () =>
        template.content(onboarding, details),
      );
      return sender.send({
        kind,
        onboardingId: onboarding.onboardingId,
        executionId: onboarding.executionId,
        step: request.step,
        recipients: template.recipients(onboarding, details),
        message,
      });
    };
  }

  function sendInvite(kind: InviteKind) {
    return async (request: InviteRequest): Promise<InviteReceipt> => {
      const { onboarding } = request;
      const problem = `invalid ${kind} request for ${onboarding.onboardingId}`;
      if (request.attendees.length === 0) throw invalidRequest(`${problem}: no attendees`);

      const times = withValidInput(problem, () =>
        resolveInviteTimes(request.when, onboarding.timezone, request.lengthMinutes),
      );
      const invite: CalendarInvite = {
        uid: request.uid,
        title: request.title,
        sequence: 0,
        startsAt: times.startsAt,
        endsAt: times.endsAt,
        attendees: request.attendees,
      };
      const calendar = buildInviteCalendar(
        invite,
        onboarding.contacts.csm,
        request.description,
        new Date(),
      );
      const message = render(problem, () => inviteContent(onboarding, invite, request.description));

      return sender.sendInvite(
        {
          kind,
          onboardingId: onboarding.onboardingId,
          executionId: onboarding.executionId,
          step: request.step,
          recipients: { to: request.attendees, cc: [] },
          message,
          calendar,
        },
        invite,
      );
    };
  }

  async function cancelCalendarInvite(request: CancelInviteRequest): Promise<DeliveryReceipt> {
    const { onboarding } = request;
    // RFC 5546: a CANCEL carries a SEQUENCE above the last one the attendees received.
    const cancelled: CalendarInvite = { ...request.invite, sequence: request.invite.sequence + 1 };
    const calendar = buildCancellationCalendar(
      cancelled,
      onboarding.contacts.csm,
      request.reason,
      new Date(),
    );
    const message = render(`invalid invite cancellation for ${onboarding.onboardingId}`, () =>
      cancellationContent(onboarding, cancelled, request.reason),
    );

    return sender.send({
      kind: 'invite-cancelled',
      onboardingId: onboarding.onboardingId,
      executionId: onboarding.executionId,
      step: request.step,
      recipients: { to: cancelled.attendees, cc: [] },
      message,
      calendar,
    });
  }

  return {
    sendSalesHandoffEmail: sendEmail('sales-handoff'),
    sendWelcomeEmail: sendEmail('welcome'),
    sendImplementationPacket: sendEmail('implementation-packet'),
    sendKickoffReminder: sendEmail('kickoff-reminder'),
    sendAtRiskEscalation: sendEmail('at-risk'),
    sendProvisioningFailedAlert: sendEmail('provisioning-failed'),
    sendPlanMilestoneReminder: sendEmail('plan-milestone-due'),
    sendFirstValueThanks: sendEmail('first-value-thanks'),
    sendHealthAlert: sendEmail('health-alert'),
    sendAdoptionGapAlert: sendEmail('adoption-gap'),
    sendExpansionOpportunity: sendEmail('expansion-opportunity'),
    sendHandoffEmail: sendEmail('handoff'),
    sendSatisfactionSurvey: sendEmail('survey'),
    sendCancellationNotice: sendEmail('onboarding-cancelled'),

    sendKickoffInvite: sendInvite('kickoff-invite'),
    sendTrainingInvite: sendInvite('training-invite'),
    sendFirstValueCheckInInvite: sendInvite('first-value-check-in'),
    sendCheckInInvite: sendInvite('check-in'),
    cancelCalendarInvite,
  };
}
