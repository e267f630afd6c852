import { ApplicationFailure } from '@temporalio/activity';

/**
 * `ApplicationFailure.type` values that the activities raise. Workflow code cannot import this
 * module at run time, so it compares `failure.type` against the `FailureType` union instead.
 */
export const failureTypes = {
  /** The mail server rejected the message for good: a 5xx reply, failed login or bad address. */
  emailRejected: 'EmailRejected',
  /** The mail server was unreachable, timed out or replied 4xx, so the retry policy retries. */
  emailUnavailable: 'EmailUnavailable',
  /** The activity input cannot be delivered as given, such as an empty invite window. */
  invalidRequest: 'InvalidDeliveryRequest',
  /** One step name of an onboarding was used for two different kinds of message. */
  messageIdConflict: 'MessageIdConflict',
  /** The provisioning API was unreachable, timed out, or returned 429 or 5xx, so it is retried. */
  provisioningUnavailable: 'ProvisioningUnavailable',
  /** The provisioning API returned another 4xx status or a body that breaks its contract. */
  provisioningRejected: 'ProvisioningRejected',
  /** A provisioning activity ran on a worker without a provisioning API configured. */
  provisioningNotConfigured: 'ProvisioningNotConfigured',
  /** The provisioning API reported the data migration job as failed. */
  migrationFailed: 'MigrationFailed',
} as const;

export type FailureType = (typeof failureTypes)[keyof typeof failureTypes];

/** The fields of a nodemailer error that tell a permanent failure from a transient one. */
interface SmtpErrorFields {
  code?: string;
  responseCode?: number;
  rejectedErrors?: Array<{ responseCode?: number }>;
}

/** Nodemailer codes for errors found before or without an SMTP reply, which a retry cannot fix. */
const permanentSmtpCodes = new Set(['EAUTH', 'EENVELOPE', 'EMESSAGE', 'EREQUIRETLS']);

function isPermanentSmtpError(error: SmtpErrorFields): boolean {
  // When every recipient was rejected, nodemailer reports only the last reply in responseCode.
  // A retry can still help if any recipient got a 4xx, so every reply code counts.
  const replyCodes = [
    error.responseCode,
    ...(error.rejectedErrors ?? []).map((rejected) => rejected.responseCode),
  ].filter((code): code is number => typeof code === 'number');

  if (replyCodes.length > 0) {
    return replyCodes.every((code) => code >= 500);
  }
  return error.code !== undefined && permanentSmtpCodes.has(error.code);
}

/**
 * Converts an error from nodemailer's `sendMail` into an `ApplicationFailure`. SMTP 5xx replies,
 * failed logins and invalid envelopes are non-retryable `EmailRejected`. Every 4xx reply
 * (including a temporary login failure such as 454), connection errors, timeouts and unknown
 * errors are retryable `EmailUnavailable`.
 */
export function smtpFailure(error: unknown, context: string): ApplicationFailure {
  const fields: SmtpErrorFields = typeof error === 'object' && error !== null ? error : {};
  const cause = error instanceof Error ? error : new Error(String(error));
  const permanent = isPermanentSmtpError(fields);

  return ApplicationFailure.create({
    type: permanent ? failureTypes.emailRejected : failureTypes.emailUnavailable,
    message: `${context} failed: ${cause.message}`,
    nonRetryable: permanent,
    cause,
  });
}

export function invalidRequest(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, failureTypes.invalidRequest);
}
