/**
 * Starts the system the way the README's quick start does (`npm run dev`), on free ports and a
 * temporary data folder, and drives one onboarding on the seconds-long `express` plan through all
 * seven stages over HTTP. The emails are read back from the .eml files of the local mail capture.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { runExpressDemo } from '../../scripts/demo';

const repoRoot = path.resolve(__dirname, '..', '..');
const startTimeoutMs = 120_000;
const stopTimeoutMs = 30_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor<T>(
  description: string,
  read: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

let dev: ChildProcess;
let exited: Promise<void>;
let dataDir: string;
let apiUrl: string;
let ports: { api: number; temporal: number; ui: number; mail: number };
let output = '';

async function api(method: string, route: string, body?: unknown) {
  const response = await fetch(`${apiUrl}${route}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function capturedMail(): Promise<ParsedMail[]> {
  const mailDir = path.join(dataDir, 'mail');
  if (!fs.existsSync(mailDir)) return [];
  const files = fs.readdirSync(mailDir).filter((name) => name.endsWith('.eml'));
  return Promise.all(files.map((name) => simpleParser(fs.readFileSync(path.join(mailDir, name)))));
}

function kindOf(message: ParsedMail): string {
  return String(message.headers.get('x-onboarding-email'));
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onboarding-e2e-'));
  ports = {
    api: await freePort(),
    temporal: await freePort(),
    ui: await freePort(),
    mail: await freePort(),
  };
  apiUrl = `http://127.0.0.1:${ports.api}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(ports.api),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    MAIL_CAPTURE_PORT: String(ports.mail),
    DATA_DIR: dataDir,
    PLANS_DIR: 'examples/plans',
  };
  for (const name of ['TEMPORAL_ADDRESS', 'SMTP_URL', 'API_TOKENS', 'PROVISIONING_URL'])
    delete env[name];

  // A process group of its own, so the test can signal npm and everything below it at once.
  dev = spawn('npm', ['run', 'dev'], { cwd: repoRoot, env, detached: true });
  dev.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  exited = new Promise((resolve) => dev.once('exit', () => resolve()));

  await waitFor(
    'the API to become ready',
    async () => ((await fetch(`${apiUrl}/readyz`)).status === 200 ? true : undefined),
    startTimeoutMs,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n--- npm run dev output ---\n${output.slice(-4000)}`);
  });
}, startTimeoutMs + 10_000);

afterAll(async () => {
  // Whatever the tests left running, such as after a failed start, goes with the group.
  try {
    if (dev?.pid !== undefined) process.kill(-dev.pid, 'SIGKILL');
  } catch {
    // The group has already exited.
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('quick start system', () => {
  test('drives an express onboarding end to end', async () => {
    const customerId = `e2e-${Date.now().toString(36)}`;

    const { started, final } = await runExpressDemo({ apiUrl, customerId });
    const unrecorded = await api(
      'POST',
      `/onboardings/${customerId}/milestones/first-value-reached`,
      { evidence: 'late' },
    );
    const repeatedMilestone = await api(
      'POST',
      `/onboardings/${customerId}/milestones/setup-complete`,
      { notes: 'a retried request' },
    );
    const repeatedSurvey = await api('POST', `/onboardings/${customerId}/survey`, {
      score: 5,
      comment: 'Smooth onboarding, thank you.',
    });
    const listed = await api('GET', '/onboardings?segment=enterprise&state=completed');
    const mail = (await capturedMail()).filter(
      (message) => message.headers.get('x-onboarding-id') === `onboarding-${customerId}`,
    );

    expect(started.stage).toBe('pre-onboarding');
    expect(final.state).toBe('completed');
    expect(final.atRisk).toBe(false);
    expect(final.stages.every((stage) => stage.completedAt)).toBe(true);
    expect(final.firstValue.reachedBy).toBe('usage');
    expect(final.summary?.surveyScore).toBe(5);
    expect(final.summary?.missedDeadlines).toEqual([]);
    expect(final.summary?.totalSeconds).toBeGreaterThan(60);
    expect(final.summary?.secondsToFirstValue).toBeGreaterThan(0);
    expect(unrecorded.status).toBe(409);
    expect(repeatedMilestone.status).toBe(200);
    expect(repeatedSurvey.status).toBe(200);
    expect(repeatedSurvey.body.state).toBe('completed');
    const expectedOnce = [
      'sales-handoff',
      'welcome',
      'implementation-packet',
      'kickoff-invite',
      'training-invite',
      'first-value-thanks',
      'first-value-check-in',
      'handoff',
      'survey',
    ];
    for (const kind of expectedOnce) {
      const count = mail.filter((message) => kindOf(message) === kind).length;
      expect({ kind, count }).toEqual({ kind, count: 1 });
    }
    expect(mail.filter((message) => kindOf(message) === 'check-in')).toHaveLength(2);
    const cancelledInvites = final.invites.filter((invite) => invite.cancelledAt);
    expect(mail.filter((message) => kindOf(message) === 'invite-cancelled')).toHaveLength(
      cancelledInvites.length,
    );
    const messageIds = mail.map((message) => message.messageId);
    expect(new Set(messageIds).size).toBe(messageIds.length);
    expect(final.emails.map((email) => email.messageId).sort()).toEqual([...messageIds].sort());
    const items = (listed.body.items as { customerId: string }[]).map((item) => item.customerId);
    expect(items).toContain(customerId);
  }, 240_000);

  test(
    'SIGTERM stops every process it started',
    async () => {
      const group = dev.pid!;

      process.kill(-group, 'SIGTERM');
      await exited;
      const groupGone = await waitFor(
        'every process of the dev command to exit',
        async () => {
          try {
            process.kill(-group, 0);
            return undefined;
          } catch {
            return true;
          }
        },
        stopTimeoutMs,
      );

      expect(groupGone).toBe(true);
      for (const port of Object.values(ports)) {
        expect({ port, listening: await isListening(port) }).toEqual({ port, listening: false });
      }
    },
    stopTimeoutMs + 5_000,
  );
});
