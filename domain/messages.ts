import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { OnboardingStatus, UsageResult } from './onboarding';
import type { CancelOnboarding, MilestoneRecord, SurveyAnswer, UsageReport } from './requests';

export const statusQuery = defineQuery<OnboardingStatus>('status');

export const recordMilestoneUpdate = defineUpdate<OnboardingStatus, [MilestoneRecord]>(
  'recordMilestone',
);

export const reportUsageUpdate = defineUpdate<UsageResult, [UsageReport]>('reportUsage');

export const recordSurveyUpdate = defineUpdate<OnboardingStatus, [SurveyAnswer]>('recordSurvey');

export const retryProvisioningUpdate = defineUpdate<OnboardingStatus, []>('retryProvisioning');

export const cancelOnboardingUpdate = defineUpdate<OnboardingStatus, [CancelOnboarding]>(
  'cancelOnboarding',
);

/**
 * Failure types that update validators and handlers raise; the API maps each to an HTTP status.
 * A rejected update writes nothing to the workflow's history.
 */
export const updateRejection = {
  /** The request does not fit the onboarding's current stage or state (HTTP 409). */
  conflict: 'OnboardingConflict',
} as const;

export const taskQueue = 'onboarding';
