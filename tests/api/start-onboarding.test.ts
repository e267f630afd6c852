import request from 'supertest';
import { searchAttributes } from '../../domain/search-attributes';
import { startApiHarness, startBody, uniqueCustomerId, type ApiHarness } from './harness';

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness('start');
});

afterAll(async () => {
  await harness?.close();
});

describe('POST /onboardings', () => {
  test('starts onboarding with segment plan', async () => {
    const app = harness.app();
    const customerId = uniqueCustomerId('start');

    const response = await request(app).post('/onboardings').send(startBody(customerId));

    expect(response.status).toBe(201);
    expect(response.headers.location).toBe(`/onboardings/${customerId}`);
    expect(response.body.onboardingId).toBe(`onboarding-${customerId}`);
    expect(response.body.customerId).toBe(customerId);
    expect(response.body.status.plan).toBe('enterprise');
    expect(response.body.status.state).toBe('active');
    expect(response.body.status.stage).toBe('pre-onboarding');
    expect(response.body.status.stages).toHaveLength(7);
  });

  test('sets search attributes and summary', async () => {
    const app = harness.app();
    const customerId = uniqueCustomerId('attributes');

    await request(app)
      .post('/onboardings')
      .send(startBody(customerId, { segment: 'mid-market', plan: 'express' }))
      .expect(201);
    const description = await harness.env.client.workflow
      .getHandle(`onboarding-${customerId}`)
      .describe();

    const attributes = description.typedSearchAttributes;
    expect(attributes.get(searchAttributes.customerId)).toBe(customerId);
    expect(attributes.get(searchAttributes.segment)).toBe('mid-market');
    expect(attributes.get(searchAttributes.csmEmail)).toBe('priya.natarajan@vendor.example');
    expect(attributes.get(searchAttributes.state)).toBe('active');
    expect(attributes.get(searchAttributes.atRisk)).toBe(false);
    expect(description.type).toBe('onboardingWorkflow');
    expect(description.taskQueue).toBe(harness.taskQueue);
    expect(await description.staticSummary()).toBe('Acme Corp · mid-market · plan express');
    expect(await description.staticDetails()).toContain('Priya Natarajan');
    expect(description.memo).toEqual({ companyName: 'Acme Corp', plan: 'express' });
  });

  test('duplicate start returns 409 naming workflow', async () => {
    const app = harness.app();
    const customerId = uniqueCustomerId('duplicate');
    await request(app).post('/onboardings').send(startBody(customerId)).expect(201);

    const response = await request(app).post('/onboardings').send(startBody(customerId));

    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('conflict');
    expect(response.body.error.message).toContain(`onboarding-${customerId}`);
    expect(response.body.error.details[0].field).toBe('customerId');
  });

  test.each([
    ['bad customerId', { customerId: 'Acme Corp!' }, 'customerId'],
    [
      'bad email',
      {
        contacts: {
          projectOwner: { name: 'Dana', email: 'dana@acme.example' },
          executiveSponsor: { name: 'Luis', email: 'luis@acme.example' },
          csm: { name: 'Priya', email: 'not-an-email' },
        },
      },
      'contacts.csm.email',
    ],
    ['unknown timezone', { timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    [
      'missing csm contact',
      {
        contacts: {
          projectOwner: { name: 'Dana', email: 'dana@acme.example' },
          executiveSponsor: { name: 'Luis', email: 'luis@acme.example' },
        },
      },
      'contacts.csm',
    ],
    ['extra field', { discount: 20 }, 'discount'],
    ['zero seats', { seats: 0 }, 'seats'],
    ['unknown segment', { segment: 'government' }, 'segment'],
    ['line break in company name', { companyName: 'Acme\r\nBcc: x@evil.test' }, 'companyName'],
    ['bidi override in company name', { companyName: 'Acme \u202Egnp.exe' }, 'companyName'],
    ['C1 control in company name', { companyName: 'Acme\u0085Corp' }, 'companyName'],
    ['lone surrogate in company name', { companyName: 'Acme \ud800' }, 'companyName'],
    ['signature in year 0', { contractSignedAt: '0000-01-01T00:00:00Z' }, 'contractSignedAt'],
    ['signature far ahead', { contractSignedAt: '9999-12-31T23:59:59Z' }, 'contractSignedAt'],
  ])('rejects %s with 400 naming field', async (_case, overrides, field) => {
    const app = harness.app();
    const customerId = uniqueCustomerId('invalid');

    const response = await request(app).post('/onboardings').send(startBody(customerId, overrides));

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain(
      field,
    );
    expect(response.body.error.message).toContain(field);
  });

  test('missing contact reads missing', async () => {
    const app = harness.app();
    const body = startBody(uniqueCustomerId('missing'));
    const { projectOwner, executiveSponsor } = body.contacts;

    const response = await request(app)
      .post('/onboardings')
      .send({ ...body, contacts: { projectOwner, executiveSponsor } });

    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      { field: 'contacts.csm', message: 'missing: expected object' },
    ]);
  });

  test('unknown plan returns 400 listing plans', async () => {
    const app = harness.app();
    const customerId = uniqueCustomerId('plan');

    const response = await request(app)
      .post('/onboardings')
      .send(startBody(customerId, { plan: 'platinum' }));

    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('plan');
    expect(response.body.error.message).toContain('platinum');
    expect(response.body.error.message).toContain('enterprise, express, mid-market, self-serve');
  });

  test('rejected start creates no workflow', async () => {
    const app = harness.app();
    const customerId = uniqueCustomerId('rejected');

    await request(app)
      .post('/onboardings')
      .send(startBody(customerId, { plan: 'platinum' }))
      .expect(400);
    const status = await request(app).get(`/onboardings/${customerId}`);

    expect(status.status).toBe(404);
  });
});

