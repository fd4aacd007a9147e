import type { IndicatorDefinition, WorkforceStandard } from './indicator-file.schema.js';

/**
 * WRES and WDES calculations, defined by the indicator data: pure functions, no database. A value
 * that cannot be worked out says why in words; impossible inputs are refused, each with its own
 * message, before anything is calculated.
 */

/** How many of a group had the event (appointed), out of how many (shortlisted). */
export interface RateInput {
  events: number;
  outOf: number;
}

export interface Flag {
  kind: 'outside-parity' | 'small-numbers';
  text: string;
}

export type Calculated =
  | { ok: true; value: number; shown: string; formula: string; flags: Flag[] }
  | { ok: false; problems: string[] };

const wholeNumber = (value: number) => Number.isInteger(value) && value >= 0;

/** Two decimals, as reported ("1.88"); the number itself keeps full precision until shown. */
export function twoDecimals(value: number): string {
  return (Math.round((value + Number.EPSILON) * 100) / 100).toFixed(2);
}

function rateText(input: RateInput): string {
  return `${input.events} ÷ ${input.outOf}`;
}

function countProblems(label: string, input: RateInput, event: string, outOf: string): string[] {
  const problems: string[] = [];
  if (!wholeNumber(input.events))
    problems.push(`The number of ${label} ${event} must be a whole number, 0 or more`);
  if (!wholeNumber(input.outOf))
    problems.push(`The number of ${label} ${outOf} must be a whole number, 0 or more`);
  if (problems.length === 0 && input.events > input.outOf) {
    problems.push(
      `The number of ${label} ${event} (${input.events}) cannot be more than the number ${outOf} (${input.outOf})`,
    );
  }
  return problems;
}

/**
 * A relative likelihood: (numerator's events ÷ its total) ÷ (denominator's events ÷ its total), shown
 * to two decimals with the formula, flagged outside the parity band or when a group is small.
 */
export function relativeLikelihood(
  standard: WorkforceStandard,
  indicator: Extract<IndicatorDefinition, { kind: 'relative-likelihood' }>,
  numerator: RateInput,
  denominator: RateInput,
): Calculated {
  // Group names keep their capitals, as NHS England writes them ("White", "Disabled").
  const label = (group: string) => (standard.groups[group] ?? group).replace(/ staff$/, '');
  const top = indicator.numerator;
  const bottom = indicator.denominator;
  const problems = [
    ...countProblems(`${label(top.group)} staff`, numerator, top.event, top.outOf),
    ...countProblems(`${label(bottom.group)} staff`, denominator, bottom.event, bottom.outOf),
  ];
  if (problems.length > 0) return { ok: false, problems };
  for (const [side, input] of [
    [top, numerator],
    [bottom, denominator],
  ] as const) {
    if (input.outOf === 0) {
      return {
        ok: false,
        problems: [
          `No ${label(side.group)} staff were ${side.outOf}, so the likelihood cannot be worked out`,
        ],
      };
    }
  }
  if (denominator.events === 0) {
    return {
      ok: false,
      problems: [
        `No ${label(bottom.group)} staff ${bottom.event}, so the likelihood cannot be worked out (it would divide by zero)`,
      ],
    };
  }
  const topRate = numerator.events / numerator.outOf;
  const bottomRate = denominator.events / denominator.outOf;
  const value = topRate / bottomRate;
  const shown = twoDecimals(value);
  const formula = `(${rateText(numerator)}) ÷ (${rateText(denominator)}) = ${topRate.toFixed(4)} ÷ ${bottomRate.toFixed(4)} = ${shown}`;
  const flags: Flag[] = [];
  const { low, high } = standard.parityBand;
  // Judged on the figure as reported (two decimals), as a reader of the report would.
  const reported = Number(shown);
  if (reported < low || reported > high) {
    flags.push({
      kind: 'outside-parity',
      text: `Outside the parity band of ${twoDecimals(low)} to ${twoDecimals(high)}`,
    });
  }
  const small = [
    [top.group, numerator.outOf],
    [bottom.group, denominator.outOf],
  ].filter(([, count]) => Number(count) < standard.smallNumbers.below);
  for (const [group, count] of small) {
    flags.push({
      kind: 'small-numbers',
      text: `Small numbers: only ${count} ${label(String(group))} staff ${group === top.group ? top.outOf : bottom.outOf}, fewer than ${standard.smallNumbers.below}; read with care`,
    });
  }
  return { ok: true, value, shown, formula, flags };
}

