import type { OnboardingSnapshot } from '../../domain/onboarding';
import type { Contact } from '../../domain/requests';

export function contactLine(contact: Contact): string {
  return `${contact.name} <${contact.email}>`;
}

/** Signs a customer-facing email in the name of the onboarding's CSM. */
export function csmSignature(onboarding: OnboardingSnapshot): string[] {
  const csm = onboarding.contacts.csm;
  return ['Best regards,', csm.name, 'Customer Success Manager', csm.email];
}

/** Signs an internal notification, with the id to look the onboarding up by. */
export function workflowSignature(onboarding: OnboardingSnapshot): string[] {
  return ['Onboarding workflow', `Onboarding ID: ${onboarding.onboardingId}`];
}

export function onboardingFacts(onboarding: OnboardingSnapshot): Array<[string, string]> {
  return [
    ['Company', onboarding.companyName],
    ['Customer ID', onboarding.customerId],
    ['Plan', onboarding.planName],
    ['Segment', onboarding.segment],
    ['Seats', String(onboarding.seats)],
  ];
}
