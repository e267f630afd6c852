/** The seven stages of an onboarding, in the order the workflow walks them. */
export const onboardingStages = [
  'pre-onboarding',
  'kickoff',
  'implementation',
  'training',
  'first-value',
  'adoption',
  'completion',
] as const;

export type OnboardingStage = (typeof onboardingStages)[number];

export const segments = ['self-serve', 'mid-market', 'enterprise'] as const;

export type Segment = (typeof segments)[number];

/** Lifecycle of the workflow itself, separate from the stage it has reached. */
export type OnboardingState = 'active' | 'completed' | 'cancelled';

export const milestoneNames = [
  'kickoff-held',
  'setup-complete',
  'uat-approved',
  'admin-training-done',
  'end-user-training-done',
  'certification-done',
  'recordings-published',
  'first-value-reached',
] as const;

export type MilestoneName = (typeof milestoneNames)[number];

export const trainingMilestones = [
  'admin-training-done',
  'end-user-training-done',
  'certification-done',
  'recordings-published',
] as const satisfies readonly MilestoneName[];

/** The stage in which each milestone may be recorded. */
export const milestoneStage: Record<MilestoneName, OnboardingStage> = {
  'kickoff-held': 'kickoff',
  'setup-complete': 'implementation',
  'uat-approved': 'implementation',
  'admin-training-done': 'training',
  'end-user-training-done': 'training',
  'certification-done': 'training',
  'recordings-published': 'training',
  'first-value-reached': 'first-value',
};

export function isMilestoneName(value: string): value is MilestoneName {
  return (milestoneNames as readonly string[]).includes(value);
}
