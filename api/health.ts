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
 * Age of a poller's last poll under which it counts as a running worker. The server lists a worker
 * for 5 minutes after its last poll, and a last poll over a minute old may mean it has shut down
 * (`temporal task-queue describe --help`, CLI 1.9.1).
 * NOTE: two minutes is an estimate that allows for a busy worker, so a worker stopped within the
 * last two minutes still counts as ready.
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
    return { ok: true, message: 'Temporal server responded' };
  } catch (error) {
    return { ok: false, message: `Temporal server did not respond: ${errorMessage(error)}` };
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

/**
 * Serves GET /healthz, which returns 200 while the process runs, and GET /readyz, which returns 200
 * only when the Temporal server responds and a worker polls the task queue.
 */
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
      : { ok: false, message: 'skipped because the Temporal server did not respond' };

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
