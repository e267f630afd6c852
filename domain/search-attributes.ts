import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes every onboarding carries, so the Temporal Web UI can filter on them. */
export const searchAttributes = {
  customerId: defineSearchAttributeKey('OnboardingCustomerId', SearchAttributeType.KEYWORD),
  segment: defineSearchAttributeKey('OnboardingSegment', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('OnboardingStage', SearchAttributeType.KEYWORD),
  atRisk: defineSearchAttributeKey('OnboardingAtRisk', SearchAttributeType.BOOL),
  csmEmail: defineSearchAttributeKey('OnboardingCsmEmail', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('OnboardingState', SearchAttributeType.KEYWORD),
} as const;
