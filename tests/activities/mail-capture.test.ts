import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { createActivities } from '../../activities';
import { emlFileName, startMailCapture, type MailCapture } from '../../worker/mail-capture';
import { recordingLogger, snapshot } from './fixtures';

let dir: string;
let capture: MailCapture;
let lines: Array<Record<string, unknown>>;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mail-capture-'));
  const recording = recordingLogger();
  lines = recording.lines;
  capture = await startMailCapture({
    dir: path.join(dir, 'mail'),
    port: 0,
    logger: recording.logger,
  });
});

afterEach(async () => {
  await capture.close();
  await rm(dir, { recursive: true, force: true });
});

async function emlFiles(): Promise<string[]> {
  return (await readdir(path.join(dir, 'mail'))).filter((name) => name.endsWith('.eml'));
}

describe('mail capture', () => {
  test('listens on loopback URL', () => {
    expect(capture.url).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
    expect(capture.url).not.toBe('smtp://127.0.0.1:0');
  });

  test('sent message lands as .eml', async () => {
    const transporter = nodemailer.createTransport(capture.url);

    await transporter.sendMail({
      from: 'onboarding@vendor.test',
      to: 'olga@acme.test',
      subject: 'Hello from the capture test',
      text: 'Plain part',
      html: '<p>HTML part</p>',
      messageId: '<capture-test.1@vendor.test>',
    });
    const files = await emlFiles();

    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z_capture-test\.1@vendor\.test\.eml$/,
    );
    const parsed = await simpleParser(await readFile(path.join(dir, 'mail', files[0] ?? '')));
    expect(parsed.subject).toBe('Hello from the capture test');
    expect(parsed.messageId).toBe('<capture-test.1@vendor.test>');
    expect(parsed.text?.trim()).toBe('Plain part');
    expect(parsed.html).toContain('<p>HTML part</p>');
  });

  test('onboarding email is logged once', async () => {
    const activities = createActivities({
      transporter: nodemailer.createTransport(capture.url),
      from: 'Acme Onboarding <onboarding@vendor.test>',
      logger: recordingLogger().logger,
    });

    await activities.sendSatisfactionSurvey({
      onboarding: snapshot({ companyName: 'Acme & Co' }),
      step: 'survey',
      details: { answerBy: '2025-06-30T12:00:00Z' },
    });
    const captured = lines.filter((line) => line.msg === 'mail captured');
    const [file] = await emlFiles();

    expect(captured).toHaveLength(1);
    expect(captured[0]).toMatchObject({
      from: 'onboarding@vendor.test',
      to: ['olga@acme.test'],
      subject: 'How was your onboarding, Acme & Co?',
      kind: 'survey',
      file: path.join(dir, 'mail', file ?? ''),
    });
  });

  test('same Message-ID keeps both files', async () => {
    // Only Date is faked, so both messages arrive at the same millisecond and share a file name.
    jest.useFakeTimers({
      now: new Date('2025-03-10T15:00:00.000Z'),
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    const transporter = nodemailer.createTransport(capture.url);
    const message = {
      from: 'onboarding@vendor.test',
      to: 'olga@acme.test',
      subject: 'Sent twice',
      text: 'Same id',
      messageId: '<resend@vendor.test>',
    };

    try {
      await transporter.sendMail(message);
      await transporter.sendMail(message);
    } finally {
      jest.useRealTimers();
    }

    expect((await emlFiles()).sort()).toEqual([
      '2025-03-10T15-00-00-000Z_resend@vendor.test-2.eml',
      '2025-03-10T15-00-00-000Z_resend@vendor.test.eml',
    ]);
  });
});

describe('emlFileName', () => {
  const receivedAt = new Date('2025-03-10T15:00:00.123Z');

  test('unsafe characters become underscores', () => {
    expect(emlFileName(receivedAt, '<../../etc/passwd a b@x>')).toBe(
      '2025-03-10T15-00-00-123Z_.._.._etc_passwd_a_b@x.eml',
    );
  });

  test('missing Message-ID gets random name', () => {
    expect(emlFileName(receivedAt, undefined)).toMatch(
      /^2025-03-10T15-00-00-123Z_[0-9a-f-]{36}\.eml$/,
    );
  });
});
