import { dateFromParts, readDateFields, textField, type FieldErrors, type FormBody } from '../forms.js';
import { publicationUrl } from '../obligations/schemas.js';

// Issue 14: where and when the EDS report was published, and when it was sent to NHS England.

export const PUBLISHED_ON = 'publishedOn';
export const SENT_ON = 'sentOn';

export interface ReportPublicationInput {
  /** Null: not published yet (nothing recorded). */
  publication: { url: string; publishedOn: Date } | null;
  sentOn: Date | null;
}

/** Exactly what was posted, kept when the form comes back with errors. */
export function publicationValuesFromBody(body: FormBody) {
  return {
    url: textField(body, 'url'),
    publishedOn: readDateFields(body, PUBLISHED_ON),
    sentOn: readDateFields(body, SENT_ON),
  };
}

export type ReportPublicationValues = ReturnType<typeof publicationValuesFromBody>;

/**
 * The form: a web address (https), the date published (needed with the address, not after today),
 * and the date sent to NHS England (optional, not after today). `published`: a publication is
 * already recorded, so its address cannot be left out (the register keeps it).
 */
export function readReportPublicationForm(
  body: FormBody,
  today: Date,
  published: boolean,
): { ok: true; data: ReportPublicationInput } | { ok: false; errors: FieldErrors } {
  const values = publicationValuesFromBody(body);
  const errors: FieldErrors = {};
  const blankDate = (parts: { day: string; month: string; year: string }) =>
    !parts.day.trim() && !parts.month.trim() && !parts.year.trim();
  let url: string | null = null;
  if (values.url.trim() !== '') {
    const parsed = publicationUrl.safeParse(values.url);
    if (!parsed.success) errors.url = parsed.error.issues[0]?.message ?? 'Enter the web address';
    else if (!parsed.data.startsWith('https://'))
      errors.url = 'Enter a web address that starts with https://';
    else url = parsed.data;
  } else if (published || !blankDate(values.publishedOn)) {
    errors.url = 'Enter the web address where the report is published';
  }
  const publishedDate = dateFromParts(values.publishedOn, 'Date published', false);
  if (publishedDate.error) errors[PUBLISHED_ON] = publishedDate.error;
  else if (publishedDate.date && publishedDate.date > today)
    errors[PUBLISHED_ON] = 'Date published must be today or in the past';
  else if (!publishedDate.date && values.url.trim() !== '')
    errors[PUBLISHED_ON] = 'Enter the date the report was published';
  const sent = dateFromParts(values.sentOn, 'Date sent to NHS England', false);
  if (sent.error) errors[SENT_ON] = sent.error;
  else if (sent.date && sent.date > today)
    errors[SENT_ON] = 'Date sent to NHS England must be today or in the past';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    data: {
      publication: url && publishedDate.date ? { url, publishedOn: publishedDate.date } : null,
      sentOn: sent.date ?? null,
    },
  };
}
