import { z } from 'zod';

// The export forms are GET forms (they only read), so their answers arrive in the query string.

const optionalId = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value))
  .pipe(z.uuid('Select an option from the list').optional());

export const requirementExportSchema = z.object({
  periodId: z.uuid('Select a reporting period'),
  frameworkId: optionalId,
  providerId: optionalId,
  format: z.enum(['csv', 'xlsx'], 'Select a file format'),
});

export type RequirementExportInput = z.output<typeof requirementExportSchema>;

export const packChoiceSchema = z.object({
  providerId: z.uuid('Select a provider'),
  periodId: z.uuid('Select a reporting period'),
});

export const packQuerySchema = z.object({ periodId: optionalId });
