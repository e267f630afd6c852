/**
 * Drives one onboarding on the seconds-long `express` plan through all seven stages over HTTP
 * (`npm run demo`), against a system started with `PLANS_DIR=examples/plans npm run dev`. It takes
 * about a minute and prints each step.
 *
 * API_URL (default http://127.0.0.1:3000), API_TOKEN (a bearer token, when API_TOKENS is set) and
 * CUSTOMER_ID (default demo-<time>) adjust it. The end-to-end test runs the same steps.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { OnboardingStatus } from '../domain/onboarding';

const examplesDir = path.resolve(__dirname, '..', 'examples');
const pollIntervalMs = 500;
const usageIntervalMs = 5_000;

export interface DemoOptions {
  apiUrl: string;
  customerId: string;
  token?: string;
  log?: (line: string) => void;
}

export interface DemoResult {
  started: OnboardingStatus;
  final: OnboardingStatus;
}

export class DemoError extends Error {
  override name = 'DemoError';
}

function readExample(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) as Record<
    string,
    unknown
  >;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs the demo onboarding from start to the recorded survey and returns its first and last status. */
export async function runExpressDemo(options: DemoOptions): Promise<DemoResult> {
  const { apiUrl, customerId } = options;
  const log = options.log ?? (() => undefined);
  const onboarding = `/onboardings/${customerId}`;

  async function call(method: string, route: string, body?: unknown): Promise<OnboardingStatus> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    const response = await fetch(`${apiUrl}${route}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload = (await response.json()) as Record<string, unknown>;
    if (!response.ok) {
      const error = payload.error as { message?: string } | undefined;
      throw new DemoError(`${method} ${route} failed with ${response.status}: ${error?.message}`);
    }
    return payload as unknown as OnboardingStatus;
  }

  async function waitFor(
    description: string,
    done: (status: OnboardingStatus) => boolean,
    timeoutMs: number,
  ) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const status = await call('GET', onboarding);
      if (done(status)) return status;
      if (Date.now() > until)
        throw new DemoError(`timed out waiting for ${description}; stage ${status.stage}`);
      await sleep(pollIntervalMs);
    }
  }

  const now = new Date();
  const inOneDay = new Date(now.getTime() + 86_400_000).toISOString();
  const customer = readExample('customer.json');
  const kickoff = readExample('milestones/kickoff-held.json');
  const projectPlan = kickoff.projectPlan as Record<string, unknown>;
  const target = (kickoff.firstValueMilestone as { metric: string; target: number }).target;

  const created = await call('POST', '/onboardings', {
    ...customer,
    customerId,
    plan: 'express',
    contractSignedAt: now.toISOString(),
  });
  const started = (created as unknown as { status: OnboardingStatus }).status ?? created;
  log(`started ${customerId} on the express plan`);
  await waitFor('the kickoff stage', (status) => status.stage !== 'pre-onboarding', 30_000);
  log('pre-onboarding emails sent: sales handoff, welcome, implementation packet, kickoff invite');

  await call('POST', `${onboarding}/milestones/kickoff-held`, {
    ...kickoff,
    goLiveTarget: inOneDay,
    trainingSessions: [{ kind: 'admin', startsAt: inOneDay, title: 'Admin training' }],
    projectPlan: {
      ...projectPlan,
      milestones: [{ name: 'UAT sign-off', dueBy: inOneDay }],
      signedAt: now.toISOString(),
    },
  });
  // With PROVISIONING_URL set, setup-complete waits until provisioning has finished.
  await waitFor(
    'provisioning',
    ({ provisioning }) => ['completed', 'not-configured'].includes(provisioning.status),
    60_000,
  );
  await call(
    'POST',
    `${onboarding}/milestones/setup-complete`,
    readExample('milestones/setup-complete.json'),
  );
  await call(
    'POST',
    `${onboarding}/milestones/uat-approved`,
    readExample('milestones/uat-approved.json'),
  );
  log('kickoff held, setup complete, UAT approved: the onboarding is live');

  for (const milestone of [
    'admin-training-done',
    'end-user-training-done',
    'certification-done',
    'recordings-published',
  ]) {
    await call(
      'POST',
      `${onboarding}/milestones/${milestone}`,
      readExample(`milestones/${milestone}.json`),
    );
  }
  log('training done');

  // Steady usage at the kickoff target reaches first value and keeps the health score up.
  let surveySent = false;
  const reportUsage = async () => {
    while (!surveySent) {
      await call('POST', `${onboarding}/usage`, { activeUsers: target, reportsRun: 4 });
      await sleep(usageIntervalMs);
    }
  };
  const usage = reportUsage();
  await waitFor('first value', (status) => status.firstValue.reachedAt !== undefined, 30_000);
  log(`first value reached: ${target} active users; waiting for the check-ins`);
  await waitFor(
    'the satisfaction survey',
    (status) => status.survey.sentAt !== undefined,
    120_000,
  ).finally(() => (surveySent = true));
  await usage;
  log('check-ins, handoff and survey sent');

  await call('POST', `${onboarding}/survey`, {
    score: 5,
    comment: 'Smooth onboarding, thank you.',
  });
  const final = await waitFor('completion', (status) => status.state !== 'active', 30_000);
  log(`onboarding ${final.state}: ${JSON.stringify(final.summary)}`);
  return { started, final };
}

async function main(): Promise<void> {
  const apiUrl =
    process.env.API_URL?.trim() || `http://127.0.0.1:${process.env.PORT?.trim() || 3000}`;
  const customerId = process.env.CUSTOMER_ID?.trim() || `demo-${Date.now().toString(36)}`;
  try {
    await runExpressDemo({
      apiUrl,
      customerId,
      token: process.env.API_TOKEN,
      log: (line) => console.log(line),
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    if (String(error).includes('unknown plan')) {
      console.error(
        'Start the system with PLANS_DIR=examples/plans npm run dev to load the express plan.',
      );
    }
    process.exit(1);
  }
}

if (require.main === module) void main();
