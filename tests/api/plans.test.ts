import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtInPlansDir, loadPlans, PlanFileError, readPlanFile } from '../../api/plans';
import { startOnboardingSchema, milestoneBodySchemas } from '../../domain/requests';
import { isMilestoneName, milestoneNames } from '../../domain/stages';
import { capturingLogger } from './harness';

const repoRoot = path.resolve(__dirname, '..', '..');
const dayMillis = 86_400_000;
const tempDirs: string[] = [];

function planFolder(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'plans-'));
  tempDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const text = typeof content === 'string' ? content : JSON.stringify(content);
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function planJson(name: string, overrides: Record<string, unknown> = {}) {
  const plan = JSON.parse(readFileSync(path.join(builtInPlansDir, 'mid-market.json'), 'utf8'));
  return { ...plan, name, ...overrides };
}

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('built-in plans', () => {
  const { logger } = capturingLogger();
  const plans = loadPlans([builtInPlansDir], logger);

  test.each([
    ['self-serve', 0, 30],
    ['mid-market', 30, 90],
    ['enterprise', 90, 180],
  ])('%s completes within its range', (segment, minDays, maxDays) => {
    const plan = plans.resolvePlan(segment)!;

    expect(plan.completeWithin).toBeGreaterThan(minDays * dayMillis);
    expect(plan.completeWithin).toBeLessThanOrEqual(maxDays * dayMillis);
    expect(plan.welcomeWithin).toBe(dayMillis);
    expect(plan.kickoffWithin).toBe(7 * dayMillis);
    expect(plan.healthCheckEvery).toBe(7 * dayMillis);
  });

  test.each(['self-serve', 'mid-market', 'enterprise'] as const)(
    '%s check-ins fall before completion',
    (segment) => {
      const plan = plans.defaultPlanFor(segment)!;
      const lastCheckIn = Math.max(...plan.checkIns.map((checkIn) => checkIn.after));

      expect(plan.name).toBe(segment);
      expect(lastCheckIn + plan.surveyWaitFor).toBeLessThanOrEqual(plan.completeWithin);
    },
  );

  test('express example runs in minutes', () => {
    const express = readPlanFile(path.join(repoRoot, 'examples', 'plans', 'express.json'));

    expect(express.name).toBe('express');
    expect(express.completeWithin).toBeLessThanOrEqual(5 * 60_000);
    expect(express.kickoffWithin).toBeLessThan(60_000);
  });
});

describe('loadPlans', () => {
  test('invalid duration names file and field', () => {
    const dir = planFolder({
      'self-serve.json': planJson('self-serve'),
      'mid-market.json': planJson('mid-market', { kickoffWithin: 'a week' }),
      'enterprise.json': planJson('enterprise'),
    });

    const load = () => loadPlans([dir], capturingLogger().logger);

    expect(load).toThrow(PlanFileError);
    expect(load).toThrow(path.join(dir, 'mid-market.json'));
    expect(load).toThrow(/kickoffWithin: invalid duration "a week"/);
  });

  test('nested field error names its path', () => {
    const dir = planFolder({
      'self-serve.json': planJson('self-serve', {
        checkIns: [{ name: '30-day', after: '30d', from: 'renewal' }],
      }),
    });

    expect(() => loadPlans([dir], capturingLogger().logger)).toThrow(/checkIns\.0\.from/);
  });

  test('malformed JSON names file', () => {
    const dir = planFolder({ 'broken.json': '{ "name": "broken", ' });

    expect(() => loadPlans([dir], capturingLogger().logger)).toThrow(
      `invalid plan file ${path.join(dir, 'broken.json')}`,
    );
  });

  test('unknown field is rejected', () => {
    const dir = planFolder({ 'extra.json': planJson('extra', { discount: 10 }) });

    expect(() => loadPlans([dir], capturingLogger().logger)).toThrow(/discount/);
  });

  test('later folder replaces plan and logs', () => {
    const { logger, lines } = capturingLogger();
    const dir = planFolder({ 'fast.json': planJson('enterprise', { completeWithin: '120d' }) });

    const plans = loadPlans([builtInPlansDir, dir], logger);

    expect(plans.resolvePlan('enterprise')!.completeWithin).toBe(120 * dayMillis);
    const replaced = lines()
      .map((line) => JSON.parse(line))
      .find((entry) => entry.msg === 'plan replaced');
    expect(replaced).toMatchObject({ plan: 'enterprise', file: path.join(dir, 'fast.json') });
  });

  test('duplicate name within folder fails', () => {
    const dir = planFolder({ 'a.json': planJson('twin'), 'b.json': planJson('twin') });

    expect(() => loadPlans([dir], capturingLogger().logger)).toThrow(/also defined in/);
  });

  test('missing segment plan fails', () => {
    const dir = planFolder({ 'express.json': planJson('express') });

    expect(() => loadPlans([dir], capturingLogger().logger)).toThrow(
      /no default plan for segment self-serve, mid-market, enterprise/,
    );
  });

  test('missing folder names folder', () => {
    const dir = path.join(tmpdir(), 'no-such-plans-folder');

    expect(() => loadPlans([dir], capturingLogger().logger)).toThrow(dir);
  });
});

describe('example requests', () => {
  test('customer example is valid start body', () => {
    const body = JSON.parse(readFileSync(path.join(repoRoot, 'examples', 'customer.json'), 'utf8'));

    const parsed = startOnboardingSchema.parse(body);

    expect(parsed.customerId).toBe('acme-corp');
    expect(parsed.segment).toBe('enterprise');
    expect(parsed.plan).toBeUndefined();
  });

  test.each(milestoneNames)('%s example body is valid', (milestone) => {
    const file = path.join(repoRoot, 'examples', 'milestones', `${milestone}.json`);
    const body = JSON.parse(readFileSync(file, 'utf8'));

    const result = milestoneBodySchemas[milestone].safeParse(body);

    expect(isMilestoneName(milestone)).toBe(true);
    expect(result.error).toBeUndefined();
  });
});
