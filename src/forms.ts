import type { Request } from 'express';
import { z } from 'zod';

/**
 * A posted form as body parsing leaves it (setUpFormParsing): each field a string, or a list of
 * strings when the form repeats a name (checkboxes). Routes read forms only through formBody.
 */
export type FormBody = Readonly<Record<string, string | string[]>>;

const formBodySchema = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

/** The request's form fields; a request without a form body (or with another kind) is an empty form. */
export function formBody(req: Request): FormBody {
  const parsed = formBodySchema.safeParse(req.body);
  return parsed.success ? parsed.data : {};
}

/** The request's query string (a GET form's answers), typed as a posted form is. */
export function queryFields(req: Request): FormBody {
  const parsed = formBodySchema.safeParse(req.query);
  return parsed.success ? parsed.data : {};
}

/** A list's page number from its query: 1 when absent or not a page number (an old link never fails). */
export const pageNumberField = z.coerce
  .number()
  .int()
  .min(1)
  .max(100_000)
  .optional()
  .catch(undefined)
  .transform((value) => value ?? 1);

/** Each field's value, the first one where a field is repeated (?q=a&q=b), for GET forms. */
export function firstValues(fields: FormBody): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    const first = typeof value === 'string' ? value : value[0];
    if (first !== undefined) values[name] = first;
  }
  return values;
}

/** One field as text: empty when it was not posted (or was posted more than once). */
export function textField(body: FormBody, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value : '';
}

/** A field that may repeat (checkboxes): none, one or several values. */
export function listField(body: FormBody, name: string): string[] {
  const value = body[name];
  return value === undefined ? [] : typeof value === 'string' ? [value] : value;
}

/** One message per field, keyed by the field's name (which is also its element id). */
export type FieldErrors = Record<string, string>;

export interface ErrorSummaryItem {
  text: string;
  href: string;
}

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/**
 * Validates a posted form with its zod schema. Messages come from the schema (plain English, naming
 * the field); only the first problem per field is kept, as the NHS pattern shows one per field.
 */
export function parseForm<Schema extends z.ZodType>(
  schema: Schema,
  body: FormBody,
): FormResult<z.output<Schema>> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, data: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}

/** The error summary's list: each message links to its field (date fields to their day input). */
export function errorSummary(errors: FieldErrors, dateFields: readonly string[] = []): ErrorSummaryItem[] {
  return Object.entries(errors).map(([field, text]) => ({
    text,
    href: `#${dateFields.includes(field) ? `${field}-day` : field}`,
  }));
}

export interface DateParts {
  day: string;
  month: string;
  year: string;
}

/** The day, month and year the date-input component posts as `<name>-day` etc. */
export function readDateFields(body: FormBody, name: string): DateParts {
  const part = (suffix: string) => textField(body, `${name}-${suffix}`).trim();
  return { day: part('day'), month: part('month'), year: part('year') };
}

/** Date parts to a UTC midnight Date, or a message in the NHS style ("Due date must be a real date"). */
export function dateFromParts(
  parts: DateParts,
  label: string,
  required = true,
): { date?: Date; error?: string } {
  const { day, month, year } = parts;
  if (!day && !month && !year) return required ? { error: `Enter ${label.toLowerCase()}` } : {};
  const missing = (['day', 'month', 'year'] as const).filter((key) => !parts[key]);
  if (missing.length > 0) return { error: `${label} must include a ${missing.join(' and ')}` };
  if (![day, month, year].every((value) => /^\d+$/.test(value)) || year.length !== 4) {
    return { error: `${label} must be a real date` };
  }
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const real =
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day);
  return real ? { date } : { error: `${label} must be a real date` };
}

/** A stored date (UTC midnight) back to the parts the date input shows. */
export function partsFromDate(date: Date | null | undefined): DateParts {
  if (!date) return { day: '', month: '', year: '' };
  return {
    day: String(date.getUTCDate()),
    month: String(date.getUTCMonth() + 1),
    year: String(date.getUTCFullYear()),
  };
}