/** A survey percentage for each group: 0 to 100, one decimal at most. */
export function surveyPercentages(
  standard: WorkforceStandard,
  indicator: Extract<IndicatorDefinition, { kind: 'survey-percentages' }>,
  percentages: Readonly<Record<string, number>>,
): { ok: true; values: Record<string, number> } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  for (const group of indicator.groups) {
    const value = percentages[group];
    const name = standard.groups[group] ?? group;
    if (value === undefined || !Number.isFinite(value)) problems.push(`Enter the percentage for ${name}`);
    else if (value < 0) problems.push(`The percentage for ${name} cannot be below 0`);
    else if (value > 100) problems.push(`The percentage for ${name} cannot be over 100`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    values: Object.fromEntries(indicator.groups.map((group) => [group, percentages[group] ?? 0])),
  };
}

export interface BoardInput {
  boardGroup: number;
  boardTotal: number;
  workforceGroup: number;
  workforceTotal: number;
}

/**
 * The gap in board representation: the group's share of the board minus its share of the workforce,
 * in percentage points (one decimal), with the formula.
 */
export function boardGap(
  standard: WorkforceStandard,
  indicator: Extract<IndicatorDefinition, { kind: 'board-gap' }>,
  input: BoardInput,
): { ok: true; value: number; shown: string; formula: string } | { ok: false; problems: string[] } {
  const name = (standard.groups[indicator.group] ?? indicator.group).replace(/ staff$/, '');
  const problems: string[] = [];
  for (const [value, what] of [
    [input.boardGroup, `${name} board members`],
    [input.boardTotal, 'board members'],
    [input.workforceGroup, `${name} staff`],
    [input.workforceTotal, 'staff'],
  ] as const) {
    if (!wholeNumber(value)) problems.push(`The number of ${what} must be a whole number, 0 or more`);
  }
  if (problems.length === 0) {
    if (input.boardGroup > input.boardTotal) {
      problems.push(
        `${name} board members (${input.boardGroup}) cannot be more than the whole board (${input.boardTotal})`,
      );
    }
    if (input.workforceGroup > input.workforceTotal) {
      problems.push(
        `${name} staff (${input.workforceGroup}) cannot be more than the whole workforce (${input.workforceTotal})`,
      );
    }
    if (input.boardTotal === 0) problems.push('Enter the number of board members: it cannot be 0');
    if (input.workforceTotal === 0) problems.push('Enter the number of staff: it cannot be 0');
  }
  if (problems.length > 0) return { ok: false, problems };
  const boardShare = (input.boardGroup / input.boardTotal) * 100;
  const workforceShare = (input.workforceGroup / input.workforceTotal) * 100;
  const value = boardShare - workforceShare;
  const shown = `${value > 0 ? '+' : ''}${(Math.round(value * 10) / 10).toFixed(1)} percentage points`;
  const formula = `(${input.boardGroup} ÷ ${input.boardTotal} × 100) − (${input.workforceGroup} ÷ ${input.workforceTotal} × 100) = ${boardShare.toFixed(1)}% − ${workforceShare.toFixed(1)}% = ${shown}`;
  return { ok: true, value, shown, formula };
}

/** WDES: the share of staff whose disability status is recorded (declared either way), one decimal. */
export function declarationRate(
  declared: number,
  headcount: number,
): { ok: true; value: number; shown: string } | { ok: false; problems: string[] } {
  if (!wholeNumber(declared) || !wholeNumber(headcount)) {
    return { ok: false, problems: ['The numbers of staff must be whole numbers, 0 or more'] };
  }
  if (headcount === 0) return { ok: false, problems: ['Enter the number of staff: it cannot be 0'] };
  if (declared > headcount) {
    return {
      ok: false,
      problems: [`Staff who declared (${declared}) cannot be more than the whole workforce (${headcount})`],
    };
  }
  const value = (declared / headcount) * 100;
  return { ok: true, value, shown: `${(Math.round(value * 10) / 10).toFixed(1)}%` };
}

/** One decimal, as the shares and scores are reported ("27.4"). */
export function oneDecimal(value: number): string {
  return (Math.round((value + Number.EPSILON) * 10) / 10).toFixed(1);
}

type RepresentationIndicator = Extract<IndicatorDefinition, { kind: 'representation' }>;

/** A group's share of some staff: how many, and the percentage (undefined when there are no staff). */
export interface Share {
  group: string;
  count: number;
  percent: number | undefined;
}

export interface BandShares {
  /** "Band 5", or "All non-clinical staff" for a section's total. */
  label: string;
  total: number;
  shares: Share[];
}

export interface Representation {
  sections: { label: string; bands: BandShares[]; total: BandShares }[];
  workforce: BandShares;
  /** The focus group's share of the whole workforce, full precision. */
  value: number;
  shown: string;
  formula: string;
  flags: Flag[];
}

