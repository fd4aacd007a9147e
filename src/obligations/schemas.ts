import { z } from 'zod';
import { dateFromParts, readDateFields, textField, type FieldErrors, type FormBody } from '../forms.js';

/** Years the pages offer: from 2020/21 to the year after this one. */
export const FIRST_YEAR = 2020;

const yearText = z
  .string()
  .regex(/^\d{4}$/)
  .transform(Number);

/** A year in a URL or query: a whole year in range, or undefined. */
export function parseYear(value: unknown, lastYear: number): number | undefined {
  const parsed = yearText.safeParse(value);
  return parsed.success && parsed.data >= FIRST_YEAR && parsed.data <= lastYear ? parsed.data : undefined;
}

export const publicationUrl = z
  .string()
  .trim()
  .min(1, 'Enter the web address where it is published')
  .max(2000, 'The web address must be 2,000 characters or fewer')
  .transform((text) => (/^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`))
  .refine((text) => {
    if (!URL.canParse(text)) return false;
    const parsed = new URL(text);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.hostname.includes('.');
  }, 'Enter the web address in the correct format, like www.example.nhs.uk/equality');

export const PUBLISHED_ON = 'publishedOn';

/** The record form's answers: the address, and the date published (not after today). */
export function parsePublicationForm(
  body: FormBody,
  today: Date,
): { ok: true; data: { url: string; publishedOn: Date } } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const address = publicationUrl.safeParse(textField(body, 'url'));
  if (!address.success) errors.url = address.error.issues[0]?.message ?? 'Enter the web address';
  const date = dateFromParts(readDateFields(body, PUBLISHED_ON), 'Date published');
  if (date.error) errors[PUBLISHED_ON] = date.error;
  else if (date.date && date.date > today)
    errors[PUBLISHED_ON] = 'Date published must be today or in the past';
  if (!address.success || !date.date || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, data: { url: address.data, publishedOn: date.date } };
}
