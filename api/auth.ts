import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ApiError } from './errors';

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Requires `Authorization: Bearer <token>` with one of the given tokens. Tokens are compared as
 * SHA-256 digests with timingSafeEqual, and every token is checked, so the response time reveals
 * neither the length nor the position of a match.
 */
export function bearerAuth(tokens: readonly string[]): RequestHandler {
  const expected = tokens.map(digest);

  return (request, response, next) => {
    response.set('WWW-Authenticate', 'Bearer');
    const header = request.get('authorization') ?? '';
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match?.[1]) {
      throw new ApiError(
        401,
        'unauthorized',
        'missing bearer token: send Authorization: Bearer <token>',
      );
    }

    const presented = digest(match[1]);
    let valid = false;
    for (const candidate of expected) {
      valid = timingSafeEqual(presented, candidate) || valid;
    }
    if (!valid) throw new ApiError(401, 'unauthorized', 'invalid bearer token');

    response.removeHeader('WWW-Authenticate');
    next();
  };
}
