import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../api/app';
import { PlanRegistry } from '../../api/plans';
import {
  capturingLogger,
  eventually,
  startApiHarness,
  startBody,
  uniqueCustomerId,
  type ApiHarness,
} from './harness';

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness('access');
});

afterAll(async () => {
  await harness?.close();
});

describe('bearer token authentication', () => {
  const token = 'test-token-7f3a9c';

  test('missing token returns 401', async () => {
    const app = harness.app({ apiTokens: [token] });

    const response = await request(app).get('/onboardings');

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthorized');
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  test('wrong token returns 401', async () => {
    const app = harness.app({ apiTokens: [token] });

    const response = await request(app)
      .post('/onboardings')
      .set('Authorization', 'Bearer test-token-0000')
      .send(startBody(uniqueCustomerId('wrong-token')));

    expect(response.status).toBe(401);
    expect(response.body.error.message).toBe('invalid bearer token');
  });

  test('any configured token is accepted', async () => {
    const app = harness.app({ apiTokens: ['first-token', token] });
    const customerId = uniqueCustomerId('token');

    const response = await request(app)
      .post('/onboardings')
      .set('Authorization', `Bearer ${token}`)
      .send(startBody(customerId));

    expect(response.status).toBe(201);
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  test('health routes need no token', async () => {
    const app = harness.app({ apiTokens: [token] });

    const health = await request(app).get('/healthz');
    const ready = await request(app).get('/readyz');

    expect(health.status).toBe(200);
    expect(ready.status).toBe(200);
  });

  test('logs omit token and request body', async () => {
    const { logger, lines } = capturingLogger();
    const app = harness.app({ apiTokens: [token], logger });
    const customerId = uniqueCustomerId('logs');
    const secretNote = 'confidential-discount-note';

    const response = await request(app)
      .post('/onboardings')
      .set('Authorization', `Bearer ${token}`)
      .send(startBody(customerId, { salesNotes: secretNote }))
      .expect(201);

    const logged = lines().join('\n');
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(secretNote);
    expect(logged).toContain(response.headers['x-request-id']);
    const started = lines()
      .map((line) => JSON.parse(line))
      .find((entry) => entry.msg === 'onboarding started');
    expect(started.customerId).toBe(customerId);
    expect(started.workflowId).toBe(`onboarding-${customerId}`);
  });
});

describe('health routes', () => {
  test('readyz returns 200 with worker polling', async () => {
    const app = harness.app();

    const response = await request(app).get('/readyz');

    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ready');
    expect(response.body.checks.worker.ok).toBe(true);
  });

  test('readyz returns 503 without worker', async () => {
    const app = harness.app({ taskQueue: `no-worker-${uniqueCustomerId('queue')}` });

    const response = await request(app).get('/readyz');

    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('not_ready');
    expect(response.body.error.details).toEqual([
      { field: 'worker', message: expect.stringMatching(/^no worker polls task queue/) },
    ]);
  });

  test('healthz returns 200', async () => {
    const app = harness.app();

    const response = await request(app).get('/healthz');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });
});

describe('GET /onboardings', () => {
  test('filters by segment and stage', async () => {
    const app = harness.app();
    const enterprise = uniqueCustomerId('list-enterprise');
    const selfServe = uniqueCustomerId('list-self-serve');
    await request(app).post('/onboardings').send(startBody(enterprise)).expect(201);
    await request(app)
      .post('/onboardings')
      .send(startBody(selfServe, { segment: 'self-serve', companyName: 'Tiny Shop' }))
      .expect(201);

    const listed = await eventually(async () => {
      const response = await request(app)
        .get('/onboardings')
        .query({ segment: 'self-serve', stage: 'kickoff', state: 'active', atRisk: 'false' })
        .expect(200);
      const ids = response.body.items.map((item: { customerId: string }) => item.customerId);
      return ids.includes(selfServe) ? response.body : undefined;
    }, 'self-serve onboarding in the kickoff stage');

    const ids = listed.items.map((item: { customerId: string }) => item.customerId);
    expect(ids).not.toContain(enterprise);
    const item = listed.items.find(
      (entry: { customerId: string }) => entry.customerId === selfServe,
    );
    expect(item).toMatchObject({
      onboardingId: `onboarding-${selfServe}`,
      companyName: 'Tiny Shop',
      plan: 'self-serve',
      segment: 'self-serve',
      stage: 'kickoff',
      atRisk: false,
      state: 'active',
      executionStatus: 'RUNNING',
    });
    expect(Date.parse(item.startTime)).not.toBeNaN();
    const atRisk = await request(app).get('/onboardings').query({ atRisk: 'true' }).expect(200);
    const atRiskIds = atRisk.body.items.map((entry: { customerId: string }) => entry.customerId);
    expect(atRiskIds).not.toContain(selfServe);
  });

  test('atRisk filter finds overdue onboarding', async () => {
    const app = harness.app();
    const customerId = uniqueCustomerId('list-overdue');
    const signedMonthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
    await request(app)
      .post('/onboardings')
      .send(startBody(customerId, { contractSignedAt: signedMonthAgo }))
      .expect(201);

    const listed = await eventually(async () => {
      const response = await request(app).get('/onboardings').query({ atRisk: 'true' });
      return response.body.items.find(
        (item: { customerId: string }) => item.customerId === customerId,
      );
    }, 'overdue onboarding in the at-risk list');

    expect(listed.atRisk).toBe(true);
    expect(listed.state).toBe('active');
  });

  test('stage filter excludes other stages', async () => {
    const app = harness.app();
    const customerId = uniqueCustomerId('list-stage');
    await request(app).post('/onboardings').send(startBody(customerId)).expect(201);
    await eventually(async () => {
      const response = await request(app).get('/onboardings').query({ segment: 'enterprise' });
      const ids = response.body.items.map((item: { customerId: string }) => item.customerId);
      return ids.includes(customerId) ? true : undefined;
    }, 'enterprise onboarding in the list');

    const response = await request(app)
      .get('/onboardings')
      .query({ segment: 'enterprise', stage: 'completion' });

    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([]);
  });

  test('limit bounds the page', async () => {
    const app = harness.app();
    for (const prefix of ['page-a', 'page-b']) {
      await request(app)
        .post('/onboardings')
        .send(startBody(uniqueCustomerId(prefix)))
        .expect(201);
    }
    await eventually(async () => {
      const response = await request(app).get('/onboardings').query({ limit: 500 });
      return response.body.items.length >= 2 ? true : undefined;
    }, 'two onboardings in the list');

    const response = await request(app).get('/onboardings').query({ limit: 1 });

    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(1);
    expect(response.body.limit).toBe(1);
    expect(response.body.hasMore).toBe(true);
  });

  test.each([
    ['unknown stage', { stage: 'launch' }, 'stage'],
    ['non-boolean atRisk', { atRisk: 'yes' }, 'atRisk'],
    ['limit over 500', { limit: 501 }, 'limit'],
    ['unknown filter', { owner: 'me' }, 'owner'],
  ])('rejects %s with 400', async (_case, query, field) => {
    const app = harness.app();

    const response = await request(app).get('/onboardings').query(query);

    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe(field);
  });
});

describe('failures outside the request', () => {
  test('unreachable Temporal returns 503', async () => {
    // Without the default retry interceptor the client reports UNAVAILABLE at once, where it
    // would otherwise retry until the call's deadline and end in a 504.
    const connection = await Connection.lazy({ address: '127.0.0.1:1', interceptors: [] });
    const app = harness.app({ client: new Client({ connection }) });

    const status = await request(app).get(`/onboardings/${uniqueCustomerId('offline')}`);
    const ready = await request(app).get('/readyz');
    await connection.close();

    expect(status.status).toBe(503);
    expect(status.body.error.code).toBe('temporal_unavailable');
    expect(ready.status).toBe(503);
    expect(ready.body.error.details.map((detail: { field: string }) => detail.field)).toEqual([
      'temporal',
      'worker',
    ]);
  });

  test('start without worker returns minimal status', async () => {
    const app = harness.app({ taskQueue: `no-worker-${uniqueCustomerId('queue')}` });
    const customerId = uniqueCustomerId('no-worker');

    const response = await request(app).post('/onboardings').send(startBody(customerId));

    expect(response.status).toBe(201);
    expect(response.body.status).toEqual({
      onboardingId: `onboarding-${customerId}`,
      customerId,
      companyName: 'Acme Corp',
      segment: 'enterprise',
      plan: 'enterprise',
      state: 'active',
      stage: 'pre-onboarding',
      atRisk: false,
    });
  });

  test('status without worker returns 504', async () => {
    const { logger, lines } = capturingLogger();
    const app = harness.app({ taskQueue: `no-worker-${uniqueCustomerId('queue')}`, logger });
    const customerId = uniqueCustomerId('no-worker-status');
    await request(app).post('/onboardings').send(startBody(customerId)).expect(201);

    const response = await request(app).get(`/onboardings/${customerId}`);

    const unexpected = lines().filter((line) => line.includes('unexpected error'));
    expect(unexpected).toEqual([]);
    expect(response.status).toBe(504);
    expect(response.body.error.code).toBe('timeout');
    expect(response.body.error.message).toMatch(/no worker polls the task queue/);
  });

  test('unexpected error returns 500 with request id', async () => {
    const { logger, lines } = capturingLogger();
    const app = createApp({
      client: harness.env.client,
      plans: new PlanRegistry([]),
      taskQueue: harness.taskQueue,
      logger,
    });

    const response = await request(app)
      .post('/onboardings')
      .send(startBody(uniqueCustomerId('no-plans')));

    expect(response.status).toBe(500);
    expect(response.body.error.code).toBe('internal_error');
    expect(response.body.error.requestId).toBe(response.headers['x-request-id']);
    const logged = lines().map((line) => JSON.parse(line));
    const failure = logged.find((entry) => entry.msg === 'request failed with an unexpected error');
    expect(failure.requestId).toBe(response.body.error.requestId);
    expect(failure.err.message).toBe('no default plan is loaded for segment enterprise');
  });
});
