import { formatDate } from '../format.js';
import { daysBetween } from './ladder.js';

// The words of the emails, in plain text and HTML. The HTML is plain and accessible: a language, a
// title, real headings, tables with header cells, link text that says where it goes, no images.
// Every value is escaped.

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export const FOOTNOTE_STYLE = 'font-size: 14px; color: #4c6272;';
const BODY_STYLE =
  'font-family: Arial, Helvetica, sans-serif; font-size: 16px; line-height: 1.5; color: #212b32;';
const CELL_STYLE =
  'text-align: left; vertical-align: top; padding: 4px 16px 4px 0; border-bottom: 1px solid #d8dde0;';

/** A table of an email, as lines of HTML: a caption, column headings, and rows of cells given as HTML. */
export function emailTable(caption: string, head: readonly string[], rows: readonly string[][]): string[] {
  const headCell = (label: string) => `<th scope="col" style="${CELL_STYLE}">${escapeHtml(label)}</th>`;
  const cell = (content: string) => `<td style="${CELL_STYLE}">${content}</td>`;
  return [
    '<table style="border-collapse: collapse;">',
    `<caption style="text-align: left; font-weight: bold; padding-bottom: 8px;">${escapeHtml(caption)}</caption>`,
    `<thead><tr>${head.map(headCell).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((cells) => `<tr>${cells.map(cell).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ];
}

export function htmlDocument(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '</head>',
    `<body style="${BODY_STYLE}">`,
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export function paragraph(text: string): string {
  return `<p>${escapeHtml(text)}</p>`;
}

export function link(href: string, text: string): string {
  return `<a href="${escapeHtml(href)}" style="color: #005eb8;">${escapeHtml(text)}</a>`;
}

export interface ChaserEmailData {
  recipientName: string;
  providerName: string;
  /** "Accessible Information Standard 2025" */
  standardName: string;
  periodLabel: string;
  dueDate: Date;
  /** The UK calendar day the chaser is written on. */
  today: Date;
  /** The contract manager sent the return back for changes. */
  returnedForChanges: boolean;
  /** Set when the contract manager is copied in (escalation). */
  escalatedTo: { name: string } | undefined;
  returnUrl: string;
  serviceName: string;
  organisationName: string;
}

/** A chaser to one provider lead: due soon, due today or overdue, counted from `today`. */
export function chaserEmail(data: ChaserEmailData): RenderedEmail {
  const daysOverdue = daysBetween(data.dueDate, data.today);
  const due = formatDate(data.dueDate);
  const theReturn = `${data.standardName} return for ${data.providerName} (${data.periodLabel})`;

  let subject: string;
  let heading: string;
  let lead: string;
  if (daysOverdue < 0) {
    const inDays = plural(-daysOverdue, 'day');
    subject = `Reminder: ${theReturn} is due on ${due}`;
    heading = `Your return is due in ${inDays}`;
    lead = `The ${data.standardName} return for ${data.providerName} for ${data.periodLabel} is due on ${due}, in ${inDays}.`;
  } else if (daysOverdue === 0) {
    subject = `Due today: ${theReturn}`;
    heading = 'Your return is due today';
    lead = `The ${data.standardName} return for ${data.providerName} for ${data.periodLabel} is due today, ${due}.`;
  } else {
    const overdue = plural(daysOverdue, 'day');
    subject = `Overdue: ${theReturn} was due on ${due}`;
    heading = `Your return is ${overdue} overdue`;
    lead = `The ${data.standardName} return for ${data.providerName} for ${data.periodLabel} was due on ${due}. It is now ${overdue} overdue.`;
  }

  const notes: string[] = [];
  if (data.returnedForChanges) {
    notes.push(
      'Your contract manager sent this return back to you for changes. Update the answers they asked about and submit it again.',
    );
  }
  if (data.escalatedTo) {
    notes.push(
      `Because the return is ${plural(daysOverdue, 'day')} overdue, your contract manager at ${data.organisationName}, ${data.escalatedTo.name}, is copied into this email.`,
    );
  }
  const details: [string, string][] = [
    ['Provider', data.providerName],
    ['Standard', data.standardName],
    ['Reporting period', data.periodLabel],
    ['Due date', due],
    ['Days overdue', daysOverdue > 0 ? String(daysOverdue) : 'None yet'],
  ];
  const linkText = `Open the ${data.standardName} return for ${data.providerName}`;
  const why = `You are receiving this email because you are a provider lead for ${data.providerName} on the ${data.serviceName} service run by ${data.organisationName}.`;

  const text = [
    `Dear ${data.recipientName},`,
    '',
    lead,
    '',
    ...notes.flatMap((note) => [note, '']),
    ...details.map(([label, value]) => `${label}: ${value}`),
    '',
    `${linkText}:`,
    data.returnUrl,
    '',
    why,
    '',
  ].join('\n');

  const html = htmlDocument(
    subject,
    [
      `<h1 style="font-size: 28px; line-height: 1.2;">${escapeHtml(heading)}</h1>`,
      paragraph(`Dear ${data.recipientName},`),
      paragraph(lead),
      ...notes.map(paragraph),
      '<h2 style="font-size: 20px;">Return details</h2>',
      '<table style="border-collapse: collapse;">',
      ...details.map(
        ([label, value]) =>
          `<tr><th scope="row" style="${CELL_STYLE}">${escapeHtml(label)}</th><td style="${CELL_STYLE}">${escapeHtml(value)}</td></tr>`,
      ),
      '</table>',
      `<p>${link(data.returnUrl, linkText)}</p>`,
      `<p style="${FOOTNOTE_STYLE}">${escapeHtml(why)}</p>`,
    ].join('\n'),
  );
  return { subject, text, html };
}

export interface DigestLine {
  providerName: string;
  standardName: string;
  periodLabel: string;
  dueDate: Date;
  returnUrl: string;
}

export interface DigestEmailData {
  recipientName: string;
  today: Date;
  lines: DigestLine[];
  serviceName: string;
  organisationName: string;
}

/** The weekly digest to a contract manager: every overdue return on their contracts. */
export function digestEmail(data: DigestEmailData): RenderedEmail {
  const count = data.lines.length;
  const subject = `${plural(count, 'overdue return')} on your contracts`;
  const intro = `${count === 1 ? 'This return' : `These ${count} returns`} on your contracts ${count === 1 ? 'was' : 'were'} overdue on ${formatDate(data.today)}. Their provider leads are chased by email automatically.`;
  const rows = data.lines.map((line) => ({
    ...line,
    due: formatDate(line.dueDate),
    overdue: plural(daysBetween(line.dueDate, data.today), 'day'),
  }));
  const why = `You are receiving this weekly email because you manage contracts on the ${data.serviceName} service run by ${data.organisationName}.`;

  const text = [
    `Dear ${data.recipientName},`,
    '',
    intro,
    '',
    ...rows.flatMap((row) => [
      `- ${row.providerName}: ${row.standardName}, ${row.periodLabel}, due ${row.due}, ${row.overdue} overdue`,
      `  ${row.returnUrl}`,
    ]),
    '',
    why,
    '',
  ].join('\n');

  const html = htmlDocument(
    subject,
    [
      `<h1 style="font-size: 28px; line-height: 1.2;">${escapeHtml(subject)}</h1>`,
      paragraph(`Dear ${data.recipientName},`),
      paragraph(intro),
      ...emailTable(
        `Overdue returns on ${formatDate(data.today)}`,
        ['Provider and standard', 'Reporting period', 'Due date', 'Overdue by'],
        rows.map((row) => [
          link(row.returnUrl, `${row.providerName}: ${row.standardName} return`),
          escapeHtml(row.periodLabel),
          escapeHtml(row.due),
          escapeHtml(row.overdue),
        ]),
      ),
      `<p style="${FOOTNOTE_STYLE}">${escapeHtml(why)}</p>`,
    ].join('\n'),
  );
  return { subject, text, html };
}
