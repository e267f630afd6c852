import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface MailCaptureOptions {
  /** Folder that receives one .eml file per message, created when missing. */
  dir: string;
  /** TCP port on 127.0.0.1, or 0 for a free one. */
  port: number;
  logger: Logger;
}

export interface MailCapture {
  /** `smtp://127.0.0.1:PORT`, ready for nodemailer.createTransport. */
  url: string;
  close(): Promise<void>;
}

/** Maximum message size in bytes. A bigger message gets SMTP 552. */
const maxMessageBytes = 25 * 1024 * 1024;
/** Longest Message-ID part of a file name, in characters. */
const maxIdLength = 100;

/**
 * Builds a file name such as `2025-03-10T15-00-00-000Z_onboarding-acme.welcome@example.com.eml`.
 * Characters other than letters, digits, ".", "@", "_" and "-" become "_", so no "/" remains.
 */
export function emlFileName(receivedAt: Date, messageId: string | undefined): string {
  const stamp = receivedAt.toISOString().replace(/[:.]/g, '-');
  const id = (messageId ?? randomUUID())
    .replace(/^<|>$/g, '')
    .replace(/[^A-Za-z0-9.@_-]+/g, '_')
    .slice(0, maxIdLength);
  return `${stamp}_${id || randomUUID()}.eml`;
}

/** Writes `raw` under a new name in `dir`, adding "-2", "-3"... when a file of that name exists. */
async function writeNewFile(dir: string, name: string, raw: Buffer): Promise<string> {
  const base = name.replace(/\.eml$/, '');
  for (let attempt = 1; ; attempt++) {
    const file = path.join(dir, attempt === 1 ? name : `${base}-${attempt}.eml`);
    try {
      await writeFile(file, raw, { flag: 'wx' });
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function readStream(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * Starts a local SMTP server for development that accepts every message, writes it to `dir` as a
 * .eml file and logs one line per message. It listens on 127.0.0.1 only, without TLS or login.
 */
export async function startMailCapture(options: MailCaptureOptions): Promise<MailCapture> {
  const { dir, logger } = options;
  await mkdir(dir, { recursive: true });

  async function store(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const raw = await readStream(stream);
    if (stream.sizeExceeded) {
      throw Object.assign(new Error(`message exceeds ${maxMessageBytes} bytes`), {
        responseCode: 552,
      });
    }

    const receivedAt = new Date();
    const parsed = await simpleParser(raw);
    const file = await writeNewFile(dir, emlFileName(receivedAt, parsed.messageId), raw);
    logger.info(
      {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
        to: session.envelope.rcptTo.map((recipient) => recipient.address),
        subject: parsed.subject,
        kind: parsed.headers.get('x-onboarding-email'),
        messageId: parsed.messageId,
        file,
      },
      'mail captured',
    );
  }

  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: maxMessageBytes,
    closeTimeout: 2000,
    onData(stream, session, callback) {
      store(stream, session).then(
        () => callback(),
        (error: Error & { responseCode?: number }) => {
          logger.error({ err: error, dir }, 'mail capture failed to store a message');
          callback(Object.assign(error, { responseCode: error.responseCode ?? 451 }));
        },
      );
    },
  });
  server.on('error', (error) => logger.error({ err: error }, 'mail capture server error'));

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  const url = `smtp://127.0.0.1:${port}`;
  logger.info({ url, dir }, 'mail capture listening');

  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          logger.info({ url }, 'mail capture stopped');
          resolve();
        });
      }),
  };
}
