import { z } from 'zod';
import { parseDuration } from './durations';

const duration = z.string().transform((text, context) => {
  const millis = parseDuration(text);
  if (millis === undefined) {
    context.addIssue({
      code: 'custom',
      message: `invalid duration "${text}": use a number and a unit (s, m, h, d, w), such as "7d", or ISO 8601 such as "P30D"`,
    });
    return z.NEVER;
  }
  return millis;
});

export const checkInAnchors = ['signature', 'go-live'] as const;

export type CheckInAnchor = (typeof checkInAnchors)[number];

/** Schema of a plan file; durations are read as text and come out in milliseconds. */
export const planFileSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'use lowercase letters, digits and "-", up to 64'),
    description: z.string().default(''),
    welcomeWithin: duration.default(86_400_000),
    kickoffReminderAfter: duration.default(3 * 86_400_000),
    kickoffWithin: duration.default(7 * 86_400_000),
    kickoffLength: duration.default(3_600_000),
    implementationWithin: duration,
    trainingWithin: duration,
    firstValueWithin: duration,
    firstValueCheckInAfter: duration.default(7 * 86_400_000),
    healthCheckEvery: duration.default(7 * 86_400_000),
    checkIns: z
      .array(
        z.object({
          name: z.string().min(1),
          after: duration,
          from: z.enum(checkInAnchors),
        }),
      )
      .min(1),
    surveyWaitFor: duration,
    completeWithin: duration,
  })
  .strict()
  .refine((plan) => plan.kickoffReminderAfter < plan.kickoffWithin, {
    message: 'kickoffReminderAfter must be shorter than kickoffWithin',
    path: ['kickoffReminderAfter'],
  });

/** An onboarding plan with every duration in milliseconds, as the workflow receives it. */
export type OnboardingPlan = z.output<typeof planFileSchema>;

export type CheckInPlan = OnboardingPlan['checkIns'][number];
