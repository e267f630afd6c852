import type express from 'express';
import request from 'supertest';
import { milestoneNames } from '../../domain/stages';
import {
  eventually,
  kickoffHeldBody,
  startApiHarness,
  startBody,
  uniqueCustomerId,
  type ApiHarness,
} from './harness';

let harness: ApiHarness;
let app: express.Express;

beforeAll(async () => {
  harness = await startApiHarness('updates');
  app = harness.app();
});

afterAll(async () => {
  await harness?.close();
});

/** Starts an onboarding and waits until pre-onboarding has sent the kickoff invite. */
async function startPastPreOnboarding(prefix: string): Promise<string> {
  const customerId = uniqueCustomerId(prefix);
  await request(app).post('/onboardings').send(startBody(customerId)).expect(201);
  await eventually(
    () => deliveriesOf(customerId, 'kickoff-invite')[0],
    `kickoff invite for ${customerId}`,
  );
  return customerId;
}

function deliveriesOf(customerId: string, kind: string) {
  return harness.deliveries(customerId, kind);
}

async function workflowStatusName(customerId: string): Promise<string> {
  const description = await harness.env.client.workflow
    .getHandle(`onboarding-${customerId}`)
    .describe();
  return description.status.name;
}

describe('GET /onboardings/:customerId', () => {
  test('returns status of running onboarding', async () => {
    const customerId = uniqueCustomerId('status');
    await request(app).post('/onboardings').send(startBody(customerId)).expect(201);

    const response = await request(app).get(`/onboardings/${customerId}`);

    expect(response.status).toBe(200);
    expect(response.body.customerId).toBe(customerId);
    expect(response.body.companyName).toBe('Acme Corp');
    expect(response.body.plan).toBe('enterprise');
  });

  test('unknown customer returns 404', async () => {
    const customerId = uniqueCustomerId('nobody');

    const response = await request(app).get(`/onboardings/${customerId}`);

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
    expect(response.body.error.message).toContain(customerId);
  });

  test('invalid customerId returns 400', async () => {
    const response = await request(app).get('/onboardings/Not_A_Customer');

    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('customerId');
  });
});

