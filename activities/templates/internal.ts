import type { EmailDetails } from '../../domain/delivery';
import type { OnboardingSnapshot, ProvisioningStep } from '../../domain/onboarding';
import { formatDate, formatDateTime, plural } from '../format';
import { facts, list, paragraph, quote, type MessageContent } from '../render';
import { contactLine, onboardingFacts, workflowSignature } from './common';

// Notifications to the CSM or the escalation contact, sent by the workflow.

export function salesHandoff(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['sales-handoff'],
): MessageContent {
  const { companyName, timezone, contacts } = onboarding;
  const escalation: Array<[string, string]> = contacts.escalation
    ? [['Escalation contact', contactLine(contacts.escalation)]]
    : [];

  return {
    subject: `New onboarding: ${companyName} (${onboarding.planName}, ${onboarding.seats} seats)`,
    greeting: `Hello ${contacts.csm.name},`,
    blocks: [
      paragraph(
        `${companyName} signed on ${formatDate(details.contractSignedAt, timezone)}, and you are ` +
          'the Customer Success Manager for their onboarding. Here is what sales handed over.',
      ),
      facts([
        ...onboardingFacts(onboarding),
        ['Time zone', timezone],
        ['Contract signed', formatDateTime(details.contractSignedAt, timezone)],
        ['Project owner', contactLine(contacts.projectOwner)],
        ['Executive sponsor', contactLine(contacts.executiveSponsor)],
        ...escalation,
      ]),
      ...(details.integrations.length > 0
        ? [paragraph('Integrations requested:'), list(details.integrations)]
        : [paragraph('No integrations were requested.')]),
      details.salesNotes
        ? quote('Sales notes', details.salesNotes)
        : paragraph('Sales left no notes.'),
    ],
    signature: workflowSignature(onboarding),
  };
}

export function kickoffReminder(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['kickoff-reminder'],
): MessageContent {
  const { companyName, timezone, contacts } = onboarding;
  return {
    subject: `Reminder: hold the kickoff with ${companyName} by ${formatDate(details.kickoffDueAt, timezone)}`,
    greeting: `Hello ${contacts.csm.name},`,
    blocks: [
      paragraph(
        `The kickoff with ${companyName} has not been recorded yet, and it is due by ` +
          `${formatDateTime(details.kickoffDueAt, timezone)}.`,
      ),
      paragraph(
        'If the meeting has taken place, record the kickoff-held milestone. Otherwise, contact ' +
          `${contacts.projectOwner.name} (${contacts.projectOwner.email}) to schedule it.`,
      ),
      facts(onboardingFacts(onboarding)),
    ],
    signature: workflowSignature(onboarding),
  };
}

export function atRisk(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['at-risk'],
): MessageContent {
  const { companyName, timezone, contacts } = onboarding;
  const recipient = contacts.escalation ?? contacts.csm;
  const nextStep = contacts.escalation
    ? `Please agree on next steps with ${contacts.csm.name} and the customer.`
    : 'Please agree on next steps with the customer.';

  return {
    subject: `At risk: ${companyName} missed the ${details.deadline} deadline`,
    greeting: `Hello ${recipient.name},`,
    blocks: [
      paragraph(
        `The onboarding of ${companyName} is at risk because the ${details.deadline} deadline ` +
          `passed on ${formatDateTime(details.dueAt, timezone)}.`,
      ),
      quote('Reason', details.reason),
      facts([
        ...onboardingFacts(onboarding),
        ['CSM', contactLine(contacts.csm)],
        ['Project owner', contactLine(contacts.projectOwner)],
        ['Executive sponsor', contactLine(contacts.executiveSponsor)],
      ]),
      paragraph(nextStep),
    ],
    signature: workflowSignature(onboarding),
  };
}

const provisioningStepNames: Record<ProvisioningStep, string> = {
  tenant: 'tenant',
  integrations: 'integrations',
  migration: 'data migration',
};

