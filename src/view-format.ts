import { formatFileSize, mediaTypeLabel } from './evidence/format.js';
import { formatDate, formatDateTime } from './format.js';

// What views may use to turn values into text: every page gets it as the `format` local, so a view
// never restates how a date, a size or a list is written.

/** Text in paragraphs: split at line breaks, blank lines dropped. */
function paragraphs(text: string | null | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}

export const viewFormat = {
  date: formatDate,
  dateTime: formatDateTime,
  fileSize: formatFileSize,
  mediaType: mediaTypeLabel,
  paragraphs,
  /** A count as tables show it: "1,234". */
  count: (value: number) => value.toLocaleString('en-GB'),
  /** The text, or "None" (or `none`) when there is nothing to show. */
  orNone: (text: string | null | undefined, none = 'None') => (text?.trim() ? text : none),
  /** Who an email went to, with anyone copied: "a@x (copied to b@y, c@z)". */
  recipients: (email: { to: string; cc: readonly string[] }) =>
    email.cc.length > 0 ? `${email.to} (copied to ${email.cc.join(', ')})` : email.to,
};

export type ViewFormat = typeof viewFormat;