describe('POST /onboardings/:customerId/milestones/:milestone', () => {
  test('unknown milestone returns 400 listing valid', async () => {
    const customerId = uniqueCustomerId('unknown-milestone');

    const response = await request(app)
      .post(`/onboardings/${customerId}/milestones/contract-renewed`)
      .send({});

    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('milestone');
    expect(response.body.error.message).toContain('"contract-renewed"');
    for (const name of milestoneNames) expect(response.body.error.message).toContain(name);
  });

  test('invalid milestone body returns 400', async () => {
    const customerId = uniqueCustomerId('bad-body');
    const body: Partial<ReturnType<typeof kickoffHeldBody>> = kickoffHeldBody();
    delete body.successCriteria;

    const response = await request(app)
      .post(`/onboardings/${customerId}/milestones/kickoff-held`)
      .send(body);

    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('successCriteria');
  });

  test('script URL in milestone returns 400', async () => {
    const customerId = uniqueCustomerId('script-url');

    const response = await request(app)
      .post(`/onboardings/${customerId}/milestones/recordings-published`)
      .send({ urls: ['https://learn.vendor.example/admin', 'javascript:alert(1)'] });

    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      { field: 'urls.1', message: 'use an http or https URL' },
    ]);
  });

  test('milestone for unknown customer returns 404', async () => {
    const customerId = uniqueCustomerId('nobody');

    const response = await request(app)
      .post(`/onboardings/${customerId}/milestones/first-value-reached`)
      .send({ evidence: '60 active users' });

    expect(response.status).toBe(404);
    expect(response.body.error.message).toContain(customerId);
  });

  test('out-of-order milestone returns 409 with reason', async () => {
    const customerId = uniqueCustomerId('out-of-order');
    await request(app).post('/onboardings').send(startBody(customerId)).expect(201);

    const response = await request(app)
      .post(`/onboardings/${customerId}/milestones/uat-approved`)
      .send({ approvedBy: { name: 'Dana Whitfield', email: 'dana.whitfield@acme.example' } });

    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('conflict');
    expect(response.body.error.message).toMatch(/uat-approved belongs to the implementation stage/);
    const status = await request(app).get(`/onboardings/${customerId}`).expect(200);
    expect(status.body.milestones['uat-approved']).toBeUndefined();
  });

  test('kickoff-held moves onboarding to implementation', async () => {
    const customerId = await startPastPreOnboarding('kickoff');

    const response = await request(app)
      .post(`/onboardings/${customerId}/milestones/kickoff-held`)
      .send(kickoffHeldBody());

    expect(response.status).toBe(200);
    expect(response.body.stage).toBe('implementation');
    expect(response.body.milestones['kickoff-held'].details.successCriteria).toHaveLength(1);
    expect(response.body.kickoff.firstValueMilestone.metric).toBe('activeUsers');
  });

  test('repeated milestone returns recorded result once', async () => {
    const customerId = await startPastPreOnboarding('repeat');
    const first = await request(app)
      .post(`/onboardings/${customerId}/milestones/kickoff-held`)
      .send(kickoffHeldBody())
      .expect(200);
    await eventually(
      () => deliveriesOf(customerId, 'training-invite')[0],
      `training invite for ${customerId}`,
    );

    const repeat = await request(app)
      .post(`/onboardings/${customerId}/milestones/kickoff-held`)
      .send(kickoffHeldBody());
    // Gives a second invite, if the repeat wrongly caused one, time to reach the SMTP server.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    expect(repeat.status).toBe(200);
    expect(repeat.body.milestones['kickoff-held'].recordedAt).toBe(
      first.body.milestones['kickoff-held'].recordedAt,
    );
    expect(deliveriesOf(customerId, 'training-invite')).toHaveLength(1);
    expect(deliveriesOf(customerId, 'kickoff-invite')).toHaveLength(1);
  });
});

describe('usage, survey and provisioning updates', () => {
  test('usage report returns updated metrics', async () => {
    const customerId = uniqueCustomerId('usage');
    await request(app).post('/onboardings').send(startBody(customerId)).expect(201);

    const response = await request(app)
      .post(`/onboardings/${customerId}/usage`)
      .send({ activeUsers: 12, reportsCreated: 3 });

    expect(response.status).toBe(200);
    expect(response.body.usage.metrics).toEqual({ activeUsers: 12, reportsCreated: 3 });
  });

  test('invalid usage metric returns 400', async () => {
    const customerId = uniqueCustomerId('usage-invalid');

    const response = await request(app)
      .post(`/onboardings/${customerId}/usage`)
      .send({ activeUsers: -1 });

    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('activeUsers');
  });

  test('survey before it is sent returns 409', async () => {
    const customerId = uniqueCustomerId('survey');
    await request(app).post('/onboardings').send(startBody(customerId)).expect(201);

    const response = await request(app)
      .post(`/onboardings/${customerId}/survey`)
      .send({ score: 5 });

    expect(response.status).toBe(409);
    expect(response.body.error.message).toBe('the satisfaction survey has not been sent yet');
  });

  test('provisioning retry restarts failed provisioning', async () => {
    const customerId = await startPastPreOnboarding('provision');
    harness.provisioning.failNext(1, {
      status: 400,
      error: 'seats must be positive',
      route: 'POST /tenants',
    });
    await request(app)
      .post(`/onboardings/${customerId}/milestones/kickoff-held`)
      .send(kickoffHeldBody())
      .expect(200);
    await eventually(async () => {
      const status = await request(app).get(`/onboardings/${customerId}`);
      return status.body.provisioning.status === 'failed' ? true : undefined;
    }, `failed provisioning of ${customerId}`);

    const retry = await request(app).post(`/onboardings/${customerId}/provisioning/retry`);

    expect(retry.status).toBe(200);
    expect(retry.body.provisioning.run).toBe(2);
    expect(retry.body.provisioning.status).toBe('running');
    const completed = await eventually(async () => {
      const status = await request(app).get(`/onboardings/${customerId}`);
      return status.body.provisioning.status === 'completed' ? status.body : undefined;
    }, `completed provisioning of ${customerId}`);
    expect(completed.provisioning.tenantId).toBeDefined();
    expect(deliveriesOf(customerId, 'provisioning-failed')).toHaveLength(1);
  });

  test('provisioning retry when not failed returns 409', async () => {
    const customerId = uniqueCustomerId('retry');
    await request(app).post('/onboardings').send(startBody(customerId)).expect(201);

    const response = await request(app).post(`/onboardings/${customerId}/provisioning/retry`);

    expect(response.status).toBe(409);
    expect(response.body.error.message).toMatch(/only failed provisioning can be retried/);
  });
});

