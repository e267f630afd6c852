import type { EmailDetails } from '../../domain/delivery';
import type { OnboardingSnapshot } from '../../domain/onboarding';
import { formatDate, formatDateTime, formatDuration } from '../format';
import { facts, list, paragraph, quote, type Block, type MessageContent } from '../render';
import { csmSignature } from './common';

// Emails to the customer's project team, written in the voice of their CSM.

export function welcome(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['welcome'],
): MessageContent {
  const { companyName, timezone, contacts } = onboarding;
  return {
    subject: `Welcome aboard, ${companyName}: your onboarding starts now`,
    greeting: `Hello ${contacts.projectOwner.name},`,
    blocks: [
      paragraph(
        `Thank you for signing with us on ${formatDate(details.contractSignedAt, timezone)}. ` +
          `I am ${contacts.csm.name}, your Customer Success Manager, and I will guide ` +
          `${companyName} from kickoff to first value on the ${onboarding.planName} plan.`,
      ),
      paragraph(
        `Our first step is a kickoff call, which should take place by ` +
          `${formatDateTime(details.kickoffDueAt, timezone)}. A calendar invite follows in a ` +
          `separate email. If the time does not suit you, reply here and we will find another.`,
      ),
      paragraph('To get the most out of the kickoff, please come prepared with:'),
      list([
        'the outcomes that would make this project a success for you',
        'the people who should join the project, and their roles',
        'the systems you want to connect to your workspace',
      ]),
      paragraph(
        `${contacts.executiveSponsor.name}, thank you for sponsoring this project. ` +
          'I have copied you so that you can follow along.',
      ),
    ],
    signature: csmSignature(onboarding),
  };
}

export function implementationPacket(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['implementation-packet'],
): MessageContent {
  const integrations: Block[] =
    details.integrations.length > 0
      ? [paragraph('We will connect these integrations for you:'), list(details.integrations)]
      : [
          paragraph(
            'No integrations are planned for now. Reply to this email if you want to connect any ' +
              'of your systems.',
          ),
        ];

  return {
    subject: `${onboarding.companyName}: your implementation plan`,
    greeting: `Hello ${onboarding.contacts.projectOwner.name},`,
    blocks: [
      paragraph(
        'Here is what to prepare before our kickoff call. Implementation starts right after the ' +
          `kickoff, and our goal is to complete it within ${formatDuration(details.implementationWithin)}.`,
      ),
      ...integrations,
      paragraph('Please have these ready for the kickoff:'),
      list([
        'Your success criteria and the first result you want to see in the product.',
        'A go-live date, and who approves the setup in user acceptance testing (UAT).',
        'Admin credentials or a contact for each system we connect, and the data to migrate.',
      ]),
      paragraph('Here is how implementation works:'),
      list([
        'We set up your workspace, connect the integrations and migrate your data.',
        'Your team configures settings, custom fields and workflows, with our help where needed.',
        'You test the setup and approve it in user acceptance testing (UAT).',
      ]),
      paragraph(
        'I will check in with you regularly. If anything blocks your team, reply to this email ' +
          'and I will help.',
      ),
    ],
    signature: csmSignature(onboarding),
  };
}

export function firstValueThanks(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['first-value-thanks'],
): MessageContent {
  const { companyName, contacts } = onboarding;
  const reachedBy =
    details.reachedBy === 'milestone' ? 'recorded by your team' : 'measured in product usage';
  const evidence = details.evidence ? [quote('Evidence', details.evidence)] : [];

  return {
    subject: `${companyName} has reached its first value milestone`,
    greeting: `Hello ${contacts.projectOwner.name} and ${contacts.executiveSponsor.name},`,
    blocks: [
      paragraph(`Congratulations: ${companyName} has reached the goal we agreed at kickoff.`),
      facts([
        ['Goal', details.description],
        ['Metric', `${details.metric}, target ${details.target}`],
        ['Reached', reachedBy],
      ]),
      ...evidence,
      paragraph(
        'Thank you to everyone on your team who made this happen. Next, we focus on adoption ' +
          `across all ${onboarding.seats} seats, and I will follow up with a check-in.`,
      ),
    ],
    signature: csmSignature(onboarding),
  };
}

export function handoff(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['handoff'],
): MessageContent {
  const { ongoingCsm } = details;
  return {
    subject: `${onboarding.companyName}: meet your Customer Success Manager, ${ongoingCsm.name}`,
    greeting: `Hello ${onboarding.contacts.projectOwner.name},`,
    blocks: [
      paragraph('Your onboarding is complete. Thank you for the work your team put into it.'),
      paragraph(
        `From today, ${ongoingCsm.name} (${ongoingCsm.email}) is your Customer Success Manager ` +
          'and your first contact for questions, renewals and new goals. I have copied ' +
          `${ongoingCsm.name} on this email.`,
      ),
      paragraph('These are the success criteria we agreed at kickoff:'),
      list(details.successCriteria),
      paragraph('It was a pleasure working with you.'),
    ],
    signature: csmSignature(onboarding),
  };
}

export function survey(
  onboarding: OnboardingSnapshot,
  details: EmailDetails['survey'],
): MessageContent {
  const { companyName, timezone } = onboarding;
  return {
    subject: `How was your onboarding, ${companyName}?`,
    greeting: `Hello ${onboarding.contacts.projectOwner.name},`,
    blocks: [
      paragraph(
        `Now that ${companyName} is up and running, we would like to know how the onboarding ` +
          'went for you.',
      ),
      paragraph(
        'Please reply to this email with a score from 1 (poor) to 5 (excellent) and, if you ' +
          'like, a sentence on what we should keep or change. We read every answer.',
      ),
      paragraph(`The survey is open until ${formatDate(details.answerBy, timezone)}.`),
    ],
    signature: csmSignature(onboarding),
  };
}
