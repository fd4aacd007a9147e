import { z } from 'zod';
import { HeadcountBand, ProviderSector, ProviderType, TurnoverBand } from '../generated/prisma/enums.js';

/**
 * The form's answer for a fact nobody has recorded yet. A form without the field (an older client, a
 * script) records it as not known too; only the sector must be chosen.
 */
export const NOT_KNOWN = 'unknown';

/** A radio answer that may be "not known": the value, or null. */
const knownOrNull = <T extends Record<string, string>>(values: T, message: string) =>
  z
    .union([z.literal(NOT_KNOWN).transform(() => null), z.enum(values)], message)
    .optional()
    .transform((value) => value ?? null);

// A web address as people type it: "www.example.nhs.uk" is taken as https.
const website = z
  .string()
  .trim()
  .max(2000, 'Website must be 2,000 characters or fewer')
  .transform((text) => (text && !/^[a-z][a-z0-9+.-]*:/i.test(text) ? `https://${text}` : text))
  .refine((text) => {
    if (!text) return true;
    if (!URL.canParse(text)) return false;
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.includes('.');
  }, 'Enter the website address in the correct format, like www.example.nhs.uk')
  .transform((text) => text || null);

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
  sector: z.enum(ProviderSector, 'Select the kind of organisation'),
  headcountBand: knownOrNull(HeadcountBand, 'Select the number of employees, or not known'),
  turnoverBand: knownOrNull(TurnoverBand, 'Select the annual turnover, or not known'),
  financialYearEndMonth: z
    .union(
      [
        z.literal(NOT_KNOWN).transform(() => null),
        z
          .string()
          .regex(/^(?:[1-9]|1[0-2])$/)
          .transform(Number),
      ],
      'Select when the financial year ends, or not known',
    )
    .optional()
    .transform((value) => value ?? null),
  website: website.optional().transform((value) => value ?? null),
  providesMentalHealthServices: z
    .enum(
      ['yes', 'no', NOT_KNOWN],
      'Select whether the provider provides mental health services, or not known',
    )
    .optional()
    .transform((answer) => (answer === undefined || answer === NOT_KNOWN ? null : answer === 'yes')),
});

export type ProviderInput = z.output<typeof providerSchema>;

/** A new provider's form: the facts start as not known. */
export const NEW_PROVIDER_VALUES: Readonly<Record<string, string>> = {
  headcountBand: NOT_KNOWN,
  turnoverBand: NOT_KNOWN,
  financialYearEndMonth: NOT_KNOWN,
  providesMentalHealthServices: NOT_KNOWN,
};

/** A stored provider as the form's answers, for the change form. */
export function providerFormValues(provider: {
  name: string;
  odsCode: string;
  type: ProviderType;
  sector: ProviderSector | null;
  headcountBand: HeadcountBand | null;
  turnoverBand: TurnoverBand | null;
  financialYearEndMonth: number | null;
  website: string | null;
  providesMentalHealthServices: boolean | null;
}): Record<string, string> {
  const mentalHealth = provider.providesMentalHealthServices;
  return {
    name: provider.name,
    odsCode: provider.odsCode,
    type: provider.type,
    sector: provider.sector ?? '',
    headcountBand: provider.headcountBand ?? NOT_KNOWN,
    turnoverBand: provider.turnoverBand ?? NOT_KNOWN,
    financialYearEndMonth: provider.financialYearEndMonth
      ? String(provider.financialYearEndMonth)
      : NOT_KNOWN,
    website: provider.website ?? '',
    providesMentalHealthServices: mentalHealth === null ? NOT_KNOWN : mentalHealth ? 'yes' : 'no',
  };
}
