import { z } from 'zod';

/** Confirming a previewed import: the fingerprint of the changes the preview showed. */
export const confirmImportSchema = z.object({
  fingerprint: z.string('The preview is out of date').regex(/^[0-9a-f]{64}$/, 'The preview is out of date'),
});

/** The ODS upload form's fields (sent before the file): which file it is, and whether to add providers. */
export const odsImportSchema = z.object({
  fileKind: z.string('Select which ODS file this is').min(1, 'Select which ODS file this is'),
  addNew: z
    .literal('yes')
    .optional()
    .transform((value) => value === 'yes'),
});
