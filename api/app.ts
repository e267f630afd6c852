import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import express, { type RequestHandler } from 'express';
import type pino from 'pino';
import { pinoHttp } from 'pino-http';
import { bearerAuth } from './auth';
import { ApiError, errorHandler, notFoundHandler } from './errors';
import { healthRouter } from './health';
import { onboardingsRouter } from './onboardings';
import type { PlanRegistry } from './plans';

export interface AppDeps {
  client: Client;
  plans: PlanRegistry;
  taskQueue: string;
  /** Defaults to the client's namespace. */
  namespace?: string;
  /** When non-empty, every route but /healthz and /readyz needs one of these bearer tokens. */
  apiTokens?: string[];
  logger: pino.Logger;
}

/** Largest JSON body the API accepts; larger ones get a 413. */
export const bodyLimitBytes = 1024 * 1024;

const requestIdPattern = /^[A-Za-z0-9._-]{1,128}$/;
const probePaths = new Set(['/healthz', '/readyz']);

/** Reuses a well-formed incoming X-Request-Id, so a caller's id leads to our logs; else a UUID. */
function requestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers['x-request-id'];
  const id =
    typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
  response.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Logs each request once it finishes with its id, method, URL and status. Bodies and headers are
 * left out because they can carry personal data and the bearer token.
 */
function requestLogger(logger: pino.Logger) {
  return pinoHttp({
    logger,
    genReqId: requestId,
    serializers: {
      req: (request: { id?: unknown; method?: string; url?: string }) => ({
        id: request.id,
        method: request.method,
        url: request.url,
      }),
      res: (response: { statusCode?: number }) => ({ statusCode: response.statusCode }),
    },
    customLogLevel: (request, response, error) => {
      if (error || response.statusCode >= 500) return 'error';
      if (response.statusCode >= 400) return 'warn';
      return probePaths.has(request.url ?? '') ? 'debug' : 'info';
    },
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
  });
}

/** Rejects a request body that is not JSON with a 415; requests without a body pass. */
const requireJsonBody: RequestHandler = (request, _response, next) => {
  const length = request.get('content-length');
  const hasBody =
    request.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
  if (hasBody && !request.is(['application/json', 'application/*+json'])) {
    const contentType = request.get('content-type') ?? 'none';
    throw new ApiError(
      415,
      'unsupported_media_type',
      `unsupported content type "${contentType}": send the body as application/json`,
    );
  }
  next();
};

/** Builds the HTTP API without listening, so tests can drive it with supertest. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.use(requestLogger(deps.logger));
  app.use(
    healthRouter({
      client: deps.client,
      taskQueue: deps.taskQueue,
      namespace: deps.namespace ?? deps.client.options.namespace,
    }),
  );

  const tokens = deps.apiTokens ?? [];
  if (tokens.length > 0) app.use(bearerAuth(tokens));

  app.use(requireJsonBody);
  app.use(
    express.json({ limit: bodyLimitBytes, type: ['application/json', 'application/*+json'] }),
  );
  app.use(onboardingsRouter(deps));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
