import { z } from 'zod';

/**
 * The format of a workforce equality standard's indicator definitions (data/workforce-standards/*.json):
 * WRES and WDES, versioned like the standards. Each indicator says what is entered (counts by group,
 * survey percentages, board composition, narrative) and how it is calculated; the parity band and the
 * small-number threshold are data too, each with `source` and `verified`.
 */

function expect(what: string) {
  return {
    error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
  };
}

const text = z.string(expect('text')).trim().min(1, 'must not be empty');
const source = z.string(expect('text')).trim().min(1, 'must name where the fact comes from');
const flag = z.boolean(expect('true or false'));
const groupCode = z.string(expect('text')).regex(/^[a-z][a-z-]*$/, 'must be lower-case letters and "-"');

/** One side of a relative likelihood: how many of a group had the event, out of how many. */
const rateSchema = z.strictObject({
  group: groupCode,
  /** "appointed", "entered the formal disciplinary process" */
  event: text,
  /** "shortlisted", "in the workforce" */
  outOf: text,
});

const bandCode = z
  .string(expect('text'))
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and "-"');

/** A part of the workforce reported on its own (clinical, non-clinical) and its bands or clusters. */
const sectionSchema = z.strictObject({
  code: bandCode,
  /** "Clinical staff" */
  label: text,
  bands: z.array(z.strictObject({ code: bandCode, label: text })).min(1),
});

const indicatorSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('relative-likelihood'),
    code: text,
    title: text,
    // Likelihood of `numerator`'s group relative to `denominator`'s: above 1 means more likely.
    numerator: rateSchema,
    denominator: rateSchema,
    reading: text,
    source,
    verified: flag,
  }),
  z.strictObject({
    kind: z.literal('survey-percentages'),
    code: text,
    title: text,
    groups: z.array(groupCode).min(1),
    source,
    verified: flag,
  }),
  z.strictObject({
    // Each group's share of the staff in each band, against its share of the whole workforce.
    kind: z.literal('representation'),
    code: text,
    title: text,
    groups: z.array(groupCode).min(2),
    /** The group whose share is the headline (BME, Disabled). */
    focus: groupCode,
    sections: z.array(sectionSchema).min(1),
    bandsSource: source,
    bandsVerified: flag,
    reading: text,
    source,
    verified: flag,
  }),
  z.strictObject({
    // A survey score per group on a scale (the staff engagement score, 0 to 10), and optionally overall.
    kind: z.literal('survey-scores'),
    code: text,
    title: text,
    groups: z.array(groupCode).min(1),
    overall: flag,
    scale: z.strictObject({ low: z.number(), high: z.number() }),
    source,
    verified: flag,
  }),
  z.strictObject({
    kind: z.literal('board-gap'),
    code: text,
    title: text,
    group: groupCode,
    source,
    verified: flag,
  }),
  z.strictObject({
    kind: z.literal('narrative'),
    code: text,
    title: text,
    source,
    verified: flag,
  }),
]);

export type IndicatorDefinition = z.output<typeof indicatorSchema>;

export const workforceStandardSchema = z.strictObject({
  code: z.enum(['WRES', 'WDES']),
  version: text,
  name: text,
  /** The obligation file (data/obligations) whose applicability and due-date rules a return follows. */
  obligation: z.string(expect('text')).regex(/^[a-z][a-z0-9-]*$/, 'must be an obligation code'),
  groups: z.record(groupCode, text),
  parityBand: z.strictObject({
    low: z.number().positive(),
    high: z.number().positive(),
    source,
    verified: flag,
  }),
  smallNumbers: z.strictObject({ below: z.int().min(1), source, verified: flag }),
  recordsDeclarationRate: flag,
  indicators: z.array(indicatorSchema).min(1),
});

export type WorkforceStandard = z.output<typeof workforceStandardSchema>;
