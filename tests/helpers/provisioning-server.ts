/**
 * An in-memory provisioning API on 127.0.0.1 for tests, serving the routes the activities call:
 *
 *   POST /tenants                   {customerId, companyName, seats} -> 201 {id}
 *   POST /tenants/:id/integrations  {integrations: string[]}        -> 200 {tenantId, integrations}
 *   POST /tenants/:id/migrations    {customerId}                    -> 202 {id, status: 'running'}
 *   GET  /migrations/:id                                            -> 200 {id, status, error?}
 *
 * Every POST needs an Idempotency-Key header. A repeated key returns the first response again,
 * unless it was a 5xx, and a key reused for another route gets 422. Errors are JSON `{error}` bodies.
 *
 *   const api = await startTestProvisioningServer({ migrationRunningPolls: 3 });
 *   api.url                                   // base URL for ProvisioningClient
 *   api.failNext(2, { status: 503 });         // the next two requests get 503
 *   api.failNext(1, { status: 400, error: 'seats must be positive', route: 'POST /tenants' });
 *   api.configure({ migrationOutcome: 'failed', migrationError: 'source unreachable' });
 *   api.requests                              // method, path, headers and body of each request
 *   api.tenants, api.migrations               // what the API has stored
 *   await api.close();
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProvisioningServerOptions {
  /** Number of status requests that return `running` before the outcome, by default 0. */
  migrationRunningPolls: number;
  /** Default 'completed'. */
  migrationOutcome: 'completed' | 'failed';
  /** The error text of a failed migration. */
  migrationError: string;
  /** Delay before each response in milliseconds, to test client timeouts, by default 0. */
  responseDelayMs: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  /** The status code the server returned. */
  status: number;
}

export interface TestTenant {
  id: string;
  customerId: string;
  companyName: string;
  seats: number;
  integrations: string[];
}

export interface TestMigration {
  id: string;
  tenantId: string;
  customerId: string;
  /** Number of status requests received so far. */
  polls: number;
  status: 'running' | 'completed' | 'failed';
}

export interface ScriptedFailure {
  /** HTTP status, by default 500. */
  status?: number;
  /** Text of the `{error}` body, by default "scripted failure". */
  error?: string;
  /** Fail only requests whose "METHOD /path" starts with this, such as "GET /migrations". */
  route?: string;
}

export interface TestProvisioningServer {
  /** Base URL, such as `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly tenants: Map<string, TestTenant>;
  readonly migrations: Map<string, TestMigration>;
  /** Makes the next `count` matching requests fail with the given status and error text. */
  failNext(count: number, failure?: ScriptedFailure): void;
  configure(options: Partial<ProvisioningServerOptions>): void;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
}

const fail = (status: number, error: string): Reply => ({ status, body: { error } });

type ParsedBody = { valid: true; value: unknown } | { valid: false };

