import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { ErrorBody, ErrorDetail } from './errors';

export interface HealthRoutesDeps {
  client: Client;
  taskQueue: string;
  namespace: string;
}

/** Time limit of each readiness check, in milliseconds. */
const checkTimeoutMs = 2_000;

/** Values of temporal.api.enums.v1.TaskQueueKind and TaskQueueType in @temporalio/proto 1.24. */
const taskQueueKindNormal = 1;
const taskQueueTypeWorkflow = 1;

/**
 * Idle workers long-poll for about a minute and the server refreshes a poller's last access time
 * when a poll arrives, so a poller seen within this window is taken as still running.
 */
const pollerFreshnessMs = 2 * 60_000;

interface CheckResult {
  ok: boolean;
  message: string;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toMillis(timestamp: { seconds?: unknown; nanos?: number | null } | null | undefined) {
  if (!timestamp) return undefined;
  return Number(timestamp.seconds ?? 0) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6);
}

async function checkTemporal(client: Client): Promise<CheckResult> {
  try {
    await client.withDeadline(Date.now() + checkTimeoutMs, () =>
      client.workflowService.getSystemInfo({}),
    );
    return { ok: true, message: 'Temporal server answered' };
  } catch (error) {
    return { ok: false, message: `Temporal server did not answer: ${errorMessage(error)}` };
  }
}

async function checkWorker(deps: HealthRoutesDeps): Promise<CheckResult> {
  const { client, taskQueue, namespace } = deps;
  try {
    const description = await client.withDeadline(Date.now() + checkTimeoutMs, () =>
      client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue, kind: taskQueueKindNormal },
        taskQueueType: taskQueueTypeWorkflow,
      }),
    );
    const now = Date.now();
    const pollers = (description.pollers ?? []).filter((poller) => {
      const lastAccess = toMillis(poller.lastAccessTime);
      return lastAccess === undefined || now - lastAccess <= pollerFreshnessMs;
    });
    if (pollers.length === 0) {
      return { ok: false, message: `no worker polls task queue ${taskQueue}` };
    }
    return { ok: true, message: `${pollers.length} worker poller(s) on task queue ${taskQueue}` };
  } catch (error) {
    return {
      ok: false,
      message: `cannot describe task queue ${taskQueue}: ${errorMessage(error)}`,
    };
  }
}

/** GET /healthz answers while the process runs; GET /readyz also needs Temporal and a worker. */
export function healthRouter(deps: HealthRoutesDeps): Router {
  const router = Router();
  // Probes run every few seconds, so only a change of readiness is logged.
  let wasReady: boolean | undefined;

  router.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });

  router.get('/readyz', async (request, response) => {
    const temporal = await checkTemporal(deps.client);
    const worker = temporal.ok
      ? await checkWorker(deps)
      : { ok: false, message: 'skipped because the Temporal server did not answer' };

    const ready = temporal.ok && worker.ok;
    if (ready !== wasReady) {
      const checks = { temporal: temporal.message, worker: worker.message };
      if (ready) request.log.info({ checks }, 'ready');
      else request.log.warn({ checks }, 'not ready');
      wasReady = ready;
    }

    if (ready) {
      response.json({ status: 'ready', checks: { temporal, worker } });
      return;
    }

    const details: ErrorDetail[] = Object.entries({ temporal, worker })
      .filter(([, check]) => !check.ok)
      .map(([field, check]) => ({ field, message: check.message }));
    const body: ErrorBody = {
      error: {
        code: 'not_ready',
        message: `not ready: ${details.map((detail) => detail.message).join('; ')}`,
        details,
        requestId: request.id === undefined ? undefined : String(request.id),
      },
    };
    response.status(503).json(body);
  });

  return router;
}
