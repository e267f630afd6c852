/**
 * Temporal servers for tests, started from the binaries in .venv/bin because the SDK's own download
 * needs internet access. Both listen on 127.0.0.1 only and have the onboarding search attributes
 * registered.
 *
 *   const env = await createTimeSkippingEnv();     // or createLocalEnv()
 *   const worker = await Worker.create({
 *     connection: env.nativeConnection,
 *     taskQueue,
 *     workflowBundle: await bundleWorkflows(),
 *     activities,
 *   });
 *   ...
 *   await env.teardown();
 *
 * Search attributes on the time-skipping test server (temporal-test-server 1.40.0):
 * - AddSearchAttributes registers them. A second registration fails with ALREADY_EXISTS, which
 *   registerSearchAttributes accepts.
 * - Workflows can set them at start and upsert them, and describe() returns them.
 * - An upsert of an unregistered attribute fails the workflow task ("BadSearchAttributes").
 * - ListSearchAttributes, ListWorkflowExecutions and CountWorkflowExecutions are unimplemented, so
 *   tests of visibility queries such as GET /onboardings need createLocalEnv().
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { onboardingSearchAttributeKeys, registerSearchAttributes } from '../../worker/temporal';
import { loopbackLauncherPath, temporalCliPath, testServerPath } from '../setup/binaries';

export { findExecutable, repoRoot, temporalCliPath, testServerPath } from '../setup/binaries';

/** The namespace both environments create at start. */
export const testNamespace = 'default';

/**
 * Starts the time-skipping test server on a free port of 127.0.0.1 and registers the onboarding
 * search attributes. The server runs through scripts/loopback-test-server.js, because on its own
 * it listens on every interface.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: {
      executable: { type: 'existing-path', path: loopbackLauncherPath },
      extraArgs: ['--server', testServerPath()],
    },
  });
  await registerOrTeardown(env);
  return env;
}

export interface LocalEnvOptions {
  /** Serve the Web UI on this port of 127.0.0.1, to inspect a test's workflows; off by default. */
  uiPort?: number;
}

/**
 * Starts the Temporal CLI dev server (in memory, on a free port of 127.0.0.1) with the onboarding
 * search attributes. It has the full server's visibility queries but no time skipping.
 */
export async function createLocalEnv(
  options: LocalEnvOptions = {},
): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      ip: '127.0.0.1',
      namespace: testNamespace,
      searchAttributes: onboardingSearchAttributeKeys,
      ...(options.uiPort === undefined ? {} : { ui: true, uiPort: options.uiPort }),
      extraArgs: ['--ui-disable-news-fetch'],
    },
  });
  // The dev server registered them at start; this also checks that each has the expected type.
  await registerOrTeardown(env);
  return env;
}

async function registerOrTeardown(env: TestWorkflowEnvironment): Promise<void> {
  try {
    await registerSearchAttributes(env.connection, env.namespace ?? testNamespace);
  } catch (error) {
    await env.teardown();
    throw error;
  }
}

let workflowBundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * Bundles workflows/ once per test file (Jest gives each file its own module registry), so every
 * worker in the file reuses one bundle instead of running webpack again.
 */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  workflowBundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  return workflowBundle;
}
