import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { planFileSchema, type OnboardingPlan } from '../domain/plan';
import { segments, type Segment } from '../domain/stages';
import { issueDetails } from './validation';

/** The folder of plans that ship with the project. */
export const builtInPlansDir = path.resolve(__dirname, '..', 'plans');

/** Raised at start-up when a plan file cannot be read or is invalid. */
export class PlanFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`invalid plan file ${file}: ${message}`);
    this.name = 'PlanFileError';
  }
}

/** The onboarding plans the API can start, by name. */
export class PlanRegistry {
  private readonly plans: ReadonlyMap<string, OnboardingPlan>;

  constructor(plans: Iterable<OnboardingPlan>) {
    this.plans = new Map([...plans].map((plan) => [plan.name, plan]));
  }

  /** Returns the plan with this name, or undefined when none is loaded. */
  resolvePlan(name: string): OnboardingPlan | undefined {
    return this.plans.get(name);
  }

  /** Returns the plan an onboarding of this segment gets when the request names none. */
  defaultPlanFor(segment: Segment): OnboardingPlan | undefined {
    return this.plans.get(segment);
  }

  /** Returns the names of every loaded plan, sorted. */
  names(): string[] {
    return [...this.plans.keys()].sort();
  }
}

function describeIssues(error: z.ZodError, input: unknown): string {
  return issueDetails(error, input)
    .map((detail) => `${detail.field || '(file)'}: ${detail.message}`)
    .join('; ');
}

/** Reads and validates one plan file. Throws PlanFileError naming the file and the field. */
export function readPlanFile(file: string): OnboardingPlan {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PlanFileError(file, error instanceof Error ? error.message : String(error));
  }

  const result = planFileSchema.safeParse(json);
  if (!result.success) throw new PlanFileError(file, describeIssues(result.error, json));
  return result.data;
}

/** Reads every `*.json` file of one folder in name order. Two files with one plan name fail. */
function readPlanFolder(dir: string): Map<string, { plan: OnboardingPlan; file: string }> {
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((entry) => entry.endsWith('.json'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot read plans folder ${dir}: ${reason}`);
  }

  const plans = new Map<string, { plan: OnboardingPlan; file: string }>();
  for (const entry of entries.sort()) {
    const file = path.join(dir, entry);
    const plan = readPlanFile(file);
    const earlier = plans.get(plan.name);
    if (earlier) {
      throw new PlanFileError(file, `name: plan "${plan.name}" is also defined in ${earlier.file}`);
    }
    plans.set(plan.name, { plan, file });
  }
  return plans;
}

/**
 * Loads the plans of each folder in order, so a plan in a later folder replaces the plan of the
 * same name from an earlier one. Fails when a file is invalid or when a segment has no plan named
 * after it, because that plan is the default for the segment's onboardings.
 */
export function loadPlans(dirs: string[], logger: Logger): PlanRegistry {
  const loaded = new Map<string, { plan: OnboardingPlan; file: string }>();
  for (const dir of dirs) {
    for (const [name, entry] of readPlanFolder(dir)) {
      const replaced = loaded.get(name);
      if (replaced) {
        logger.info({ plan: name, file: entry.file, replacedFile: replaced.file }, 'plan replaced');
      }
      loaded.set(name, entry);
    }
  }

  const missing = segments.filter((segment) => !loaded.has(segment));
  if (missing.length > 0) {
    throw new Error(
      `no default plan for segment ${missing.join(', ')}: add a plan file with "name": "${missing[0]}" to ${dirs.join(' or ')}`,
    );
  }

  logger.info({ plans: [...loaded.keys()].sort(), dirs }, 'plans loaded');
  return new PlanRegistry([...loaded.values()].map((entry) => entry.plan));
}
