import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { setTimeout } from 'node:timers/promises';
import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  cancelOnboardingUpdate,
  recordMilestoneUpdate,
  recordSurveyUpdate,
  reportUsageUpdate,
  retryProvisioningUpdate,
  statusQuery,
} from '../domain/messages';
import { onboardingWorkflowId, type OnboardingStatus } from '../domain/onboarding';
import type { OnboardingPlan } from '../domain/plan';
import {
  cancelOnboardingSchema,
  customerIdSchema,
  listOnboardingsSchema,
  milestoneBodySchemas,
  startOnboardingSchema,
  surveyAnswerSchema,
  usageReportSchema,
  type CancelOnboarding,
  type MilestoneRecord,
  type StartOnboardingRequest,
  type SurveyAnswer,
  type UsageReport,
} from '../domain/requests';
import { isMilestoneName, milestoneNames, type MilestoneName } from '../domain/stages';
import { ApiError } from './errors';
import type { PlanRegistry } from './plans';
import {
  buildListQuery,
  callTimeouts,
  isDroppedUpdate,
  startedStatus,
  startOptions,
  toApiError,
  toListItem,
  toServiceError,
  workflowType,
  type ListFilters,
  type OnboardingListItem,
  type OnboardingWorkflow,
} from './temporal';
import { validate, type ValidatedResponse } from './validation';

export interface OnboardingRoutesDeps {
  client: Client;
  plans: PlanRegistry;
  taskQueue: string;
  logger: Logger;
}

/** Tries of an update that Temporal dropped with its workflow task, and the pause between them. */
const droppedUpdateAttempts = 3;
const droppedUpdateRetryDelayMs = 200;

const customerParams = z.object({ customerId: customerIdSchema });

const milestoneParams = z.object({ customerId: customerIdSchema, milestone: z.string() });

/** Query of GET /onboardings: the filters plus a page size. */
export const listQuerySchema = listOnboardingsSchema.extend({
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be between 1 and 500')
    .max(500, 'must be between 1 and 500')
    .default(50),
});

type CustomerParams = z.output<typeof customerParams>;
type ListQuery = z.output<typeof listQuerySchema>;

/** Picks the plan the request names, or else the segment's default. An unknown name is a 400. */
function resolveRequestedPlan(
  plans: PlanRegistry,
  request: StartOnboardingRequest,
): OnboardingPlan {
  if (request.plan === undefined) {
    const plan = plans.defaultPlanFor(request.segment);
    if (!plan) throw new Error(`no default plan is loaded for segment ${request.segment}`);
    return plan;
  }

  const plan = plans.resolvePlan(request.plan);
  if (!plan) {
    const message = `unknown plan "${request.plan}": use one of ${plans.names().join(', ')}`;
    throw new ApiError(400, 'validation_failed', message, [{ field: 'plan', message }]);
  }
  return plan;
}

/** Validates the milestone in the path, then the body against that milestone's schema. */
const validateMilestoneBody: RequestHandler = (request, response, next) => {
  const milestone = String(request.params.milestone);
  if (!isMilestoneName(milestone)) {
    const message = `unknown milestone "${milestone}": use one of ${milestoneNames.join(', ')}`;
    throw new ApiError(400, 'validation_failed', message, [{ field: 'milestone', message }]);
  }
  validate('body', milestoneBodySchemas[milestone])(request, response, next);
};

