import { types } from 'node:util';
import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { failureTypes } from './errors';

export interface ProvisioningClientOptions {
  /** Base URL of the provisioning API, such as "http://127.0.0.1:4100". */
  baseUrl: string;
  /** Time limit for one HTTP request, including reading its body, in milliseconds. */
  requestTimeoutMs?: number;
}

const defaultRequestTimeoutMs = 10_000;
/** Maximum length of the server's error text in a failure message, in characters. */
const maxErrorTextLength = 500;

const tenantSchema = z.object({ id: z.string().min(1) });
const migrationSchema = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  error: z.string().optional(),
});

/** A migration job as the provisioning API reports it, with its error text when it failed. */
export type MigrationReport = z.infer<typeof migrationSchema>;

interface RequestOptions {
  body?: unknown;
  idempotencyKey?: string;
  /** Aborts the request, such as the activity's cancellation signal. */
  signal?: AbortSignal;
}

function unavailable(message: string, cause?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: failureTypes.provisioningUnavailable,
    message,
    nonRetryable: false,
    cause: types.isNativeError(cause) ? cause : undefined,
  });
}

function rejected(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, failureTypes.provisioningRejected);
}

/**
 * Describes a failed fetch by its cause, such as "connect ECONNREFUSED 127.0.0.1:4100". Fetch
 * errors come from Node's own realm, so this checks fields rather than `instanceof Error`.
 */
function networkErrorText(error: unknown): string {
  const cause: unknown = types.isNativeError(error) ? error.cause : undefined;
  const source = types.isNativeError(cause) ? cause : error;
  if (!types.isNativeError(source)) return String(source);

  const code = (source as { code?: unknown }).code;
  if (source.message) return source.message;
  return typeof code === 'string' ? code : source.name;
}

/** Pulls the error text out of a response body: `{"error": ...}`, `{"message": ...}` or plain text. */
function errorText(body: string): string {
  let text = body.trim();
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const fields = parsed as Record<string, unknown>;
      const message = fields.error ?? fields.message;
      if (typeof message === 'string') text = message;
    }
  } catch {
    // The body is not JSON, so its text is the message.
  }
  if (text.length > maxErrorTextLength) text = `${text.slice(0, maxErrorTextLength)}...`;
  return text || '(empty body)';
}

/**
 * HTTP client of the provisioning API. Every method throws an `ApplicationFailure`:
 * `ProvisioningUnavailable` (retryable) for network errors, timeouts, 429 and 5xx, and
 * `ProvisioningRejected` (non-retryable) for any other 4xx or a body that does not match the API.
 * An aborted `signal` rethrows its reason, so Temporal reports a cancelled activity as cancelled.
 */
export class ProvisioningClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(options: ProvisioningClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs;
  }

  async createTenant(
    tenant: { customerId: string; companyName: string; seats: number },
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<{ id: string }> {
    const body = await this.request('POST', '/tenants', { body: tenant, idempotencyKey, signal });
    return this.parse(tenantSchema, body, 'POST /tenants');
  }

  async connectIntegrations(
    tenantId: string,
    integrations: string[],
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.request('POST', `/tenants/${encodeURIComponent(tenantId)}/integrations`, {
      body: { integrations },
      idempotencyKey,
      signal,
    });
  }

  async startMigration(
    tenantId: string,
    customerId: string,
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<MigrationReport> {
    const path = `/tenants/${encodeURIComponent(tenantId)}/migrations`;
    const body = await this.request('POST', path, { body: { customerId }, idempotencyKey, signal });
    return this.parse(migrationSchema, body, `POST ${path}`);
  }

  async getMigration(migrationId: string, signal?: AbortSignal): Promise<MigrationReport> {
    const path = `/migrations/${encodeURIComponent(migrationId)}`;
    const body = await this.request('GET', path, { signal });
    return this.parse(migrationSchema, body, `GET ${path}`);
  }

  private parse<T>(schema: z.ZodType<T>, body: unknown, route: string): T {
    const result = schema.safeParse(body);
    if (!result.success) {
      throw rejected(
        `provisioning API returned an invalid body for ${route}: ${z.prettifyError(result.error)}`,
      );
    }
    return result.data;
  }

  private async request(method: string, path: string, options: RequestOptions): Promise<unknown> {
    const route = `${method} ${path}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;

    let status: number;
    let text: string;
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) {
        throw unavailable(
          `provisioning API timed out after ${this.timeoutMs} ms on ${route}`,
          error,
        );
      }
      throw unavailable(
        `provisioning API request ${route} failed: ${networkErrorText(error)}`,
        error,
      );
    }

    if (status === 429 || status >= 500) {
      throw unavailable(`provisioning API returned ${status} for ${route}: ${errorText(text)}`);
    }
    if (status < 200 || status >= 300) {
      throw rejected(`provisioning API rejected ${route} with ${status}: ${errorText(text)}`);
    }

    if (text.trim() === '') return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw rejected(
        `provisioning API returned a body that is not JSON for ${route}: ${errorText(text)}`,
      );
    }
  }
}
