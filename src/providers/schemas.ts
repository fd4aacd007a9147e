import { z } from 'zod';
import { ProviderType } from '../generated/prisma/enums.js';

export const providerSchema = z.object({
  name: z
    .string('Enter the provider name')
    .trim()
    .min(1, 'Enter the provider name')
    .max(200, 'Provider name must be 200 characters or fewer'),
  // ODS codes are written in upper case; people type them either way.
  odsCode: z
    .string('Enter the ODS code')
    .trim()
    .min(1, 'Enter the ODS code')
    .regex(/^[A-Za-z0-9]+$/, 'ODS code must only include letters and numbers')
    .min(3, 'ODS code must be between 3 and 10 characters')
    .max(10, 'ODS code must be between 3 and 10 characters')
    .transform((code) => code.toUpperCase()),
  type: z.enum(ProviderType, 'Select the provider type'),
});

export type ProviderInput = z.output<typeof providerSchema>;
