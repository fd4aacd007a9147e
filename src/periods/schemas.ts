import { z } from 'zod';
import {
  dateFromParts,
  parseForm,
  readDateFields,
  type FieldErrors,
  type FormBody,
  type FormResult,
} from '../forms.js';

const FINANCIAL_YEAR = /^(\d{4})\/(\d{2})$/;

/** "2026/27": the second part must be the year after the first. */
function isConsecutive(label: string): boolean {
  const [, first, second] = FINANCIAL_YEAR.exec(label) ?? [];
  return first !== undefined && (Number(first) + 1) % 100 === Number(second);
}

export const periodSchema = z.object({
  label: z
    .string('Enter the financial year')
    .trim()
    .min(1, 'Enter the financial year')
    .regex(FINANCIAL_YEAR, 'Financial year must be in the format 2026/27')
    .refine(isConsecutive, 'The second year must be the year after the first, for example 2026/27'),
});

/** A financial year runs from 1 April to 31 March. */
export function periodDates(label: string): { startDate: Date; endDate: Date } {
  const firstYear = Number(label.slice(0, 4));
  return {
    startDate: new Date(Date.UTC(firstYear, 3, 1)),
    endDate: new Date(Date.UTC(firstYear + 1, 2, 31)),
  };
}

export interface PeriodStandardInput {
  frameworkVersionId: string;
  dueDate: Date;
}

const periodStandardFields = z.object({
  frameworkVersionId: z.uuid('Select the version to report against'),
});

export function readPeriodStandardForm(body: FormBody): FormResult<PeriodStandardInput> {
  const fields = parseForm(periodStandardFields, body);
  const due = dateFromParts(readDateFields(body, 'dueDate'), 'Due date');
  if (!fields.ok || !due.date) {
    const errors: FieldErrors = fields.ok ? {} : { ...fields.errors };
    if (due.error) errors.dueDate = due.error;
    return { ok: false, errors };
  }
  return { ok: true, data: { frameworkVersionId: fields.data.frameworkVersionId, dueDate: due.date } };
}
