import { z } from 'zod';

/** Confirming a previewed import: the fingerprint of the changes the preview showed. */
export const confirmImportSchema = z.object({
  fingerprint: z.string('The preview is out of date').regex(/^[0-9a-f]{64}$/, 'The preview is out of date'),
});
