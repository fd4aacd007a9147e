import { z } from 'zod';

/**
 * The format of one standards data file (data/standards/*.json): one framework version with its
 * rating scale, overall rating bands, groups (AIS steps, EDS goals or domains) and requirements.
 * Every fact carries `source` (where it comes from) and `verified` (false until a published source
 * confirms it), so an administrator can correct the data without a code change.
 */

/** Plain messages: "is required" for a missing field, otherwise what the value must be. */
function expect(what: string) {
  return {
    error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
  };
}

const text = z.string(expect('text')).trim().min(1, 'must not be empty');
const source = z.string(expect('text')).trim().min(1, 'must name where the fact comes from');
const flag = z.boolean(expect('true or false'));
const code = z
  .string(expect('text'))
  .regex(
    /^[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*$/,
    'must be letters and digits, optionally joined by "." or "-"',
  );
const wholeNumber = z.int(expect('a whole number'));
const position = wholeNumber.min(1).max(999);

export const LEVEL_COLOURS = ['red', 'amber', 'yellow', 'green', 'blue', 'purple', 'grey'] as const;

const frameworkSchema = z.strictObject({
  code: z.enum(['AIS', 'EDS']),
  name: text,
});

/**
 * The usual due date of a return against the version, in the final year of its reporting period.
 * `national` is false when no national date exists and the date is a local commissioner's default
 * (AIS 2016 had no national reporting at all); `source` says which.
 */
const dueSchema = z.strictObject({
  month: wholeNumber.min(1).max(12),
  day: wholeNumber.min(1).max(31),
  national: flag,
  source,
  verified: flag,
});

/**
 * How "not applicable" answers count, for versions that allow them on some requirements: `exclude`
 * leaves them out of totals and their maxima, and out of a step's or goal's lowest level.
 */
const notApplicableSchema = z.strictObject({
  rule: z.enum(['exclude'], expect('"exclude"')),
  source,
  verified: flag,
});

/** The set of self-assessment statements the requirements are, when reviewed apart from the standard. */
const statementsSchema = z.strictObject({
  name: text,
  source,
  verified: flag,
});

/**
 * A group whose requirements are answered once per service the return names (EDS 2022 Domain 1):
 * at least `minimum` services, and the services' group totals combined by `combine` into the
 * group's score ("mean", the only rule so far).
 */
const perServiceSchema = z.strictObject({
  groupCode: code,
  minimum: wholeNumber.min(1).max(99),
  combine: z.enum(['mean'], expect('"mean"')),
  source,
  verified: flag,
});

const versionSchema = z.strictObject({
  code,
  name: text,
  identifier: text.nullable(),
  publishedOn: z.iso.date(expect('a date written YYYY-MM-DD, or null')).nullable(),
  groupLabel: text,
  source,
  verified: flag,
  due: dueSchema,
  statements: statementsSchema.nullable().default(null),
  notApplicable: notApplicableSchema.nullable().default(null),
  perService: perServiceSchema.nullable().default(null),
});

const levelSchema = z.strictObject({
  code,
  label: text,
  score: wholeNumber.min(0).max(999),
  colour: z.enum(LEVEL_COLOURS).nullable(),
  description: text,
  position,
});

const ratingScaleSchema = z.strictObject({
  code,
  name: text,
  source,
  verified: flag,
  levels: z.array(levelSchema).min(2, 'a rating scale needs at least two levels'),
});

const bandSchema = z.strictObject({
  minTotal: wholeNumber.min(0).max(9999),
  maxTotal: wholeNumber.min(0).max(9999),
  label: text,
  position,
  source,
  verified: flag,
});

const requirementSchema = z.strictObject({
  code,
  title: text,
  guidance: text,
  evidenceExpected: text,
  position,
  source,
  verified: flag,
  notApplicableAllowed: flag.default(false),
});

const groupSchema = z.strictObject({
  code,
  title: text,
  description: text,
  position,
  source,
  verified: flag,
  requirements: z.array(requirementSchema).min(1, 'a group needs at least one requirement'),
});

export const standardFileSchema = z
  .strictObject({
    framework: frameworkSchema,
    version: versionSchema,
    ratingScale: ratingScaleSchema,
    overallRatingBands: z.array(bandSchema).default([]),
    groups: z.array(groupSchema).min(1, 'a version needs at least one group'),
  })
  .superRefine((file, ctx) => {
    for (const problem of consistencyProblems(file)) {
      ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path, input: file });
    }
  });

export type StandardFile = z.output<typeof standardFileSchema>;
export type StandardFileInput = z.input<typeof standardFileSchema>;
export type StandardLevel = StandardFile['ratingScale']['levels'][number];
export type StandardBand = StandardFile['overallRatingBands'][number];
export type StandardGroup = StandardFile['groups'][number];
export type StandardRequirement = StandardGroup['requirements'][number];

interface Problem {
  path: (string | number)[];
  message: string;
}

/** Values that must be unique within a list: reports each repeat with the index of its first use. */
function duplicates<T>(
  items: readonly T[],
  pathOf: (index: number) => (string | number)[],
  field: string,
  valueOf: (item: T) => string | number,
  what: string,
): Problem[] {
  const firstSeen = new Map<string | number, number>();
  const problems: Problem[] = [];
  items.forEach((item, index) => {
    const value = valueOf(item);
    const first = firstSeen.get(value);
    if (first === undefined) {
      firstSeen.set(value, index);
    } else {
      problems.push({
        path: [...pathOf(index), field],
        message: `duplicate ${what} ${JSON.stringify(value)} (already used at ${formatPath(pathOf(first))})`,
      });
    }
  });
  return problems;
}

