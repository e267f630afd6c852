import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { Logger } from 'pino';
import type { DeliveryReceipt, InviteReceipt, MessageKind } from '../domain/delivery';
import type { CalendarInvite } from '../domain/onboarding';
import type { Contact } from '../domain/requests';
import type { CalendarMessage } from './calendar';
import { failureTypes, invalidRequest, smtpFailure } from './errors';
import type { RenderedMessage } from './render';
import type { Recipients } from './templates';

/** The part of a nodemailer transporter that delivery uses, so SMTP and pooled SMTP both fit. */
export type MailTransport = Pick<Transporter<SMTPTransport.SentMessageInfo>, 'sendMail'>;

export interface MailSenderOptions {
  transport: MailTransport;
  /** The From address, such as "Onboarding <onboarding@example.com>". */
  from: string | Mail.Address;
  logger: Logger;
  /** Domain part of generated Message-IDs, by default the domain of `from`. */
  messageIdDomain?: string;
  /** Number of Message-IDs remembered as delivered before the oldest is forgotten. */
  deliveredCacheSize?: number;
}

export interface OutgoingEmail {
  kind: MessageKind;
  onboardingId: string;
  executionId: string;
  step: string;
  recipients: Recipients;
  message: RenderedMessage;
  calendar?: CalendarMessage;
}

type Receipt = DeliveryReceipt | InviteReceipt;

const defaultDeliveredCacheSize = 10_000;
const fallbackDomain = 'onboarding.local';

function domainOf(from: string | Mail.Address): string | undefined {
  const address =
    typeof from === 'string' ? addressparser(from, { flatten: true })[0]?.address : from.address;
  const at = address?.lastIndexOf('@') ?? -1;
  return address && at >= 0 ? address.slice(at + 1) : undefined;
}

/**
 * Builds the Message-ID of one step of an onboarding, such as
 * `<onboarding-acme.0f3c9a1e.welcome@example.com>`. The execution id keeps two onboardings of one
 * customer apart. Characters outside letters, digits, ".", "_" and "-" are replaced, and a hash of
 * the original text then keeps two such steps from sharing an id.
 */
export function messageIdFor(
  onboarding: { onboardingId: string; executionId: string },
  step: string,
  domain: string,
): string {
  const original = `${onboarding.onboardingId}.${onboarding.executionId}.${step}`;
  const safe = original
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^\.+|\.+$/g, '');
  if (safe === original) return `<${safe}@${domain}>`;

  const hash = createHash('sha256').update(original).digest('hex').slice(0, 10);
  return `<${safe}.${hash}@${domain}>`;
}

