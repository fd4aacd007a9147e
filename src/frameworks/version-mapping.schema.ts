import { z } from 'zod';

/**
 * The format of one mapping between two versions of a standard (data/standards/mappings/*.json): what
 * can be compared across the change, as data with `source` and `verified` per fact, so the trends
 * page compares only what the file says is comparable and an administrator can correct it without a
 * code change.
 */

const text = z.string().trim().min(1, 'must not be empty');
const source = z.string().trim().min(1, 'must name where the fact comes from');
const versionCode = z.string().regex(/^[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*$/, 'must be a version code');
const groupCode = z.string().regex(/^[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*$/, 'must be a group code');

/** One group (AIS step, EDS goal or domain) of the earlier version and its counterpart; null: none. */
const pairSchema = z.strictObject({
  from: groupCode.nullable(),
  to: groupCode.nullable(),
  note: text,
  source,
  verified: z.boolean(),
});

/**
 * One requirement of the earlier version and the requirement of the later version it became (null:
 * none). Several requirements may become one; open actions follow these pairs into the other version's
 * returns (src/frameworks/requirement-carry.ts).
 */
const requirementPairSchema = z.strictObject({
  from: groupCode,
  to: groupCode.nullable(),
  note: text,
  source,
  verified: z.boolean(),
});

export const versionMappingSchema = z
  .strictObject({
    framework: z.enum(['AIS', 'EDS']),
    fromVersion: versionCode,
    toVersion: versionCode,
    /** Shown on the trends page: what is comparable across the change, in plain English. */
    summary: text,
    source,
    verified: z.boolean(),
    /** Whether the overall results of the two versions are compared (by their labels). */
    overallResult: z.strictObject({
      comparable: z.boolean(),
      explanation: text,
      source,
      verified: z.boolean(),
    }),
    /** Whether groups correspond; `pairs` says which (empty when not mapped). */
    groups: z.strictObject({
      mapped: z.boolean(),
      explanation: text,
      source,
      verified: z.boolean(),
      pairs: z.array(pairSchema),
    }),
    /** Whether requirements correspond; `pairs` lists every requirement of the earlier version. */
    requirements: z.strictObject({
      mapped: z.boolean(),
      explanation: text,
      source,
      verified: z.boolean(),
      pairs: z.array(requirementPairSchema),
    }),
  })
  .superRefine((file, ctx) => {
    const problem = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message, input: file });
    if (file.fromVersion === file.toVersion) problem(['toVersion'], 'must differ from fromVersion');
    const { mapped, pairs } = file.groups;
    if (!mapped && pairs.length > 0) problem(['groups', 'pairs'], 'must be empty when groups are not mapped');
    if (mapped && pairs.length === 0)
      problem(['groups', 'pairs'], 'must list the pairs when groups are mapped');
    for (const side of ['from', 'to'] as const) {
      const seen = new Set<string>();
      pairs.forEach((pair, index) => {
        const code = pair[side];
        if (code === null) return;
        if (seen.has(code)) problem(['groups', 'pairs', index, side], `repeats group ${code}`);
        seen.add(code);
      });
    }
    const requirements = file.requirements;
    if (!requirements.mapped && requirements.pairs.length > 0)
      problem(['requirements', 'pairs'], 'must be empty when requirements are not mapped');
    if (requirements.mapped && requirements.pairs.length === 0)
      problem(['requirements', 'pairs'], 'must list the pairs when requirements are mapped');
    const seenRequirements = new Set<string>();
    requirements.pairs.forEach((pair, index) => {
      if (seenRequirements.has(pair.from))
        problem(['requirements', 'pairs', index, 'from'], `repeats requirement ${pair.from}`);
      seenRequirements.add(pair.from);
    });
    pairs.forEach((pair, index) => {
      if (pair.from === null && pair.to === null)
        problem(['groups', 'pairs', index], 'must name a group on at least one side');
    });
  });

export type VersionMapping = z.output<typeof versionMappingSchema>;
