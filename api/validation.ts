import type { RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { ApiError, type ErrorDetail } from './errors';

/** The part of a request a schema validates, and the `res.locals` key its parsed value goes to. */
export type RequestPart = 'body' | 'query' | 'params';

const partNames: Record<RequestPart, string> = {
  body: 'request body',
  query: 'query string',
  params: 'path',
};

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Lists each zod issue of `input` as a field and a message. Unknown keys become one detail each,
 * and a required value that is absent reads "missing" in place of zod's type message.
 */
export function issueDetails(error: z.ZodError, input: unknown): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: [...path, key].join('.'),
        message: 'unknown field',
      }));
    }
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    const message = missing ? `missing: expected ${issue.expected}` : issue.message;
    return [{ field: path.join('.'), message }];
  });
}

/** Builds the 400 error for a value that failed its schema. */
export function validationError(part: RequestPart, error: z.ZodError, input: unknown): ApiError {
  const details = issueDetails(error, input);
  const fields = details.map((detail) => detail.field || '(whole value)');
  const list = [...new Set(fields)].join(', ');
  return new ApiError(400, 'validation_failed', `invalid ${partNames[part]}: ${list}`, details);
}

/**
 * Parses one part of the request with a schema and stores the parsed value, defaults included, in
 * `res.locals[part]`. An invalid value ends the request with a 400.
 */
export function validate(part: RequestPart, schema: z.ZodType): RequestHandler {
  return (request, response, next) => {
    if (part === 'body' && request.body === undefined) {
      throw new ApiError(
        400,
        'validation_failed',
        'request body is missing: send a JSON object with Content-Type: application/json',
      );
    }
    const result = schema.safeParse(request[part]);
    if (!result.success) throw validationError(part, result.error, request[part]);
    response.locals[part] = result.data;
    next();
  };
}

/** A response whose locals contain the values `validate` parsed. */
export type ValidatedResponse<Locals extends Partial<Record<RequestPart, unknown>>> = Response<
  unknown,
  Locals
>;