describe('malformed requests', () => {
  test('malformed JSON returns 400', async () => {
    const app = harness.app();

    const response = await request(app)
      .post('/onboardings')
      .set('Content-Type', 'application/json')
      .send('{"customerId": "acme",');

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.body.error.code).toBe('invalid_json');
    expect(response.body.error.message).toMatch(/not valid JSON/);
  });

  test('JSON null body returns 400', async () => {
    const app = harness.app();

    const response = await request(app)
      .post('/onboardings')
      .set('Content-Type', 'application/json')
      .send('null');

    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe('request body must be a JSON object');
  });

  test('undecodable path returns 400', async () => {
    const app = harness.app();

    const response = await request(app).get('/onboardings/%E0%A4%A');

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('bad_request');
  });

  test('body over 1 MB returns 413', async () => {
    const app = harness.app();
    const body = startBody(uniqueCustomerId('large'), { salesNotes: 'x'.repeat(1_100_000) });

    const response = await request(app).post('/onboardings').send(body);

    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('payload_too_large');
  });

  test('vendor JSON content type is parsed', async () => {
    const app = harness.app();

    const response = await request(app)
      .post('/onboardings')
      .set('Content-Type', 'application/vnd.onboarding+json')
      .send(JSON.stringify(startBody(uniqueCustomerId('vendor-json'), { seats: -1 })));

    expect(response.status).toBe(400);
    expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toEqual([
      'seats',
    ]);
  });

  test('non-JSON content type returns 415', async () => {
    const app = harness.app();

    const response = await request(app)
      .post('/onboardings')
      .set('Content-Type', 'text/plain')
      .send('customerId=acme');

    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('unsupported_media_type');
    expect(response.body.error.message).toContain('text/plain');
  });

  test('missing body returns 400', async () => {
    const app = harness.app();

    const response = await request(app).post('/onboardings');

    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/request body is missing/);
  });

  test('JSON array body returns 400', async () => {
    const app = harness.app();

    const response = await request(app).post('/onboardings').send([1, 2]);

    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
  });

  test('unknown route returns 404 JSON', async () => {
    const app = harness.app();

    const response = await request(app).get('/customers');

    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.body.error.code).toBe('not_found');
    expect(response.body.error.message).toBe('no route for GET /customers');
  });

  test('wrong method returns 404 JSON', async () => {
    const app = harness.app();

    const response = await request(app).delete('/onboardings');

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });
});
