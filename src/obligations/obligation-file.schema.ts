import { z } from 'zod';
import { ProviderSector } from '../generated/prisma/enums.js';

/**
 * The format of one obligation data file (data/obligations/*.json): an equality duty a provider may
 * owe (equality information, gender pay gap, WRES report ...), who it applies to as a rule over the
 * provider's recorded facts, how often and when it is due. Like the standards files, each rule carries
 * `source` (where it comes from) and `verified` (false until a published source confirms it), so a
 * change in the rules is a data change.
 */

function expect(what: string) {
  return {
    error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
  };
}

const text = z.string(expect('text')).trim().min(1, 'must not be empty');
const source = z.string(expect('text')).trim().min(1, 'must name where the fact comes from');
const flag = z.boolean(expect('true or false'));
const wholeNumber = z.int(expect('a whole number'));
const month = wholeNumber.min(1).max(12);
const day = wholeNumber.min(1).max(31);

/** A rule over the provider's facts. Unrecorded facts make the answer "not known", never a guess. */
export type ApplicabilityRule =
  | { always: true }
  | { sectorIn: ProviderSector[] }
  | { sectorNotIn: ProviderSector[] }
  | { headcountAtLeast: number }
  | { turnoverAtLeast: number }
  | { providesMentalHealthServices: boolean }
  | { all: ApplicabilityRule[] }
  | { any: ApplicabilityRule[] };

export const applicabilityRuleSchema: z.ZodType<ApplicabilityRule> = z.lazy(() =>
  z.union([
    z.strictObject({ always: z.literal(true) }),
    z.strictObject({ sectorIn: z.array(z.enum(ProviderSector)).min(1) }),
    z.strictObject({ sectorNotIn: z.array(z.enum(ProviderSector)).min(1) }),
    z.strictObject({ headcountAtLeast: wholeNumber.min(1) }),
    z.strictObject({ turnoverAtLeast: wholeNumber.min(1) }),
    z.strictObject({ providesMentalHealthServices: flag }),
    z.strictObject({ all: z.array(applicabilityRuleSchema).min(1) }),
    z.strictObject({ any: z.array(applicabilityRuleSchema).min(1) }),
  ]),
);

/** A yearly date, optionally different for some sectors (the first variant that matches wins). */
const yearlyDate = z.strictObject({
  month,
  day,
});

const dueRuleSchema = z.discriminatedUnion('kind', [
  // The same day every year (31 October).
  z.strictObject({
    kind: z.literal('yearly'),
    ...yearlyDate.shape,
    bySector: z
      .array(z.strictObject({ sectorIn: z.array(z.enum(ProviderSector)).min(1), ...yearlyDate.shape }))
      .default([]),
  }),
  // A number of months after the provider's own financial year end (its last day).
  z.strictObject({ kind: z.literal('afterYearEnd'), months: wholeNumber.min(0).max(24) }),
  // A number of months after the last publication; with none recorded, on a fixed cycle from a date.
  z.strictObject({
    kind: z.literal('rolling'),
    months: wholeNumber.min(1).max(120),
    cycleFrom: z.iso.date(expect('a date written YYYY-MM-DD')),
  }),
]);

export type DueRule = z.output<typeof dueRuleSchema>;

export const obligationFileSchema = z.strictObject({
  code: z
    .string(expect('text'))
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lower-case letters and digits joined by "-"'),
  // Bumped whenever a rule changes, so a record says which rules it was judged by.
  version: wholeNumber.min(1),
  name: text,
  shortName: text.max(24, 'must be 24 characters or fewer (it heads a matrix column)'),
  description: text,
  legalBasis: text,
  frequency: z.enum(['yearly', 'every-4-years']),
  appliesTo: z.strictObject({
    summary: text,
    rule: applicabilityRuleSchema,
    source,
    verified: flag,
  }),
  due: z.strictObject({
    summary: text,
    rule: dueRuleSchema,
    // No date before this one: a duty that starts later (AIS self-assessment from March 2027).
    firstDueOn: z.iso.date(expect('a date written YYYY-MM-DD')).nullable().default(null),
    source,
    verified: flag,
  }),
});

export type ObligationFile = z.output<typeof obligationFileSchema>;