export function onboardingsRouter({
  client,
  plans,
  taskQueue,
  logger,
}: OnboardingRoutesDeps): Router {
  const router = Router();

  /**
   * Calls the workflow of one onboarding within a time limit and converts its failures into API
   * errors: 404 for an unknown customer, 409 for a rejected update or a closed onboarding.
   */
  async function callOnboarding<T>(
    customerId: string,
    timeoutMs: number,
    call: (handle: WorkflowHandle<OnboardingWorkflow>) => Promise<T>,
  ): Promise<T> {
    const handle = client.workflow.getHandle<OnboardingWorkflow>(onboardingWorkflowId(customerId));
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.withDeadline(deadline, () => call(handle));
      } catch (error) {
        if (isDroppedUpdate(error) && attempt < droppedUpdateAttempts && Date.now() < deadline) {
          logger.warn({ customerId, attempt, err: error }, 'update dropped by Temporal, retrying');
          await setTimeout(droppedUpdateRetryDelayMs);
          continue;
        }
        throw await toApiError(error, client, handle, customerId);
      }
    }
  }

  /**
   * Returns the status for a repeated request to a closed onboarding when that request was already
   * recorded, as a running onboarding does, so a client's retry after completion still succeeds.
   * Any other failure is thrown again.
   */
  async function recordedAfterClose(
    customerId: string,
    error: unknown,
    isRecorded: (status: OnboardingStatus) => boolean,
  ): Promise<OnboardingStatus> {
    if (!(error instanceof ApiError) || error.status !== 409) throw error;
    const status = await callOnboarding(customerId, callTimeouts.query, (handle) =>
      handle.query(statusQuery),
    ).catch(() => undefined);
    if (status && status.state !== 'active' && isRecorded(status)) return status;
    throw error;
  }

  router.post(
    '/onboardings',
    validate('body', startOnboardingSchema),
    async (request, response: ValidatedResponse<{ body: StartOnboardingRequest }>) => {
      const body = response.locals.body;
      const plan = resolveRequestedPlan(plans, body);
      const workflowId = onboardingWorkflowId(body.customerId);
      const logFields = { customerId: body.customerId, workflowId, plan: plan.name };

      let handle: WorkflowHandle<OnboardingWorkflow>;
      try {
        handle = await client.workflow.start<OnboardingWorkflow>(
          workflowType,
          startOptions(body, plan, workflowId, taskQueue),
        );
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) {
          const message = `an onboarding is already running for customer ${body.customerId}: workflow ${error.workflowId}`;
          throw new ApiError(409, 'conflict', message, [{ field: 'customerId', message }]);
        }
        throw toServiceError(error);
      }
      request.log.info(logFields, 'onboarding started');

      let status: OnboardingStatus | ReturnType<typeof startedStatus>;
      try {
        status = await client.withDeadline(Date.now() + callTimeouts.queryAfterStart, () =>
          handle.query(statusQuery),
        );
      } catch (error) {
        request.log.info({ ...logFields, err: error }, 'status not available yet after start');
        status = startedStatus(body, plan, workflowId);
      }

      response
        .status(201)
        .location(`/onboardings/${body.customerId}`)
        .json({ onboardingId: workflowId, customerId: body.customerId, status });
    },
  );

  router.get(
    '/onboardings',
    validate('query', listQuerySchema),
    async (_request, response: ValidatedResponse<{ query: ListQuery }>) => {
      const { limit, ...filters } = response.locals.query;
      const query = buildListQuery(filters satisfies ListFilters);

      // NOTE: there is no page cursor, so only the first `limit` matches in the server's
      // visibility order are reachable; `hasMore` signals that more exist.
      const items: OnboardingListItem[] = [];
      let hasMore = false;
      try {
        await client.withDeadline(Date.now() + callTimeouts.list, async () => {
          for await (const info of client.workflow.list({ query, pageSize: limit + 1 })) {
            if (items.length === limit) {
              hasMore = true;
              break;
            }
            items.push(toListItem(info));
          }
        });
      } catch (error) {
        throw toServiceError(error);
      }

      response.json({ items, limit, hasMore });
    },
  );

  router.get(
    '/onboardings/:customerId',
    validate('params', customerParams),
    async (_request, response: ValidatedResponse<{ params: CustomerParams }>) => {
      const { customerId } = response.locals.params;
      const status = await callOnboarding(customerId, callTimeouts.query, (handle) =>
        handle.query(statusQuery),
      );
      response.json(status);
    },
  );

  router.post(
    '/onboardings/:customerId/milestones/:milestone',
    validate('params', milestoneParams),
    validateMilestoneBody,
    async (request, response: ValidatedResponse<{ params: CustomerParams; body: unknown }>) => {
      const { customerId } = response.locals.params;
      const milestone = request.params.milestone as MilestoneName;
      const record = { milestone, details: response.locals.body } as MilestoneRecord;

      const status = await callOnboarding(customerId, callTimeouts.update, (handle) =>
        handle.executeUpdate(recordMilestoneUpdate, { args: [record] }),
      ).catch((error: unknown) =>
        recordedAfterClose(customerId, error, ({ milestones }) => milestone in milestones),
      );
      request.log.info(
        { customerId, workflowId: status.onboardingId, milestone },
        'milestone recorded',
      );
      response.json(status);
    },
  );

  router.post(
    '/onboardings/:customerId/usage',
    validate('params', customerParams),
    validate('body', usageReportSchema),
    async (request, response: ValidatedResponse<{ params: CustomerParams; body: UsageReport }>) => {
      const { customerId } = response.locals.params;
      const report = response.locals.body;

      const status = await callOnboarding(customerId, callTimeouts.update, (handle) =>
        handle.executeUpdate(reportUsageUpdate, { args: [report] }),
      );
      request.log.info(
        { customerId, workflowId: status.onboardingId, metrics: Object.keys(report) },
        'usage reported',
      );
      response.json(status);
    },
  );

  router.post(
    '/onboardings/:customerId/survey',
    validate('params', customerParams),
    validate('body', surveyAnswerSchema),
    async (
      request,
      response: ValidatedResponse<{ params: CustomerParams; body: SurveyAnswer }>,
    ) => {
      const { customerId } = response.locals.params;
      const answer = response.locals.body;

      const status = await callOnboarding(customerId, callTimeouts.update, (handle) =>
        handle.executeUpdate(recordSurveyUpdate, { args: [answer] }),
      ).catch((error: unknown) =>
        recordedAfterClose(customerId, error, ({ survey }) => {
          return survey.score === answer.score && survey.comment === answer.comment;
        }),
      );
      request.log.info(
        { customerId, workflowId: status.onboardingId, score: answer.score },
        'survey answer recorded',
      );
      response.json(status);
    },
  );

  router.post(
    '/onboardings/:customerId/cancel',
    validate('params', customerParams),
    validate('body', cancelOnboardingSchema),
    async (
      request,
      response: ValidatedResponse<{ params: CustomerParams; body: CancelOnboarding }>,
    ) => {
      const { customerId } = response.locals.params;
      const cancellation = response.locals.body;

      const status = await callOnboarding(customerId, callTimeouts.update, (handle) =>
        handle.executeUpdate(cancelOnboardingUpdate, { args: [cancellation] }),
      );
      request.log.info({ customerId, workflowId: status.onboardingId }, 'onboarding cancelled');
      response.json(status);
    },
  );

  router.post(
    '/onboardings/:customerId/provisioning/retry',
    validate('params', customerParams),
    async (request, response: ValidatedResponse<{ params: CustomerParams }>) => {
      const { customerId } = response.locals.params;

      const status = await callOnboarding(customerId, callTimeouts.update, (handle) =>
        handle.executeUpdate(retryProvisioningUpdate),
      );
      request.log.info(
        { customerId, workflowId: status.onboardingId, run: status.provisioning.run },
        'provisioning retry requested',
      );
      response.json(status);
    },
  );

  return router;
}