/** Lists each address once, in order, ignoring case. */
function uniqueContacts(contacts: Contact[], exclude: Set<string> = new Set()): Contact[] {
  const seen = new Set(exclude);
  return contacts.filter((contact) => {
    const key = contact.email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const toAddress = (contact: Contact): Mail.Address => ({
  name: contact.name,
  address: contact.email,
});

/**
 * Sends onboarding emails with deterministic Message-IDs. A repeated send of one of the last
 * `deliveredCacheSize` Message-IDs that this process delivered returns the first receipt instead.
 *
 * NOTE: the record of delivered Message-IDs lives in memory, so a worker that crashes after the
 * mail server accepted a message but before Temporal recorded the activity as completed sends it
 * again from the next worker, with the same Message-ID.
 */
export class MailSender {
  private readonly delivered = new Map<string, Promise<Receipt>>();
  private readonly domain: string;
  private readonly cacheSize: number;

  constructor(private readonly options: MailSenderOptions) {
    this.domain = options.messageIdDomain ?? domainOf(options.from) ?? fallbackDomain;
    this.cacheSize = options.deliveredCacheSize ?? defaultDeliveredCacheSize;
  }

  messageIdFor(onboarding: { onboardingId: string; executionId: string }, step: string): string {
    return messageIdFor(onboarding, step, this.domain);
  }

  async send(email: OutgoingEmail): Promise<DeliveryReceipt> {
    return this.deliverOnce(email, (receipt) => receipt);
  }

  async sendInvite(email: OutgoingEmail, invite: CalendarInvite): Promise<InviteReceipt> {
    const receipt = await this.deliverOnce(email, (sent) => ({ ...sent, invite }));
    if (!('invite' in receipt)) {
      throw this.conflict(email, receipt.kind, receipt.messageId);
    }
    return receipt;
  }

  private deliverOnce(
    email: OutgoingEmail,
    toReceipt: (sent: DeliveryReceipt) => Receipt,
  ): Promise<Receipt> {
    const messageId = this.messageIdFor(email, email.step);
    const earlier = this.delivered.get(messageId);
    if (earlier) return this.reuse(earlier, email, messageId);

    const delivery = this.deliver(email, messageId).then(toReceipt);
    this.remember(messageId, delivery);
    // A failed attempt is forgotten, so the activity's retry sends the message again.
    void delivery.catch(() => {
      if (this.delivered.get(messageId) === delivery) this.delivered.delete(messageId);
    });
    return delivery;
  }

  private async reuse(earlier: Promise<Receipt>, email: OutgoingEmail, messageId: string) {
    const receipt = await earlier;
    if (receipt.kind !== email.kind) throw this.conflict(email, receipt.kind, messageId);

    this.options.logger.info(
      { onboardingId: email.onboardingId, kind: email.kind, step: email.step, messageId },
      'email already sent by this worker, returning the first receipt',
    );
    return receipt;
  }

  private remember(messageId: string, delivery: Promise<Receipt>): void {
    this.delivered.set(messageId, delivery);
    // Maps iterate in insertion order, so the first key is the oldest entry.
    while (this.delivered.size > this.cacheSize) {
      const oldest = this.delivered.keys().next().value;
      if (oldest === undefined) break;
      this.delivered.delete(oldest);
    }
  }

  private conflict(email: OutgoingEmail, sentKind: MessageKind, messageId: string) {
    return ApplicationFailure.nonRetryable(
      `step "${email.step}" of onboarding ${email.onboardingId} was already used for a ` +
        `${sentKind} message (${messageId}), so the ${email.kind} message cannot reuse it: ` +
        'give each message its own step',
      failureTypes.messageIdConflict,
    );
  }

  private async deliver(email: OutgoingEmail, messageId: string): Promise<DeliveryReceipt> {
    const { logger, transport, from } = this.options;
    const { kind, onboardingId, step, message, calendar } = email;
    const to = uniqueContacts(email.recipients.to);
    const cc = uniqueContacts(
      email.recipients.cc,
      new Set(to.map((contact) => contact.email.toLowerCase())),
    );
    if (to.length === 0) {
      throw invalidRequest(`the ${kind} email of onboarding ${onboardingId} has no recipients`);
    }

    const sentAt = new Date();
    const fields = { onboardingId, kind, step, messageId };
    let info: SMTPTransport.SentMessageInfo;
    try {
      info = await transport.sendMail({
        from,
        to: to.map(toAddress),
        cc: cc.map(toAddress),
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId,
        date: sentAt,
        headers: { 'X-Onboarding-Id': onboardingId, 'X-Onboarding-Email': kind },
        icalEvent: calendar && {
          method: calendar.method,
          content: calendar.content,
          filename: 'invite.ics',
        },
      });
    } catch (error) {
      const failure = smtpFailure(error, `sending the ${kind} email ${messageId}`);
      logger.warn(
        { ...fields, err: error, failureType: failure.type, retryable: !failure.nonRetryable },
        'email delivery failed',
      );
      throw failure;
    }

    if (info.rejected.length > 0) {
      logger.warn(
        { ...fields, rejected: info.rejected.length, accepted: info.accepted.length },
        'mail server rejected some recipients of an email',
      );
    }
    logger.info({ ...fields, recipients: to.length + cc.length }, 'email sent');

    return {
      kind,
      step,
      messageId,
      to: [...to, ...cc].map((contact) => contact.email),
      sentAt: sentAt.toISOString(),
    };
  }
}
