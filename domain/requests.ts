import { z } from 'zod';
import { onboardingStages, segments, type MilestoneName } from './stages';

/** Returns whether the runtime supports the IANA time zone, such as "Europe/Berlin". */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Control characters (C0 and C1), unpaired surrogates, invisible separators and the bidirectional
 * overrides that can make a name read backwards. Text from requests ends up in email headers,
 * bodies and calendar files, where these do harm.
 */
const forbiddenCharacters = /[\p{Cc}\p{Cs}\u200B\u2028\u2029\uFEFF\u202A-\u202E\u2066-\u2069]/u;

/** One line of text, such as a name or a title. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !forbiddenCharacters.test(value), {
      error: 'must be a single line without control characters',
    });

/** Free text that may span lines, such as notes: line breaks and tabs are allowed. */
const prose = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((value) => !forbiddenCharacters.test(value.replace(/[\r\n\t]/g, '')), {
      error: 'must not contain control characters other than line breaks and tabs',
    });

const dateTime = z.iso.datetime({ offset: true });

/** The earliest contract date accepted; anything before it is a typo, not a real contract. */
const earliestSignature = Date.parse('2000-01-01T00:00:00Z');
/** How far ahead of the server's clock a signature may lie, to allow for clock skew. */
const signatureClockSkewMillis = 86_400_000;
/** A link that ends up in customer emails, so schemes such as javascript: and data: are rejected. */
const webUrl = z.url({ protocol: /^https?$/, error: 'use an http or https URL' });

export const contactSchema = z.object({ name: text(200), email: z.email() }).strict();

export type Contact = z.infer<typeof contactSchema>;

export const customerIdSchema = z
  .string()
  .regex(/^[a-z0-9-]{1,64}$/, 'use 1 to 64 lowercase letters, digits and "-"');

export const startOnboardingSchema = z
  .object({
    customerId: customerIdSchema,
    companyName: text(200),
    segment: z.enum(segments),
    plan: z.string().min(1).max(64).optional(),
    contractSignedAt: dateTime.refine(
      (value) => {
        const signedAt = Date.parse(value);
        return signedAt >= earliestSignature && signedAt <= Date.now() + signatureClockSkewMillis;
      },
      { error: 'must lie between 2000-01-01 and tomorrow' },
    ),
    timezone: z.string().refine(isTimeZone, 'unknown IANA time zone, such as "Europe/Berlin"'),
    seats: z.number().int().positive().max(1_000_000),
    contacts: z
      .object({
        projectOwner: contactSchema,
        executiveSponsor: contactSchema,
        csm: contactSchema,
        ongoingCsm: contactSchema.optional(),
        escalation: contactSchema.optional(),
      })
      .strict(),
    integrations: z
      .array(
        z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'use lowercase names such as "salesforce"'),
      )
      .max(50)
      .refine((names) => new Set(names).size === names.length, 'integrations must not repeat')
      .default([]),
    salesNotes: prose(20_000).optional(),
  })
  .strict();

export type StartOnboardingRequest = z.infer<typeof startOnboardingSchema>;

const trainingSessionSchema = z
  .object({
    kind: z.enum(['admin', 'end-user', 'certification']),
    startsAt: dateTime,
    title: text(200).optional(),
  })
  .strict();

export type TrainingSession = z.infer<typeof trainingSessionSchema>;

const metricName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'use a name such as "activeUsers"');

export const kickoffHeldSchema = z
  .object({
    successCriteria: z.array(text(1000)).min(1).max(50),
    firstValueMilestone: z
      .object({ description: text(1000), metric: metricName, target: z.number().positive() })
      .strict(),
    goLiveTarget: dateTime,
    communicationNorms: prose(5000).optional(),
    trainingSessions: z.array(trainingSessionSchema).max(50).default([]),
    projectPlan: z
      .object({
        milestones: z
          .array(z.object({ name: text(200), dueBy: dateTime }).strict())
          .min(1)
          .max(100),
        signedBy: contactSchema,
        signedAt: dateTime,
      })
      .strict(),
    notes: prose(20_000).optional(),
  })
  .strict();

export type KickoffHeld = z.infer<typeof kickoffHeldSchema>;

export const milestoneBodySchemas = {
  'kickoff-held': kickoffHeldSchema,
  'setup-complete': z
    .object({
      notes: prose(20_000).pipe(z.string().min(1)),
      configured: z
        .object({
          settings: z.array(text(500)).max(200).default([]),
          customFields: z.array(text(500)).max(200).default([]),
          workflows: z.array(text(500)).max(200).default([]),
        })
        .strict()
        .optional(),
    })
    .strict(),
  'uat-approved': z
    .object({ approvedBy: contactSchema, testEnvironmentUrl: webUrl.optional() })
    .strict(),
  'admin-training-done': z.object({ notes: prose(20_000).optional() }).strict(),
  'end-user-training-done': z.object({ notes: prose(20_000).optional() }).strict(),
  'certification-done': z.object({ powerUsers: z.array(z.email()).min(1).max(500) }).strict(),
  'recordings-published': z.object({ urls: z.array(webUrl).min(1).max(100) }).strict(),
  'first-value-reached': z.object({ evidence: prose(5000).pipe(z.string().min(1)) }).strict(),
} satisfies Record<MilestoneName, z.ZodType>;

/** A milestone with its validated body, as the workflow's update receives it. */
export type MilestoneRecord = {
  [M in MilestoneName]: { milestone: M; details: z.output<(typeof milestoneBodySchemas)[M]> };
}[MilestoneName];

export const usageReportSchema = z
  .record(metricName, z.number().finite().nonnegative())
  .refine((metrics) => Object.keys(metrics).length > 0, 'report at least one metric')
  .refine((metrics) => Object.keys(metrics).length <= 100, 'report at most 100 metrics');

export type UsageReport = z.infer<typeof usageReportSchema>;

export const surveyAnswerSchema = z
  .object({ score: z.number().int().min(1).max(5), comment: prose(5000).default('') })
  .strict();

export type SurveyAnswer = z.infer<typeof surveyAnswerSchema>;

export const cancelOnboardingSchema = z
  .object({ reason: prose(2000).pipe(z.string().min(1)) })
  .strict();

export type CancelOnboarding = z.infer<typeof cancelOnboardingSchema>;

export const listOnboardingsSchema = z
  .object({
    stage: z.enum(onboardingStages).optional(),
    segment: z.enum(segments).optional(),
    atRisk: z.enum(['true', 'false']).optional(),
    state: z.enum(['active', 'completed', 'cancelled']).optional(),
  })
  .strict();