describe('POST /onboardings/:customerId/cancel', () => {
  test('cancel returns cancelled status and notifies once', async () => {
    const customerId = await startPastPreOnboarding('cancel');

    const response = await request(app)
      .post(`/onboardings/${customerId}/cancel`)
      .send({ reason: 'Customer terminated the contract' });

    expect(response.status).toBe(200);
    expect(response.body.state).toBe('cancelled');
    expect(response.body.cancellation.reason).toBe('Customer terminated the contract');
    await eventually(
      () => deliveriesOf(customerId, 'onboarding-cancelled')[0],
      `cancellation notice for ${customerId}`,
    );
    expect(deliveriesOf(customerId, 'onboarding-cancelled')).toHaveLength(1);
  });

  test('cancel without reason returns 400', async () => {
    const customerId = uniqueCustomerId('cancel-invalid');

    const response = await request(app).post(`/onboardings/${customerId}/cancel`).send({});

    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('reason');
  });

  test('milestone after cancellation returns 409', async () => {
    const customerId = await startPastPreOnboarding('closed');
    await request(app)
      .post(`/onboardings/${customerId}/cancel`)
      .send({ reason: 'Duplicate account' })
      .expect(200);
    await eventually(
      async () => ((await workflowStatusName(customerId)) === 'COMPLETED' ? true : undefined),
      `workflow of ${customerId} to close`,
    );

    const response = await request(app)
      .post(`/onboardings/${customerId}/milestones/kickoff-held`)
      .send(kickoffHeldBody());

    expect(response.status).toBe(409);
    expect(response.body.error.message).toBe(`onboarding ${customerId} is cancelled`);
  });

  test('new start after cancellation succeeds', async () => {
    const customerId = await startPastPreOnboarding('restart');
    await request(app)
      .post(`/onboardings/${customerId}/cancel`)
      .send({ reason: 'Signed the wrong plan' })
      .expect(200);
    await eventually(
      async () => ((await workflowStatusName(customerId)) === 'COMPLETED' ? true : undefined),
      `workflow of ${customerId} to close`,
    );

    const restart = await request(app)
      .post('/onboardings')
      .send(startBody(customerId, { plan: 'express' }));

    expect(restart.status).toBe(201);
    const status = await request(app).get(`/onboardings/${customerId}`).expect(200);
    expect(status.body.state).toBe('active');
    expect(status.body.plan).toBe('express');
  });

  test('status of closed onboarding remains readable', async () => {
    const customerId = await startPastPreOnboarding('closed-status');
    await request(app)
      .post(`/onboardings/${customerId}/cancel`)
      .send({ reason: 'Duplicate account' })
      .expect(200);
    await eventually(
      async () => ((await workflowStatusName(customerId)) === 'COMPLETED' ? true : undefined),
      `workflow of ${customerId} to close`,
    );

    const response = await request(app).get(`/onboardings/${customerId}`);

    expect(response.status).toBe(200);
    expect(response.body.state).toBe('cancelled');
    expect(response.body.summary.outcome).toBe('cancelled');
  });
});
