/**
 * A real SMTP server on 127.0.0.1 for tests. It keeps every accepted message, raw and parsed by
 * mailparser, and can reply with an SMTP error code to test failure handling.
 *
 *   const smtp = await startTestSmtpServer();
 *   const transporter = smtp.createTransport();     // nodemailer transport pointed at it
 *   // ...send mail...
 *   const [message] = await smtp.waitForMessages(1); // message.parsed.subject, .envelope.to, .raw
 *   smtp.rejectWith({ code: 550 });                  // reject every recipient from now on
 *   smtp.rejectWith({ code: 451, times: 2 });        // reject the next two messages, then accept
 *   smtp.rejectWith({ code: 554, stage: 'data' });   // reject after the message body
 *   smtp.rejectWith({ code: 550, recipients: ['sam@acme.test'] }); // reject one address only
 *   smtp.acceptAll();                                // forget every rejection
 *   await smtp.close();
 *
 * Rejections add up: for each SMTP command, the first one added that matches applies.
 * The server offers neither STARTTLS nor AUTH, so clients send in plain text without a login.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface CapturedMessage {
  /** The SMTP envelope: MAIL FROM and every accepted RCPT TO, including Bcc recipients. */
  envelope: { from: string; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
  receivedAt: Date;
}

/** The SMTP command that a rejection replies to. */
export type SmtpStage = 'mail' | 'rcpt' | 'data';

export interface SmtpRejection {
  /** SMTP reply code, such as 550 (permanent) or 451 (temporary). */
  code: number;
  message?: string;
  /** Default 'rcpt': every recipient of the message is rejected. */
  stage?: SmtpStage;
  /** Number of messages to reject before accepting again, by default all of them. */
  times?: number;
  /** Refuse only these recipient addresses (case-insensitive) at the 'rcpt' stage. */
  recipients?: string[];
}

export interface TestSmtpServer {
  readonly port: number;
  /** `smtp://127.0.0.1:PORT` */
  readonly url: string;
  /** Every accepted message, oldest first. */
  readonly messages: CapturedMessage[];
  createTransport(): Transporter<SMTPTransport.SentMessageInfo>;
  /** Adds a rejection. Earlier ones stay in force. */
  rejectWith(rejection: SmtpRejection): void;
  acceptAll(): void;
  /** Resolves once at least `count` messages have arrived, and rejects after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<CapturedMessage[]>;
  /** Forgets the captured messages. */
  clear(): void;
  close(): Promise<void>;
}

interface ActiveRejection {
  code: number;
  message: string;
  stage: SmtpStage;
  remaining: number;
  recipients?: Set<string>;
  rejectedTransactions: Set<string>;
}

interface Waiter {
  count: number;
  resolve: (messages: CapturedMessage[]) => void;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  const messages: CapturedMessage[] = [];
  const waiters: Waiter[] = [];
  const rejections: ActiveRejection[] = [];

  function rejectionError(
    stage: SmtpStage,
    session: SMTPServerSession,
    recipient?: string,
  ): Error | undefined {
    const transaction = `${session.id}:${session.transaction}`;
    for (const rejection of rejections) {
      if (rejection.stage !== stage) continue;
      if (rejection.recipients && !rejection.recipients.has(recipient?.toLowerCase() ?? ''))
        continue;
      // Rejecting several recipients of one message counts as one rejected message.
      if (!rejection.rejectedTransactions.has(transaction)) {
        if (rejection.remaining <= 0) continue;
        rejection.remaining -= 1;
        rejection.rejectedTransactions.add(transaction);
      }
      return smtpError(rejection.code, rejection.message);
    }
    return undefined;
  }

  function notifyWaiters(): void {
    for (const waiter of [...waiters]) {
      if (messages.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve([...messages]);
      }
    }
  }

  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 1000,
    onMailFrom(_address, session, callback) {
      callback(rejectionError('mail', session));
    },
    onRcptTo(address, session, callback) {
      callback(rejectionError('rcpt', session, address.address));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const rejected = rejectionError('data', session);
        if (rejected) return callback(rejected);

        const raw = Buffer.concat(chunks);
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
        };
        simpleParser(raw).then(
          (parsed) => {
            // The message is stored before the reply, so a resolved sendMail means it is here.
            messages.push({ envelope, raw, parsed, receivedAt: new Date() });
            notifyWaiters();
            callback();
          },
          (error: Error) =>
            callback(smtpError(554, `test server cannot parse message: ${error.message}`)),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    createTransport: () =>
      nodemailer.createTransport({
        host: '127.0.0.1',
        port,
        secure: false,
        ignoreTLS: true,
        connectionTimeout: 5000,
        greetingTimeout: 5000,
        socketTimeout: 5000,
      }),
    rejectWith(next) {
      rejections.push({
        code: next.code,
        message: next.message ?? `test server rejects with ${next.code}`,
        stage: next.stage ?? 'rcpt',
        remaining: next.times ?? Number.POSITIVE_INFINITY,
        recipients: next.recipients && new Set(next.recipients.map((item) => item.toLowerCase())),
        rejectedTransactions: new Set(),
      });
    },
    acceptAll() {
      rejections.length = 0;
    },
    waitForMessages(count, timeoutMs = 5000) {
      if (messages.length >= count) return Promise.resolve([...messages]);
      return new Promise((resolve, reject) => {
        const waiter: Waiter = { count, resolve };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(`expected ${count} messages within ${timeoutMs} ms, got ${messages.length}`),
          );
        }, timeoutMs);
        waiter.resolve = (arrived) => {
          clearTimeout(timer);
          resolve(arrived);
        };
        waiters.push(waiter);
      });
    },
    clear() {
      messages.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