/** Rules a single field cannot express: unique codes and positions, contiguous total bands. */
export function consistencyProblems(file: StandardFile): Problem[] {
  const { ratingScale, overallRatingBands: bands, groups } = file;
  const levelPath = (index: number) => ['ratingScale', 'levels', index];
  const bandPath = (index: number) => ['overallRatingBands', index];
  const groupPath = (index: number) => ['groups', index];
  const requirements = groups.flatMap((group, groupIndex) =>
    group.requirements.map((requirement, index) => ({
      requirement,
      path: ['groups', groupIndex, 'requirements', index],
    })),
  );

  const problems: Problem[] = [
    ...duplicates(ratingScale.levels, levelPath, 'code', (level) => level.code, 'level code'),
    ...duplicates(ratingScale.levels, levelPath, 'position', (level) => level.position, 'level position'),
    ...duplicates(ratingScale.levels, levelPath, 'score', (level) => level.score, 'level score'),
    ...duplicates(bands, bandPath, 'position', (band) => band.position, 'band position'),
    ...duplicates(groups, groupPath, 'code', (group) => group.code, 'group code'),
    ...duplicates(groups, groupPath, 'position', (group) => group.position, 'group position'),
    ...duplicates(
      requirements,
      (index) => requirements[index]?.path ?? [],
      'code',
      (entry) => entry.requirement.code,
      'requirement code',
    ),
  ];
  groups.forEach((group, groupIndex) => {
    problems.push(
      ...duplicates(
        group.requirements,
        (index) => ['groups', groupIndex, 'requirements', index],
        'position',
        (requirement) => requirement.position,
        `requirement position in group ${group.code}`,
      ),
    );
  });
  problems.push(...bandProblems(file));
  if (file.version.notApplicable === null) {
    for (const { requirement, path } of requirements) {
      if (requirement.notApplicableAllowed) {
        problems.push({
          path: [...path, 'notApplicableAllowed'],
          message: 'needs version.notApplicable to say how "not applicable" answers count',
        });
      }
    }
  }
  const perService = file.version.perService;
  if (perService && !groups.some((group) => group.code === perService.groupCode)) {
    problems.push({
      path: ['version', 'perService', 'groupCode'],
      message: `must be the code of one of the version's groups, not ${JSON.stringify(perService.groupCode)}`,
    });
  }
  // Every year has the day (so never 29 February).
  const { month, day } = file.version.due;
  const daysInMonth = new Date(Date.UTC(2001, month, 0)).getUTCDate();
  if (day > daysInMonth) {
    problems.push({
      path: ['version', 'due', 'day'],
      message: `must be a day every year has in month ${month} (1 to ${daysInMonth})`,
    });
  }
  return problems;
}

/**
 * Bands turn the sum of all requirement scores into an overall rating, so together they must cover
 * every possible total exactly once, in position order.
 */
function bandProblems(file: StandardFile): Problem[] {
  const bands = file.overallRatingBands;
  if (bands.length === 0) return [];
  const problems: Problem[] = [];
  bands.forEach((band, index) => {
    if (band.minTotal > band.maxTotal) {
      problems.push({
        path: ['overallRatingBands', index, 'maxTotal'],
        message: `band ${band.label} ends (${band.maxTotal}) before it starts (${band.minTotal})`,
      });
    }
  });
  const ordered = bands
    .map((band, index) => ({ band, index }))
    .sort((a, b) => a.band.minTotal - b.band.minTotal || a.band.maxTotal - b.band.maxTotal);
  for (let i = 1; i < ordered.length; i += 1) {
    const previous = ordered[i - 1];
    const current = ordered[i];
    if (!previous || !current) continue;
    const path = ['overallRatingBands', current.index, 'minTotal'];
    if (current.band.minTotal <= previous.band.maxTotal) {
      problems.push({
        path,
        message: `band ${current.band.label} (${current.band.minTotal}-${current.band.maxTotal}) overlaps band ${previous.band.label} (${previous.band.minTotal}-${previous.band.maxTotal})`,
      });
    } else if (current.band.minTotal !== previous.band.maxTotal + 1) {
      const from = previous.band.maxTotal + 1;
      const to = current.band.minTotal - 1;
      problems.push({
        path,
        message: `${from === to ? `total ${from}` : `totals ${from}-${to}`} fall${from === to ? 's' : ''} in no band (between band ${previous.band.label} and band ${current.band.label})`,
      });
    }
    if (current.band.position <= previous.band.position) {
      problems.push({
        path: ['overallRatingBands', current.index, 'position'],
        message: `band ${current.band.label} has higher totals than band ${previous.band.label} so needs a later position`,
      });
    }
  }

  const scores = file.ratingScale.levels.map((level) => level.score);
  const count = file.groups.reduce((sum, group) => sum + group.requirements.length, 0);
  const lowest = Math.min(...scores) * count;
  const highest = Math.max(...scores) * count;
  const first = ordered[0]?.band;
  const last = ordered[ordered.length - 1]?.band;
  if (first && first.minTotal !== lowest) {
    problems.push({
      path: ['overallRatingBands'],
      message: `bands must start at the lowest possible total ${lowest} (${count} requirements), not ${first.minTotal}`,
    });
  }
  if (last && last.maxTotal !== highest) {
    problems.push({
      path: ['overallRatingBands'],
      message: `bands must end at the highest possible total ${highest} (${count} requirements), not ${last.maxTotal}`,
    });
  }
  return problems;
}

/** `groups[0].requirements[2].title`: the way the data file's author would find the field. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(file)';
  return path
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      return index === 0 ? name : `.${name}`;
    })
    .join('');
}
