import {
  ApplicationFailure,
  isGrpcServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type Client,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { updateRejection } from '../domain/messages';
import type { OnboardingInput, OnboardingStatus } from '../domain/onboarding';
import type { OnboardingPlan } from '../domain/plan';
import type { StartOnboardingRequest } from '../domain/requests';
import { searchAttributes } from '../domain/search-attributes';
import type { OnboardingStage, OnboardingState, Segment } from '../domain/stages';
import { ApiError } from './errors';

/** The registered name of the workflow in workflows/index.ts. */
export const workflowType = 'onboardingWorkflow';

/** The workflow's signature as the client sees it. The API never reads its result. */
export type OnboardingWorkflow = (input: OnboardingInput) => Promise<unknown>;

/** Time limits of calls to Temporal, in milliseconds, so a missing worker cannot hang a request. */
export const callTimeouts = {
  query: 10_000,
  /** A short limit, because POST /onboardings falls back to a minimal status. */
  queryAfterStart: 3_000,
  update: 30_000,
  list: 10_000,
  describe: 5_000,
} as const;

/** The status POST /onboardings returns when the first status query fails or times out. */
export type StartedStatus = Pick<
  OnboardingStatus,
  'onboardingId' | 'customerId' | 'companyName' | 'segment' | 'plan' | 'state' | 'stage' | 'atRisk'
>;

/** Builds the workflow input, search attributes, memo and Web UI texts of a new onboarding. */
export function startOptions(
  request: StartOnboardingRequest,
  plan: OnboardingPlan,
  workflowId: string,
  taskQueue: string,
): WorkflowStartOptions<OnboardingWorkflow> {
  const input: OnboardingInput = { ...request, plan };
  const typedSearchAttributes: SearchAttributePair[] = [
    { key: searchAttributes.customerId, value: request.customerId },
    { key: searchAttributes.segment, value: request.segment },
    { key: searchAttributes.stage, value: 'pre-onboarding' },
    { key: searchAttributes.atRisk, value: false },
    { key: searchAttributes.csmEmail, value: request.contacts.csm.email },
    { key: searchAttributes.state, value: 'active' },
  ];

  return {
    workflowId,
    taskQueue,
    args: [input],
    // A customer whose onboarding completed or was cancelled may be onboarded again under the same
    // workflow id, while a running onboarding makes the start fail.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    typedSearchAttributes,
    memo: { companyName: request.companyName, plan: plan.name },
    staticSummary: `${request.companyName} · ${request.segment} · plan ${plan.name}`,
    staticDetails: staticDetails(request, plan),
  };
}

/** Markdown shown on the workflow's page in the Temporal Web UI. */
function staticDetails(request: StartOnboardingRequest, plan: OnboardingPlan): string {
  const { csm, projectOwner, executiveSponsor } = request.contacts;
  const integrations = request.integrations.length > 0 ? request.integrations.join(', ') : 'none';
  return [
    `**${request.companyName}** (${request.customerId})`,
    `- Segment: ${request.segment}, plan: ${plan.name}, seats: ${request.seats}`,
    `- Contract signed: ${request.contractSignedAt} (${request.timezone})`,
    `- CSM: ${csm.name} <${csm.email}>`,
    `- Project owner: ${projectOwner.name} <${projectOwner.email}>`,
    `- Executive sponsor: ${executiveSponsor.name} <${executiveSponsor.email}>`,
    `- Integrations: ${integrations}`,
  ].join('\n');
}

export function startedStatus(
  request: StartOnboardingRequest,
  plan: OnboardingPlan,
  workflowId: string,
): StartedStatus {
  return {
    onboardingId: workflowId,
    customerId: request.customerId,
    companyName: request.companyName,
    segment: request.segment,
    plan: plan.name,
    state: 'active',
    stage: 'pre-onboarding',
    atRisk: false,
  };
}

/** Filters of GET /onboardings, already checked against their enums. */
export interface ListFilters {
  stage?: OnboardingStage;
  segment?: Segment;
  atRisk?: 'true' | 'false';
  state?: OnboardingState;
}

/**
 * Quotes a keyword for a visibility query. Callers pass enum values only, so any other character
 * is a bug and raises.
 */
function keyword(value: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(value)) throw new Error(`unexpected search attribute value ${value}`);
  return `'${value}'`;
}

/** Builds the visibility query of GET /onboardings from enum values only. */
export function buildListQuery(filters: ListFilters): string {
  const clauses = [`WorkflowType = ${keyword(workflowType)}`];
  if (filters.segment) {
    clauses.push(`${searchAttributes.segment.name} = ${keyword(filters.segment)}`);
  }
  if (filters.stage) clauses.push(`${searchAttributes.stage.name} = ${keyword(filters.stage)}`);
  if (filters.atRisk) {
    clauses.push(`${searchAttributes.atRisk.name} = ${filters.atRisk === 'true'}`);
  }
  if (filters.state) clauses.push(`${searchAttributes.state.name} = ${keyword(filters.state)}`);
  return clauses.join(' AND ');
}

