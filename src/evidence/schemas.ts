import { z } from 'zod';
import { dateFromParts, readDateFields, type DateParts, type FormBody } from '../forms.js';

// The evidence forms, parsed at the route edge: services take the typed values below.

/** "Add evidence from your library": the one field is the chosen evidence item. */
export const linkEvidenceSchema = z.object({
  evidenceId: z.uuid({ error: 'Select the evidence to add' }),
});

/** "Remove" on a requirement's page comes back to that page; anything else to the evidence page. */
export const unlinkEvidenceSchema = z.object({
  returnTo: z.enum(['requirement']).optional().catch(undefined),
});

export const PERIOD_COVERED_FIELDS = ['coversFrom', 'coversTo'] as const;

export type PeriodCoveredValues = Record<(typeof PERIOD_COVERED_FIELDS)[number], DateParts>;

export interface PeriodCovered {
  coversFrom: Date | null;
  coversTo: Date | null;
}

// Each part as typed (trimmed); anything that is not text counts as not typed.
const datePart = z.string().trim().optional().catch(undefined).default('');

/** The upload form's optional "period covered": each date real if given, the end not before the start. */
export const periodCoveredSchema = z
  .object({
    'coversFrom-day': datePart,
    'coversFrom-month': datePart,
    'coversFrom-year': datePart,
    'coversTo-day': datePart,
    'coversTo-month': datePart,
    'coversTo-year': datePart,
  })
  .transform((fields, ctx): PeriodCovered => {
    const from = dateFromParts(
      { day: fields['coversFrom-day'], month: fields['coversFrom-month'], year: fields['coversFrom-year'] },
      'The start of the period covered',
      false,
    );
    const to = dateFromParts(
      { day: fields['coversTo-day'], month: fields['coversTo-month'], year: fields['coversTo-year'] },
      'The end of the period covered',
      false,
    );
    if (from.error) ctx.addIssue({ code: 'custom', path: ['coversFrom'], message: from.error });
    if (to.error) ctx.addIssue({ code: 'custom', path: ['coversTo'], message: to.error });
    else if (from.date && to.date && to.date < from.date) {
      ctx.addIssue({
        code: 'custom',
        path: ['coversTo'],
        message: 'The end of the period covered must be the same as or after the start',
      });
    }
    return { coversFrom: from.date ?? null, coversTo: to.date ?? null };
  });

/** The dates as typed, to show the form again. */
export function periodCoveredValues(fields: FormBody): PeriodCoveredValues {
  return { coversFrom: readDateFields(fields, 'coversFrom'), coversTo: readDateFields(fields, 'coversTo') };
}
