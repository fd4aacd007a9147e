import { z } from 'zod';
import { ProviderType, ReturnStatus } from '../generated/prisma/enums.js';
import { firstValues, type FormBody } from '../forms.js';

// The matrix's filters, read from the URL (a GET form): anything that does not fit is ignored, so a
// shared or edited link always shows a page.

const optionalText = z
  .string()
  .trim()
  .max(100)
  .optional()
  .catch(undefined)
  .transform((value) => (value === '' ? undefined : value));

/** The publication states the filter offers, most pressing first. */
export const PUBLICATION_STATES = [
  'overdue',
  'due',
  'not-known',
  'published',
  'checked',
  'not-due',
  'not-applicable',
] as const;

export const matrixQuerySchema = z.object({
  period: z.uuid().optional().catch(undefined),
  type: z.enum(ProviderType).optional().catch(undefined),
  manager: z.uuid().optional().catch(undefined),
  standard: optionalText,
  state: z.enum(ReturnStatus).optional().catch(undefined),
  // An obligation's code (data/obligations), or "none" for the standards alone.
  obligation: optionalText,
  publication: z.enum(PUBLICATION_STATES).optional().catch(undefined),
  overdue: z
    .string()
    .optional()
    .catch(undefined)
    .transform((value) => value === 'yes'),
  q: optionalText.transform((value) => value ?? ''),
  sort: optionalText.transform((value) => value ?? 'provider'),
  order: z
    .enum(['asc', 'desc'])
    .optional()
    .catch(undefined)
    .transform((value) => value ?? 'asc'),
});

export type MatrixQuery = z.infer<typeof matrixQuerySchema>;

export function parseMatrixQuery(query: FormBody): MatrixQuery {
  // Repeated parameters (?q=a&q=b) count as the first.
  return matrixQuerySchema.parse(firstValues(query));
}