/** One row of GET /onboardings. */
export interface OnboardingListItem {
  onboardingId: string;
  customerId?: string;
  companyName?: string;
  plan?: string;
  segment?: string;
  stage?: string;
  atRisk?: boolean;
  state?: string;
  executionStatus: string;
  startTime: string;
  closeTime?: string;
}

function memoText(memo: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = memo?.[key];
  return typeof value === 'string' ? value : undefined;
}

export function toListItem(info: WorkflowExecutionInfo): OnboardingListItem {
  const attributes = info.typedSearchAttributes;
  return {
    onboardingId: info.workflowId,
    customerId: attributes.get(searchAttributes.customerId),
    companyName: memoText(info.memo, 'companyName'),
    plan: memoText(info.memo, 'plan'),
    segment: attributes.get(searchAttributes.segment),
    stage: attributes.get(searchAttributes.stage),
    atRisk: attributes.get(searchAttributes.atRisk),
    state: attributes.get(searchAttributes.state),
    executionStatus: info.status.name,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString(),
  };
}

/** Returns the gRPC status code of the first gRPC error in the cause chain, if there is one. */
function grpcCode(error: unknown): number | undefined {
  let current: unknown = error;
  while (current instanceof Error) {
    if (isGrpcServiceError(current)) return current.code;
    current = current.cause;
  }
  return undefined;
}

const grpcStatus = {
  cancelled: 1,
  deadlineExceeded: 4,
  failedPrecondition: 9,
  unavailable: 14,
} as const;

/**
 * Returns whether the server dropped an update because the workflow task that carried it failed,
 * for example when a timer fired while the workflow was completing. The update was not applied,
 * so sending it again is safe.
 * NOTE: seen in a demo run when a survey answer met a health-check timer; no test reproduces it.
 */
export function isDroppedUpdate(error: unknown): boolean {
  return grpcCode(error) === grpcStatus.failedPrecondition;
}

/**
 * Returns a 409 when the onboarding's workflow exists but is closed (completed, cancelled or
 * terminated), a 404 when none exists, and undefined while it runs.
 */
async function closedOrMissing(client: Client, workflowId: string, customerId: string) {
  try {
    const description = await client.withDeadline(Date.now() + callTimeouts.describe, () =>
      client.workflow.getHandle(workflowId).describe(),
    );
    if (description.status.name === 'RUNNING') return undefined;
    const state = description.typedSearchAttributes.get(searchAttributes.state);
    const closedAs = state && state !== 'active' ? state : description.status.name.toLowerCase();
    return new ApiError(409, 'conflict', `onboarding ${customerId} is ${closedAs}`);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    return new ApiError(404, 'not_found', `no onboarding for customer ${customerId}`);
  }
}

/**
 * Explains why the workflow of an onboarding could not be reached: 404 when none exists, and 409
 * when it exists but is closed, because the server reports an update to a closed workflow as
 * "not found" too.
 */
async function notFoundOrClosed(client: Client, workflowId: string, customerId: string) {
  return (
    (await closedOrMissing(client, workflowId, customerId)) ??
    new ApiError(404, 'not_found', `no onboarding for customer ${customerId}`)
  );
}

/**
 * Converts a failed call to an onboarding's workflow into the matching API error. Other errors
 * are returned unchanged, so the caller throws them and they become a logged 500.
 */
export async function toApiError(
  error: unknown,
  client: Client,
  handle: WorkflowHandle,
  customerId: string,
): Promise<unknown> {
  if (
    error instanceof WorkflowUpdateFailedError &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type === updateRejection.conflict
  ) {
    return new ApiError(409, 'conflict', error.cause.message);
  }
  if (error instanceof WorkflowNotFoundError) {
    return notFoundOrClosed(client, handle.workflowId, customerId);
  }
  // An update still open when the workflow closed, such as one that met a termination, fails too.
  if (error instanceof WorkflowUpdateFailedError) {
    const closed = await closedOrMissing(client, handle.workflowId, customerId);
    if (closed) return closed;
  }
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ApiError(
      504,
      'timeout',
      `onboarding ${customerId} did not finish the update in time; it may still apply, so check its status before retrying`,
    );
  }
  return toServiceError(error);
}

/** Converts an unreachable or slow Temporal server into a 503 or 504; other errors pass through. */
export function toServiceError(error: unknown): unknown {
  const code = grpcCode(error);
  if (code === grpcStatus.unavailable) {
    return new ApiError(503, 'temporal_unavailable', 'Temporal server is unavailable');
  }
  if (code === grpcStatus.failedPrecondition) {
    return new ApiError(
      503,
      'temporal_unavailable',
      'Temporal could not apply the request to the onboarding right now; retry it',
    );
  }
  // The client cancels a call when the request's deadline passes, which it reports as CANCELLED.
  if (code === grpcStatus.deadlineExceeded || code === grpcStatus.cancelled) {
    return new ApiError(
      504,
      'timeout',
      'Temporal did not answer in time: the server may be unreachable or overloaded, or no worker polls the task queue',
    );
  }
  return error;
}
