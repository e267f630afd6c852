import type { EmailDetails, EmailKind } from '../../domain/delivery';
import type { OnboardingSnapshot } from '../../domain/onboarding';
import type { Contact } from '../../domain/requests';
import type { MessageContent } from '../render';
import { firstValueThanks, handoff, implementationPacket, survey, welcome } from './customer';
import {
  adoptionGap,
  atRisk,
  expansionOpportunity,
  healthAlert,
  kickoffReminder,
  onboardingCancelled,
  planMilestoneDue,
  provisioningFailed,
  salesHandoff,
} from './internal';

export { cancellationContent, inviteContent } from './invites';

export interface Recipients {
  to: Contact[];
  cc: Contact[];
}

/** Recipients and content of one kind of email. */
export interface EmailTemplate<K extends EmailKind> {
  recipients(onboarding: OnboardingSnapshot, details: EmailDetails[K]): Recipients;
  content(onboarding: OnboardingSnapshot, details: EmailDetails[K]): MessageContent;
}

function toCsm({ contacts }: OnboardingSnapshot): Recipients {
  return { to: [contacts.csm], cc: [] };
}

/** Addresses the project owner, with the executive sponsor and the CSM in copy. */
function toProjectTeam({ contacts }: OnboardingSnapshot): Recipients {
  return { to: [contacts.projectOwner], cc: [contacts.executiveSponsor, contacts.csm] };
}

function toOwnerAndSponsor({ contacts }: OnboardingSnapshot): Recipients {
  return { to: [contacts.projectOwner, contacts.executiveSponsor], cc: [contacts.csm] };
}

/** Addresses the escalation contact, or the CSM when there is none, with the CSM in copy. */
function toEscalation({ contacts }: OnboardingSnapshot): Recipients {
  return { to: [contacts.escalation ?? contacts.csm], cc: [contacts.csm] };
}

export const emailTemplates: { [K in EmailKind]: EmailTemplate<K> } = {
  'sales-handoff': { recipients: toCsm, content: salesHandoff },
  welcome: { recipients: toProjectTeam, content: welcome },
  'implementation-packet': { recipients: toProjectTeam, content: implementationPacket },
  'kickoff-reminder': { recipients: toCsm, content: kickoffReminder },
  'at-risk': { recipients: toEscalation, content: atRisk },
  'provisioning-failed': { recipients: toCsm, content: provisioningFailed },
  'plan-milestone-due': { recipients: toCsm, content: planMilestoneDue },
  'first-value-thanks': { recipients: toOwnerAndSponsor, content: firstValueThanks },
  'health-alert': { recipients: toCsm, content: healthAlert },
  'adoption-gap': { recipients: toCsm, content: adoptionGap },
  'expansion-opportunity': { recipients: toCsm, content: expansionOpportunity },
  handoff: {
    recipients: ({ contacts }, details) => ({
      to: [contacts.projectOwner],
      cc: [details.ongoingCsm, contacts.csm],
    }),
    content: handoff,
  },
  survey: {
    recipients: ({ contacts }) => ({ to: [contacts.projectOwner], cc: [] }),
    content: survey,
  },
  'onboarding-cancelled': { recipients: toCsm, content: onboardingCancelled },
};