function sharesOf(groups: readonly string[], label: string, counts: (group: string) => number): BandShares {
  const total = groups.reduce((sum, group) => sum + counts(group), 0);
  const shares: Share[] = groups.map((group) => ({
    group,
    count: counts(group),
    percent: total === 0 ? undefined : (counts(group) / total) * 100,
  }));
  return { label, total, shares };
}

/**
 * WRES indicator 1 and WDES metric 1: each group's share of the staff in each band (count in the band ÷
 * all staff in the band × 100), each section's, and the whole workforce's, to one decimal. Bands with
 * a few staff (under the small-number threshold, but not none) are flagged; an empty workforce is refused.
 * `count(section, band, group)` gives the headcount entered.
 */
export function representation(
  standard: WorkforceStandard,
  indicator: RepresentationIndicator,
  count: (section: string, band: string, group: string) => number,
): ({ ok: true } & Representation) | { ok: false; problems: string[] } {
  const label = (group: string) => (standard.groups[group] ?? group).replace(/ staff$/, '');
  const problems: string[] = [];
  for (const section of indicator.sections)
    for (const band of section.bands)
      for (const group of indicator.groups)
        if (!wholeNumber(count(section.code, band.code, group)))
          problems.push(
            `The number of ${label(group)} staff, ${section.label.toLowerCase()}, ${band.label} must be a whole number, 0 or more`,
          );
  if (problems.length > 0) return { ok: false, problems };
  const sections = indicator.sections.map((section) => {
    const bands = section.bands.map((band) =>
      sharesOf(indicator.groups, band.label, (group) => count(section.code, band.code, group)),
    );
    const total = sharesOf(indicator.groups, `All ${section.label.toLowerCase()}`, (group) =>
      section.bands.reduce((sum, band) => sum + count(section.code, band.code, group), 0),
    );
    return { label: section.label, bands, total };
  });
  const workforce = sharesOf(indicator.groups, 'Whole workforce', (group) =>
    sections.reduce(
      (sum, section) => sum + (section.total.shares.find((share) => share.group === group)?.count ?? 0),
      0,
    ),
  );
  if (workforce.total === 0)
    return {
      ok: false,
      problems: ['Enter the staff in each band: there must be at least 1 member of staff'],
    };
  const focus = workforce.shares.find((share) => share.group === indicator.focus);
  const value = focus?.percent ?? 0;
  const shown = `${label(indicator.focus)} staff: ${oneDecimal(value)}% of the workforce`;
  const formula = `${label(indicator.focus)} staff ÷ all staff × 100 = ${focus?.count ?? 0} ÷ ${workforce.total} × 100 = ${oneDecimal(value)}%; in each band, the group's staff in the band ÷ all staff in the band × 100`;
  const small = sections.flatMap((section, index) =>
    section.bands
      .filter((band) => band.total > 0 && band.total < standard.smallNumbers.below)
      .map(
        (band) =>
          `${indicator.sections[index]?.label.replace(/ staff$/, '').toLowerCase() ?? ''} ${band.label}`,
      ),
  );
  const flags: Flag[] =
    small.length === 0
      ? []
      : [
          {
            kind: 'small-numbers',
            text: `Small numbers: fewer than ${standard.smallNumbers.below} staff in ${small.join('; ')}; read those shares with care`,
          },
        ];
  return { ok: true, sections, workforce, value, shown, formula, flags };
}

/**
 * Survey scores on the indicator's scale (WDES 9a, the staff engagement score 0 to 10), per group and
 * overall where asked for; a missing score or one off the scale is refused.
 */
export function surveyScores(
  standard: WorkforceStandard,
  indicator: Extract<IndicatorDefinition, { kind: 'survey-scores' }>,
  scores: Readonly<Record<string, number>>,
):
  | { ok: true; values: { group: string; label: string; value: number }[] }
  | { ok: false; problems: string[] } {
  const named = [
    ...indicator.groups.map((group) => ({ group, label: standard.groups[group] ?? group })),
    ...(indicator.overall ? [{ group: 'overall', label: 'all staff' }] : []),
  ];
  const { low, high } = indicator.scale;
  const problems: string[] = [];
  for (const { group, label } of named) {
    const value = scores[group];
    if (value === undefined || !Number.isFinite(value)) problems.push(`Enter the score for ${label}`);
    else if (value < low) problems.push(`The score for ${label} cannot be below ${low}`);
    else if (value > high) problems.push(`The score for ${label} cannot be over ${high}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    values: named.map(({ group, label }) => ({ group, label, value: scores[group] ?? 0 })),
  };
}
