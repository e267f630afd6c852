import type { ErrorRequestHandler, RequestHandler } from 'express';

export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'invalid_json'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'not_ready'
  | 'temporal_unavailable'
  | 'timeout'
  | 'internal_error';

/** One invalid input: `field` is a dotted path such as "contacts.csm.email". */
export interface ErrorDetail {
  field: string;
  message: string;
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details?: ErrorDetail[];
    requestId?: string;
  };
}

/** An error that errorHandler sends with its HTTP status, code, message and details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Fields that body-parser sets on the errors it passes to `next`. */
interface BodyParserError extends Error {
  type: string;
  body?: string;
  status?: number;
  limit?: number;
  charset?: string;
  encoding?: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return error instanceof Error && typeof (error as Partial<BodyParserError>).type === 'string';
}

/** Translates an error that express.json() raises into an API error, or returns undefined. */
function fromBodyParser(error: unknown): ApiError | undefined {
  if (!isBodyParserError(error)) return undefined;

  switch (error.type) {
    case 'entity.parse.failed': {
      // body-parser's strict mode rejects valid JSON such as `null` or `"text"` at the top level.
      const topLevel = error.body?.trimStart()[0];
      const message =
        topLevel === undefined || topLevel === '{' || topLevel === '['
          ? `request body is not valid JSON: ${error.message}`
          : 'request body must be a JSON object';
      return new ApiError(400, 'invalid_json', message);
    }
    case 'entity.too.large':
      return new ApiError(
        413,
        'payload_too_large',
        `request body is larger than the limit of ${error.limit ?? 'unknown'} bytes`,
      );
    case 'charset.unsupported':
      return new ApiError(
        415,
        'unsupported_media_type',
        `unsupported charset "${error.charset ?? ''}": send JSON as UTF-8`,
      );
    case 'encoding.unsupported':
      return new ApiError(
        415,
        'unsupported_media_type',
        `unsupported content encoding "${error.encoding ?? ''}": send the body uncompressed or gzip, deflate or br`,
      );
    case 'request.aborted':
    case 'request.size.invalid':
      return new ApiError(
        400,
        'validation_failed',
        `request body was not received: ${error.message}`,
      );
    default:
      return undefined;
  }
}

/**
 * Translates other client errors that Express raises with a 4xx `status`, such as a path segment
 * that is not valid percent-encoding, into a 400-range API error.
 */
function fromHttpError(error: unknown): ApiError | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = (error as { status?: unknown }).status;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  return new ApiError(status, 'bad_request', error.message);
}

function requestIdOf(request: { id?: unknown }): string | undefined {
  return request.id === undefined ? undefined : String(request.id);
}

/** Raises a 404 for every request that no route matched. */
export const notFoundHandler: RequestHandler = (request) => {
  throw new ApiError(404, 'not_found', `no route for ${request.method} ${request.path}`);
};

/**
 * Turns every error into the one JSON error shape. Errors the API did not expect become a 500
 * with the request id, and are logged with the error so the id leads to the cause.
 */
export const errorHandler: ErrorRequestHandler = (error, request, response, next) => {
  if (response.headersSent) {
    next(error);
    return;
  }

  const requestId = requestIdOf(request);
  const known = error instanceof ApiError ? error : (fromBodyParser(error) ?? fromHttpError(error));
  if (known === undefined) {
    request.log.error({ err: error, requestId }, 'request failed with an unexpected error');
    const body: ErrorBody = {
      error: {
        code: 'internal_error',
        message: `internal error: quote request id ${requestId ?? 'unknown'} when reporting it`,
        requestId,
      },
    };
    response.status(500).json(body);
    return;
  }

  const body: ErrorBody = {
    error: {
      code: known.code,
      message: known.message,
      ...(known.details === undefined ? {} : { details: known.details }),
      requestId,
    },
  };
  response.status(known.status).json(body);
};
