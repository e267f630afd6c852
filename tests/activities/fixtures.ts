import { ApplicationFailure } from '@temporalio/activity';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import type { OnboardingSnapshot } from '../../domain/onboarding';

export const hostileCompanyName = '<script>alert(1)</script> Acme & Co';

export const contacts = {
  projectOwner: { name: 'Olga Owner', email: 'olga@acme.test' },
  executiveSponsor: { name: 'Sam Sponsor', email: 'sam@acme.test' },
  csm: { name: 'Dana Csm', email: 'dana@vendor.test' },
  ongoingCsm: { name: 'Omar Ongoing', email: 'omar@vendor.test' },
  escalation: { name: 'Erin Escalation', email: 'erin@vendor.test' },
};

export function snapshot(overrides: Partial<OnboardingSnapshot> = {}): OnboardingSnapshot {
  return {
    onboardingId: 'onboarding-acme',
    executionId: '0f3c9a1e',
    customerId: 'acme',
    companyName: hostileCompanyName,
    segment: 'enterprise',
    planName: 'enterprise',
    timezone: 'America/New_York',
    seats: 250,
    contacts: {
      projectOwner: contacts.projectOwner,
      executiveSponsor: contacts.executiveSponsor,
      csm: contacts.csm,
      escalation: contacts.escalation,
    },
    ...overrides,
  };
}

/** Creates a pino logger that parses each JSON line it writes into `lines`. */
export function recordingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, destination), lines };
}

/** Awaits `promise`, expects it to reject with an ApplicationFailure, and returns that failure. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }
  throw new Error('expected the activity to fail, but it succeeded');
}
