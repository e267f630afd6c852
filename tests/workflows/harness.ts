import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { createActivities, ProvisioningClient } from '../../activities';
import type { OnboardingInput } from '../../domain/onboarding';
import { planFileSchema, type OnboardingPlan } from '../../domain/plan';
import { searchAttributes } from '../../domain/search-attributes';
import { onboardingWorkflowId } from '../../domain/onboarding';
import { onboardingWorkflow } from '../../workflows';
import { contacts } from '../activities/fixtures';
import type { CapturedMessage, TestSmtpServer } from '../helpers/smtp-server';
import type { TestProvisioningServer } from '../helpers/provisioning-server';
import { bundleWorkflows } from '../helpers/temporal';

const plansDir = path.resolve(__dirname, '..', '..', 'plans');

export const dayMillis = 86_400_000;

export function loadPlan(name: string): OnboardingPlan {
  const text = fs.readFileSync(path.join(plansDir, `${name}.json`), 'utf8');
  return planFileSchema.parse(JSON.parse(text));
}

export { contacts };

export function onboardingInput(
  overrides: Partial<OnboardingInput> & Pick<OnboardingInput, 'plan' | 'contractSignedAt'>,
): OnboardingInput {
  return {
    customerId: `acme-${randomUUID().slice(0, 8)}`,
    companyName: 'Acme & Co',
    segment: 'enterprise',
    timezone: 'Europe/Berlin',
    seats: 20,
    contacts,
    integrations: ['salesforce', 'sso'],
    salesNotes: 'Buying for the EMEA sales team.',
    ...overrides,
  };
}

/** Returns the X-Onboarding-Email header of each message, in order of arrival. */
export function kinds(messages: CapturedMessage[]): string[] {
  return messages.map((message) => String(message.parsed.headers.get('x-onboarding-email')));
}

export function messagesOfKind(messages: CapturedMessage[], kind: string): CapturedMessage[] {
  return messages.filter((message) => message.parsed.headers.get('x-onboarding-email') === kind);
}

/** Creates a worker on its own task queue with the real activities, sending to the test SMTP server. */
export async function createTestWorker(
  env: TestWorkflowEnvironment,
  smtp: TestSmtpServer,
  provisioningServer?: TestProvisioningServer,
): Promise<{ worker: Worker; taskQueue: string }> {
  const taskQueue = `onboarding-test-${randomUUID()}`;
  const activities = createActivities({
    transporter: smtp.createTransport(),
    from: 'Onboarding <onboarding@vendor.test>',
    provisioning: provisioningServer
      ? new ProvisioningClient({ baseUrl: provisioningServer.url, requestTimeoutMs: 5000 })
      : null,
    logger: pino({ level: 'silent' }),
    migrationPollIntervalMs: 20,
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await bundleWorkflows(),
    activities,
  });
  return { worker, taskQueue };
}

export async function startOnboarding(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  input: OnboardingInput,
): Promise<WorkflowHandle<typeof onboardingWorkflow>> {
  return env.client.workflow.start(onboardingWorkflow, {
    taskQueue,
    workflowId: onboardingWorkflowId(input.customerId),
    args: [input],
    typedSearchAttributes: [
      { key: searchAttributes.customerId, value: input.customerId },
      { key: searchAttributes.segment, value: input.segment },
      { key: searchAttributes.csmEmail, value: input.contacts.csm.email },
    ],
  });
}
