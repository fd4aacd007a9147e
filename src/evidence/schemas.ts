import { z } from 'zod';
import { dateFromParts, readDateFields, type DateParts, type FieldErrors, type FormBody } from '../forms.js';

/** "Add evidence from your library": the one field is the chosen evidence item. */
export const linkEvidenceSchema = z.object({
  evidenceId: z.uuid({ error: 'Select the evidence to add' }),
});

export const PERIOD_COVERED_FIELDS = ['coversFrom', 'coversTo'] as const;

export type PeriodCoveredValues = Record<(typeof PERIOD_COVERED_FIELDS)[number], DateParts>;

export interface PeriodCovered {
  coversFrom: Date | null;
  coversTo: Date | null;
}

/** The optional "period covered" dates of an upload: each a real date if given, in order. */
export function parsePeriodCovered(fields: FormBody): {
  values: PeriodCoveredValues;
  period: PeriodCovered;
  errors: FieldErrors;
} {
  const values = {
    coversFrom: readDateFields(fields, 'coversFrom'),
    coversTo: readDateFields(fields, 'coversTo'),
  };
  const from = dateFromParts(values.coversFrom, 'The start of the period covered', false);
  const to = dateFromParts(values.coversTo, 'The end of the period covered', false);
  const errors: FieldErrors = {};
  if (from.error) errors.coversFrom = from.error;
  if (to.error) errors.coversTo = to.error;
  if (from.date && to.date && to.date < from.date) {
    errors.coversTo = 'The end of the period covered must be the same as or after the start';
  }
  return { values, period: { coversFrom: from.date ?? null, coversTo: to.date ?? null }, errors };
}
