import escapeHtml from 'escape-html';

/**
 * One part of an email body. Every string is plain text: the HTML renderer escapes all of it, so
 * customer-supplied values can go anywhere without reaching the HTML part as markup.
 */
export type Block =
  | { type: 'paragraph'; text: string }
  | { type: 'list'; items: string[] }
  | { type: 'facts'; rows: Array<[label: string, value: string]> }
  | { type: 'quote'; label: string; text: string };

/** The content of an email before it is rendered to its text and HTML parts. */
export interface MessageContent {
  subject: string;
  greeting: string;
  blocks: Block[];
  /** Sign-off lines, such as "Best regards" and the sender's name. */
  signature: string[];
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

export const paragraph = (text: string): Block => ({ type: 'paragraph', text });
export const list = (items: string[]): Block => ({ type: 'list', items });
export const facts = (rows: Array<[string, string]>): Block => ({ type: 'facts', rows });
export const quote = (label: string, text: string): Block => ({ type: 'quote', label, text });

function blockToText(block: Block): string {
  switch (block.type) {
    case 'paragraph':
      return block.text;
    case 'list':
      return block.items.map((item) => `- ${item}`).join('\n');
    case 'facts':
      return block.rows.map(([label, value]) => `${label}: ${value}`).join('\n');
    case 'quote':
      return `${block.label}:\n${block.text
        .split(/\r?\n/)
        .map((line) => `> ${line}`)
        .join('\n')}`;
  }
}

/** Escapes text for HTML and keeps its line breaks. */
function htmlText(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => escapeHtml(line))
    .join('<br>\n');
}

const cellStyle = 'padding:4px 16px 4px 0;vertical-align:top';

function blockToHtml(block: Block): string {
  switch (block.type) {
    case 'paragraph':
      return `<p>${htmlText(block.text)}</p>`;
    case 'list':
      return `<ul>\n${block.items.map((item) => `<li>${htmlText(item)}</li>`).join('\n')}\n</ul>`;
    case 'facts': {
      const rows = block.rows.map(
        ([label, value]) =>
          `<tr><th align="left" style="${cellStyle}">${htmlText(label)}</th>` +
          `<td style="${cellStyle}">${htmlText(value)}</td></tr>`,
      );
      return `<table role="presentation" cellspacing="0" cellpadding="0">\n${rows.join('\n')}\n</table>`;
    }
    case 'quote':
      return (
        `<p>${htmlText(block.label)}:</p>\n` +
        `<blockquote style="margin:0 0 16px;padding:0 12px;border-left:3px solid #c8ced6;color:#3e4c59">` +
        `${htmlText(block.text)}</blockquote>`
      );
  }
}

/** Renders content to a subject line, a text part and an HTML part with the same wording. */
export function renderMessage(content: MessageContent): RenderedMessage {
  // A line break in a customer-supplied name must not reach the Subject header.
  const subject = content.subject.replace(/\s+/g, ' ').trim();

  const text = [
    content.greeting,
    ...content.blocks.map(blockToText),
    content.signature.join('\n'),
  ].join('\n\n');

  const body = [
    `<p>${htmlText(content.greeting)}</p>`,
    ...content.blocks.map(blockToHtml),
    `<p>${content.signature.map(htmlText).join('<br>\n')}</p>`,
  ].join('\n');

  const html =
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<title>${escapeHtml(subject)}</title>\n</head>\n` +
    '<body style="margin:0;padding:0;background:#ffffff">\n' +
    '<div style="max-width:600px;margin:0 auto;padding:24px;font-family:Arial,Helvetica,sans-serif;' +
    'font-size:15px;line-height:1.5;color:#1f2933">\n' +
    `${body}\n</div>\n</body>\n</html>\n`;

  return { subject, text: `${text}\n`, html };
}