export function provisioningFailed(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['provisioning-failed'],
): MessageContent {
  const step = provisioningStepNames[details.step];
  return {
    subject: `Provisioning failed for ${onboarding.companyName}: ${step}`,
    greeting: `Hello ${onboarding.contacts.csm.name},`,
    blocks: [
      paragraph(
        `Setting up the ${step} for ${onboarding.companyName} failed, and the workflow will not ` +
          'retry it on its own.',
      ),
      quote('Error', details.error),
      paragraph('After fixing the cause, retry provisioning with:'),
      paragraph(details.retryPath),
      facts(onboardingFacts(onboarding)),
    ],
    signature: workflowSignature(onboarding),
  };
}

export function planMilestoneDue(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['plan-milestone-due'],
): MessageContent {
  const { companyName, timezone, contacts } = onboarding;
  return {
    subject: `${companyName}: "${details.name}" is due ${formatDate(details.dueBy, timezone)}`,
    greeting: `Hello ${contacts.csm.name},`,
    blocks: [
      paragraph(
        `The project plan milestone "${details.name}" for ${companyName} is due by ` +
          `${formatDateTime(details.dueBy, timezone)}.`,
      ),
      paragraph(
        `Check with ${contacts.projectOwner.name} (${contacts.projectOwner.email}) that it is ` +
          'on track, and agree on a new date with the customer if it is not.',
      ),
    ],
    signature: workflowSignature(onboarding),
  };
}

export function healthAlert(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['health-alert'],
): MessageContent {
  const { companyName, contacts } = onboarding;
  const previous =
    details.previousScore === undefined ? '' : ` (previous check: ${details.previousScore})`;
  const reasons =
    details.reasons.length > 0
      ? [paragraph('Why this alert was raised:'), list(details.reasons)]
      : [paragraph('The health check reported no specific reasons.')];

  return {
    subject: `Health alert: ${companyName} scores ${details.score}`,
    greeting: `Hello ${contacts.csm.name},`,
    blocks: [
      paragraph(`The health score of ${companyName} is ${details.score}${previous}.`),
      ...reasons,
      paragraph(
        `Consider a check-in with ${contacts.projectOwner.name} ` +
          `(${contacts.projectOwner.email}) to find out what holds the team back.`,
      ),
    ],
    signature: workflowSignature(onboarding),
  };
}

export function adoptionGap(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['adoption-gap'],
): MessageContent {
  const { companyName, contacts } = onboarding;
  return {
    subject: `Adoption gaps at ${companyName}`,
    greeting: `Hello ${contacts.csm.name},`,
    blocks: [
      paragraph(
        `${companyName} is behind the adoption plan in ${plural(details.gaps.length, 'area')}:`,
      ),
      list(details.gaps),
      paragraph(
        `Consider targeted training or a check-in with ${contacts.projectOwner.name} ` +
          `(${contacts.projectOwner.email}).`,
      ),
    ],
    signature: workflowSignature(onboarding),
  };
}

export function expansionOpportunity(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['expansion-opportunity'],
): MessageContent {
  const { companyName, contacts } = onboarding;
  const percent = Math.round((details.activeUsers / details.seats) * 100);
  return {
    subject: `Expansion opportunity: ${companyName} uses ${details.activeUsers} of ${details.seats} seats`,
    greeting: `Hello ${contacts.csm.name},`,
    blocks: [
      paragraph(
        `${companyName} has ${plural(details.activeUsers, 'active user')} on ` +
          `${plural(details.seats, 'licensed seat')} (${percent}%).`,
      ),
      paragraph(
        `This is a good moment to talk with ${contacts.executiveSponsor.name} ` +
          `(${contacts.executiveSponsor.email}) about adding seats before the team runs out.`,
      ),
    ],
    signature: workflowSignature(onboarding),
  };
}

export function onboardingCancelled(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['onboarding-cancelled'],
): MessageContent {
  const { companyName, contacts } = onboarding;
  return {
    subject: `Onboarding cancelled: ${companyName}`,
    greeting: `Hello ${contacts.csm.name},`,
    blocks: [
      paragraph(`The onboarding of ${companyName} was cancelled.`),
      quote('Reason', details.reason),
      facts(onboardingFacts(onboarding)),
      paragraph(
        `To onboard ${companyName} again later, start a new onboarding for customer ID ` +
          `${onboarding.customerId}.`,
      ),
    ],
    signature: workflowSignature(onboarding),
  };
}