function parseBody(text: string): ParsedBody {
  if (text === '') return { valid: true, value: undefined };
  try {
    return { valid: true, value: JSON.parse(text) as unknown };
  } catch {
    return { valid: false };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function startTestProvisioningServer(
  initial: Partial<ProvisioningServerOptions> = {},
): Promise<TestProvisioningServer> {
  const options: ProvisioningServerOptions = {
    migrationRunningPolls: 0,
    migrationOutcome: 'completed',
    migrationError: 'the source system could not be read',
    responseDelayMs: 0,
    ...initial,
  };
  const requests: RecordedRequest[] = [];
  const tenants = new Map<string, TestTenant>();
  const migrations = new Map<string, TestMigration>();
  const replies = new Map<string, { path: string; reply: Reply }>();
  const failures: Array<Required<Omit<ScriptedFailure, 'route'>> & { route?: string }> = [];
  let nextId = 1;

  function createTenant(body: unknown): Reply {
    if (!isRecord(body)) return fail(400, 'body must be a JSON object');
    const { customerId, companyName, seats } = body;
    if (typeof customerId !== 'string' || customerId === '') {
      return fail(400, 'customerId is required');
    }
    if (typeof companyName !== 'string' || companyName === '') {
      return fail(400, 'companyName is required');
    }
    if (typeof seats !== 'number' || !Number.isInteger(seats) || seats <= 0) {
      return fail(400, 'seats must be a positive integer');
    }
    const tenant = { id: `tenant-${nextId++}`, customerId, companyName, seats, integrations: [] };
    tenants.set(tenant.id, tenant);
    return { status: 201, body: { id: tenant.id } };
  }

  function connectIntegrations(tenantId: string, body: unknown): Reply {
    const tenant = tenants.get(tenantId);
    if (!tenant) return fail(404, `tenant ${tenantId} not found`);
    const integrations = isRecord(body) ? body.integrations : undefined;
    if (!Array.isArray(integrations) || !integrations.every((name) => typeof name === 'string')) {
      return fail(400, 'integrations must be an array of names');
    }
    tenant.integrations.push(...integrations);
    return { status: 200, body: { tenantId, integrations } };
  }

  function startMigration(tenantId: string, body: unknown): Reply {
    if (!tenants.has(tenantId)) return fail(404, `tenant ${tenantId} not found`);
    const customerId = isRecord(body) ? body.customerId : undefined;
    if (typeof customerId !== 'string' || customerId === '') {
      return fail(400, 'customerId is required');
    }
    const migration: TestMigration = {
      id: `migration-${nextId++}`,
      tenantId,
      customerId,
      polls: 0,
      status: 'running',
    };
    migrations.set(migration.id, migration);
    return { status: 202, body: { id: migration.id, status: migration.status } };
  }

  function getMigration(migrationId: string): Reply {
    const migration = migrations.get(migrationId);
    if (!migration) return fail(404, `migration ${migrationId} not found`);
    migration.polls += 1;
    if (migration.status === 'running' && migration.polls > options.migrationRunningPolls) {
      migration.status = options.migrationOutcome;
    }
    const error = migration.status === 'failed' ? { error: options.migrationError } : {};
    return { status: 200, body: { id: migration.id, status: migration.status, ...error } };
  }

  function route(method: string, path: string, body: unknown): Reply {
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (method === 'POST' && segments.length === 1 && segments[0] === 'tenants') {
      return createTenant(body);
    }
    if (method === 'POST' && segments.length === 3 && segments[0] === 'tenants') {
      if (segments[2] === 'integrations') return connectIntegrations(segments[1] ?? '', body);
      if (segments[2] === 'migrations') return startMigration(segments[1] ?? '', body);
    }
    if (method === 'GET' && segments.length === 2 && segments[0] === 'migrations') {
      return getMigration(segments[1] ?? '');
    }
    return fail(404, `no route for ${method} ${path}`);
  }

  function takeFailure(request: string): Reply | undefined {
    const index = failures.findIndex(
      (failure) => !failure.route || request.startsWith(failure.route),
    );
    if (index < 0) return undefined;
    const [failure] = failures.splice(index, 1);
    return failure && fail(failure.status, failure.error);
  }

  function handle(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: ParsedBody,
  ): Reply {
    const scripted = takeFailure(`${method} ${path}`);
    if (scripted) return scripted;
    if (!body.valid) return fail(400, 'body is not valid JSON');
    if (method !== 'POST') return route(method, path, body.value);

    const key = headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') return fail(400, 'missing Idempotency-Key header');
    const earlier = replies.get(key);
    if (earlier) {
      if (earlier.path !== path) {
        return fail(422, `Idempotency-Key ${key} was already used for POST ${earlier.path}`);
      }
      return earlier.reply;
    }
    const reply = route(method, path, body.value);
    // Server errors are not stored, so a retry with the same key runs the request again.
    if (reply.status < 500) replies.set(key, { path, reply });
    return reply;
  }

  function send(response: ServerResponse, reply: Reply): void {
    response.writeHead(reply.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(reply.body));
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const method = request.method ?? 'GET';
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      const text = Buffer.concat(chunks).toString('utf8');
      const body = parseBody(text);
      const reply = handle(method, path, request.headers, body);
      requests.push({
        method,
        path,
        headers: request.headers,
        body: body.valid ? body.value : text,
        status: reply.status,
      });
      setTimeout(() => send(response, reply), options.responseDelayMs);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tenants,
    migrations,
    failNext(count, failure = {}) {
      for (let i = 0; i < count; i++) {
        failures.push({
          status: failure.status ?? 500,
          error: failure.error ?? 'scripted failure',
          route: failure.route,
        });
      }
    },
    configure(next) {
      Object.assign(options, next);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
