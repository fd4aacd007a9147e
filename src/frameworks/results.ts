/**
 * Computed results of a return: pure functions of its responses and the standard's data (rating
 * scale levels, overall rating bands, groups). Nothing here is hard-coded per standard: thresholds,
 * labels and orders all come from the imported data files.
 *
 * - EDS 2022 (a version with overall rating bands): the total of the outcome scores and the overall
 *   rating whose band [minTotal, maxTotal] contains the total. Incomplete, with no overall rating,
 *   while any outcome is unrated. A group the data answers per service (Domain 1) scores each
 *   service's outcomes apart and combines the services' totals by the data's rule (the mean), so
 *   group scores and the total may be fractions: kept exact (a numerator over the number of
 *   services), compared with the bands exactly, and shown to one decimal place.
 * - EDS2 (an EDS version without bands): the grade of each outcome; a summary counting outcomes per
 *   grade; and per goal its lowest grade.
 * - AIS (2016 and 2025): per step its level, defined as the LOWEST level given to any of the step's
 *   requirements, because a step is only as mature (or compliant) as its weakest measure. A step
 *   with an unrated requirement is incomplete: it shows the lowest level so far, marked incomplete.
 *   Plus a count of requirements per level.
 *
 * "Lowest" means lowest score on the scale (ties, which the import refuses, broken by position).
 * The input is the stored snapshot's responses or live responses: anything with the group code,
 * requirement code and title, and the rating level code (null when unrated).
 */

/** A level of the standard's rating scale, as imported. */
export interface ResultsLevel {
  code: string;
  label: string;
  score: number;
  position: number;
  /** The data file's colour name (red, amber, yellow, green, blue, purple, grey) or null. */
  colour: string | null;
}

/** An EDS 2022 overall rating band: a total in [minTotal, maxTotal] gets `label`. */
export interface ResultsBand {
  minTotal: number;
  maxTotal: number;
  label: string;
  position: number;
}

export interface ResultsGroup {
  code: string;
  title: string;
  position: number;
}

/** Everything about a framework version that the results depend on (loaded by results.queries.ts). */
export interface ResultsBasis {
  frameworkCode: string;
  versionCode: string;
  versionName: string;
  /** What the version calls a group: "Step", "Goal", "Domain". */
  groupLabel: string;
  groups: readonly ResultsGroup[];
  levels: readonly ResultsLevel[];
  bands: readonly ResultsBand[];
  /**
   * How "not applicable" answers count, from the version's data: "exclude" (the only rule so far)
   * leaves them out of totals, maxima, completeness and lowest levels. Null: the version allows none.
   */
  notApplicableRule?: string | null;
  /**
   * The group answered once per service (EDS 2022 Domain 1) and how the services' totals combine
   * ("mean", the only rule so far), from the version's data. Null: every group is answered once.
   */
  perService?: { groupCode: string; combine: string } | null;
}

/** One answer: the shape of a snapshot response (src/returns/snapshot.ts) or of a live response. */
export interface RatedResponse {
  groupCode: string;
  requirementCode: string;
  requirementTitle: string;
  ratingLevelCode: string | null;
  /** Answered "not applicable" (with a reason): no rating, counted by the version's rule. */
  notApplicable?: boolean;
  /** For a requirement answered per service: which service (answers come in service order). */
  serviceId?: string | null;
  serviceName?: string | null;
}

/** The level code a return's tally gives "not applicable" answers (data files' codes have no colon). */
export const NOT_APPLICABLE_TALLY_CODE = ':not-applicable';

/** The NHS.UK tag colours a level can be shown with (always next to its label, never alone). */
export type TagColour = 'red' | 'orange' | 'yellow' | 'green' | 'blue' | 'purple' | 'grey';

const TAG_COLOURS: Record<string, TagColour> = {
  red: 'red',
  amber: 'orange',
  yellow: 'yellow',
  green: 'green',
  blue: 'blue',
  purple: 'purple',
  grey: 'grey',
};

/** A level as a view shows it: its label, and a tag colour when the scale gives one. */
export interface LevelView {
  code: string;
  label: string;
  score: number;
  tagColour: TagColour | null;
}

export interface LevelCount {
  /** The level, or null for the "Not rated" line. */
  level: LevelView | null;
  label: string;
  count: number;
}

/** A group's level (the lowest of its requirements'). */
export interface GroupLevel {
  code: string;
  title: string;
  /** "Step 1: Ask". */
  heading: string;
  /** The lowest level given so far; null when nothing in the group is rated. */
  level: LevelView | null;
  ratedCount: number;
  requirementCount: number;
  complete: boolean;
  /** "Intermediate", "Basic so far (1 of 3 not rated)", "Not rated". */
  text: string;
}

/** A score kept exactly: a whole number, or a mean of services' totals (numerator over services). */
export interface ExactScore {
  numerator: number;
  denominator: number;
}

/** One service's part of a group answered per service. */
export interface ServiceSubtotal {
  serviceId: string | null;
  name: string;
  subtotal: number;
  maximum: number;
  ratedCount: number;
  requirementCount: number;
}

export interface TotalScoreResults {
  kind: 'total-score';
  complete: boolean;
  /** The total as a number (a mean of services may make it a fraction); `exactTotal` keeps it exact. */
  total: number;
  exactTotal: ExactScore;
  maximum: number;
  ratedCount: number;
  requirementCount: number;
  unratedCodes: string[];
  /** Outcomes answered "not applicable": left out of the total and the maximum. */
  notApplicableCodes: string[];
  /** The band the total falls in; null while incomplete or if no band covers the total. */
  band: { label: string; position: number } | null;
  /** "Achieving", or why there is no overall rating. */
  ratingText: string;
  /** "22 out of 33", or "15 out of 33 so far (2 outcomes not rated)". */
  totalText: string;
  groups: {
    code: string;
    heading: string;
    subtotal: number;
    maximum: number;
    /** The same exactly (a mean of services may be 22/3): what formatScore and shownScore read. */
    exactSubtotal: ExactScore;
    exactMaximum: ExactScore;
    /** "7.5 out of 12 (mean of 2 services)", or "9 out of 12" (one service, or not per service). */
    scoreText: string;
    ratedCount: number;
    requirementCount: number;
    /** For a group answered per service: each service's subtotal, in the return's order. */
    services: ServiceSubtotal[] | null;
  }[];
}

export interface GradeResults {
  kind: 'grades';
  complete: boolean;
  outcomes: {
    code: string;
    title: string;
    groupCode: string;
    level: LevelView | null;
    /** Answered "not applicable": left out of every count of graded outcomes. */
    notApplicable: boolean;
    text: string;
  }[];
  counts: LevelCount[];
  /** Per goal its lowest grade. */
  groups: GroupLevel[];
}

export interface MaturityResults {
  kind: 'maturity';
  complete: boolean;
  /** Per step its lowest level. */
  steps: GroupLevel[];
  counts: LevelCount[];
}

export type ComputedResults = TotalScoreResults | GradeResults | MaturityResults;

/** The results that suit the standard: total score when it has bands, else EDS grades or AIS levels. */
export function computeResults(responses: readonly RatedResponse[], basis: ResultsBasis): ComputedResults {
  if (basis.bands.length > 0) return totalScoreResults(responses, basis);
  if (basis.frameworkCode === 'EDS') return gradeResults(responses, basis);
  return maturityResults(responses, basis);
}

/** EDS 2022: the total of the outcome scores and the overall rating band it falls in. */
export function totalScoreResults(
  responses: readonly RatedResponse[],
  basis: ResultsBasis,
): TotalScoreResults {
  const { counted, notApplicable } = byNotApplicableRule(responses, basis);
  const rated = ratedResponses(counted, basis);
  const notApplicableCodes = notApplicable.map(answerCode);
  const topScore = Math.max(0, ...basis.levels.map((level) => level.score));
  const sum = (items: readonly Rated[]) => items.reduce((total, item) => total + (item.level?.score ?? 0), 0);
  const unratedCodes = rated.filter((item) => item.level === null).map((item) => answerCode(item.response));
  const complete = unratedCodes.length === 0 && rated.length > 0;

  const groups = groupsWithResponses(rated, basis).map(({ group, items }) => {
    const heading = `${basis.groupLabel} ${group.code}: ${group.title}`;
    const ratedCount = items.filter((item) => item.level !== null).length;
    if (basis.perService?.groupCode !== group.code) {
      const subtotal = sum(items);
      const maximum = items.length * topScore;
      return {
        code: group.code,
        heading,
        subtotal,
        maximum,
        exactSubtotal: whole(subtotal),
        exactMaximum: whole(maximum),
        scoreText: `${subtotal} out of ${maximum}`,
        ratedCount,
        requirementCount: items.length,
        services: null,
      };
    }
    const services = serviceSubtotals(items, topScore, sum);
    const exactSubtotal = combined(
      services.map((service) => service.subtotal),
      basis,
    );
    const exactMaximum = combined(
      services.map((service) => service.maximum),
      basis,
    );
    const count = services.length;
    return {
      code: group.code,
      heading,
      subtotal: valueOf(exactSubtotal),
      maximum: valueOf(exactMaximum),
      exactSubtotal,
      exactMaximum,
      scoreText:
        `${formatScore(exactSubtotal)} out of ${formatScore(exactMaximum)}` +
        (count > 1 ? ` (${basis.perService.combine} of ${plural(count, 'service')})` : ''),
      ratedCount,
      requirementCount: items.length,
      services,
    };
  });

  const exactTotal = groups.reduce((total, group) => addScores(total, group.exactSubtotal), whole(0));
  const exactMaximum = groups.reduce((total, group) => addScores(total, group.exactMaximum), whole(0));
  const total = valueOf(exactTotal);
  const maximum = valueOf(exactMaximum);
  const band = complete ? bandFor(exactTotal, basis.bands) : null;
  const totalShown = formatScore(exactTotal);
  const maximumShown = formatScore(exactMaximum);

  let ratingText: string;
  if (rated.length === 0) ratingText = 'Not available: there are no outcomes to rate';
  else if (!complete) ratingText = `Not available until every outcome is rated (${notRated(unratedCodes)})`;
  else if (band) ratingText = band.label;
  else
    ratingText = `Not available: no overall rating band in ${basis.versionName} covers a total of ${totalShown}`;

  const notApplicableText =
    notApplicableCodes.length > 0
      ? `; ${plural(notApplicableCodes.length, 'outcome')} not applicable: ${notApplicableCodes.join(', ')}`
      : '';
  const totalText = complete
    ? `${totalShown} out of ${maximumShown}${notApplicableText ? ` (${notApplicableText.slice(2)})` : ''}`
    : `${totalShown} out of ${maximumShown} so far (${plural(unratedCodes.length, 'outcome')} not rated${notApplicableText})`;

  return {
    kind: 'total-score',
    complete,
    total,
    exactTotal,
    maximum,
    ratedCount: rated.length - unratedCodes.length,
    requirementCount: rated.length,
    unratedCodes,
    notApplicableCodes,
    band: band ? { label: band.label, position: band.position } : null,
    ratingText,
    totalText,
    groups: groups.map((group) => ({
      code: group.code,
      heading: group.heading,
      subtotal: group.subtotal,
      maximum: group.maximum,
      exactSubtotal: group.exactSubtotal,
      exactMaximum: group.exactMaximum,
      scoreText: group.scoreText,
      ratedCount: group.ratedCount,
      requirementCount: group.requirementCount,
      services: group.services,
    })),
  };
}

/** "1A" or, for an answer given per service, "1A (Community nursing)". */
function answerCode(response: RatedResponse): string {
  return response.serviceName
    ? `${response.requirementCode} (${response.serviceName})`
    : response.requirementCode;
}

/** A per-service group's answers split by service, in the order the services first appear. */
function serviceSubtotals(
  items: readonly Rated[],
  topScore: number,
  sum: (items: readonly Rated[]) => number,
): ServiceSubtotal[] {
  const byService = new Map<string, Rated[]>();
  for (const item of items) {
    const key = item.response.serviceId ?? '';
    const list = byService.get(key);
    if (list) list.push(item);
    else byService.set(key, [item]);
  }
  return [...byService.values()].map((serviceItems) => {
    const first = serviceItems[0]?.response;
    return {
      serviceId: first?.serviceId ?? null,
      name: first?.serviceName ?? '',
      subtotal: sum(serviceItems),
      maximum: serviceItems.length * topScore,
      ratedCount: serviceItems.filter((item) => item.level !== null).length,
      requirementCount: serviceItems.length,
    };
  });
}

/** The services' totals combined by the version's rule: "mean" (the only rule so far), kept exact. */
function combined(values: readonly number[], basis: ResultsBasis): ExactScore {
  const rule = basis.perService?.combine ?? 'mean';
  if (rule !== 'mean')
    throw new Error(`Unknown rule "${rule}" for combining services in ${basis.versionName}`);
  if (values.length === 0) return whole(0);
  return reduced({
    numerator: values.reduce((total, value) => total + value, 0),
    denominator: values.length,
  });
}

function whole(value: number): ExactScore {
  return { numerator: value, denominator: 1 };
}

function addScores(a: ExactScore, b: ExactScore): ExactScore {
  return reduced({
    numerator: a.numerator * b.denominator + b.numerator * a.denominator,
    denominator: a.denominator * b.denominator,
  });
}

function reduced(score: ExactScore): ExactScore {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const divisor = gcd(Math.abs(score.numerator), score.denominator) || 1;
  return { numerator: score.numerator / divisor, denominator: score.denominator / divisor };
}

function valueOf(score: ExactScore): number {
  return score.numerator / score.denominator;
}

/**
 * A score as people read it: whole numbers as they are ("22"), others to one decimal place, rounded
 * half up in whole-number arithmetic so no binary fraction can tip it ("7.5", "7.3" for 22/3).
 */
export function formatScore(score: ExactScore): string {
  if (score.numerator % score.denominator === 0) return String(score.numerator / score.denominator);
  const tenths = Math.floor((20 * score.numerator + score.denominator) / (2 * score.denominator));
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

/**
 * A score as a number the way formatScore shows it (7.3 for 22/3): for a spreadsheet cell that must
 * say what the words beside it say, not a longer fraction than the printed report.
 */
export function shownScore(score: ExactScore): number {
  return Number(formatScore(score));
}

/** EDS2: each outcome's grade, the number of outcomes per grade, and each goal's lowest grade. */
export function gradeResults(responses: readonly RatedResponse[], basis: ResultsBasis): GradeResults {
  const { counted, notApplicable } = byNotApplicableRule(responses, basis);
  const rated = ratedResponses(counted, basis);
  const groups = groupsWithResponses(rated, basis).map(({ group, items }) => groupLevel(group, items, basis));
  return {
    kind: 'grades',
    complete: rated.length > 0 && rated.every((item) => item.level !== null),
    outcomes: responses.map((response) => {
      const item = rated.find((candidate) => candidate.response === response);
      const level = item?.level ?? null;
      return {
        code: response.requirementCode,
        title: response.requirementTitle,
        groupCode: response.groupCode,
        level,
        notApplicable: notApplicable.includes(response),
        text: level ? level.label : notApplicable.includes(response) ? 'Not applicable' : 'Not graded',
      };
    }),
    counts: withNotApplicable(levelCounts(rated, basis, 'Not graded'), notApplicable.length),
    groups,
  };
}

/** AIS: each step's level (its weakest requirement's) and the number of requirements per level. */
export function maturityResults(responses: readonly RatedResponse[], basis: ResultsBasis): MaturityResults {
  const { counted, notApplicable } = byNotApplicableRule(responses, basis);
  const rated = ratedResponses(counted, basis);
  const steps = groupsWithResponses(rated, basis).map(({ group, items }) => groupLevel(group, items, basis));
  return {
    kind: 'maturity',
    complete: rated.length > 0 && rated.every((item) => item.level !== null),
    steps,
    counts: withNotApplicable(levelCounts(rated, basis, 'Not rated'), notApplicable.length),
  };
}

/**
 * Splits the answers by the version's "not applicable" rule. "exclude" (the only rule the data
 * files use) leaves N/A answers out of every total, maximum, completeness check and lowest level.
 */
function byNotApplicableRule(responses: readonly RatedResponse[], basis: ResultsBasis) {
  const isNotApplicable = (response: RatedResponse) =>
    response.notApplicable === true || response.ratingLevelCode === NOT_APPLICABLE_TALLY_CODE;
  const rule = basis.notApplicableRule ?? 'exclude';
  if (rule !== 'exclude') throw new Error(`Unknown "not applicable" rule "${rule}" in ${basis.versionName}`);
  return {
    counted: responses.filter((response) => !isNotApplicable(response)),
    notApplicable: responses.filter(isNotApplicable),
  };
}

/** The per-level counts with a "Not applicable" line when any answer is. */
function withNotApplicable(counts: LevelCount[], notApplicable: number): LevelCount[] {
  return notApplicable > 0
    ? [...counts, { level: null, label: 'Not applicable', count: notApplicable }]
    : counts;
}

/**
 * The band the total falls in. Bands are contiguous whole-number ranges (the import checks), read
 * as the score card words them ("under 8", "8-21", "22-32", "33"): a band runs from its minTotal up
 * to the next band's minTotal, so a mean such as 21.5 is Developing. Compared exactly.
 */
export function bandFor(total: ExactScore | number, bands: readonly ResultsBand[]): ResultsBand | null {
  const exact = typeof total === 'number' ? whole(total) : total;
  const atLeast = (value: number) => value * exact.denominator <= exact.numerator;
  const ordered = [...bands].sort((a, b) => a.minTotal - b.minTotal);
  const last = ordered[ordered.length - 1];
  if (!last || !atLeast(ordered[0]?.minTotal ?? 0) || !(exact.numerator <= last.maxTotal * exact.denominator))
    return null;
  return ordered.filter((band) => atLeast(band.minTotal)).pop() ?? null;
}

export function levelView(level: ResultsLevel): LevelView {
  return {
    code: level.code,
    label: level.label,
    score: level.score,
    tagColour: level.colour === null ? null : (TAG_COLOURS[level.colour] ?? null),
  };
}

// ---------------------------------------------------------------------------------------------

interface Rated {
  response: RatedResponse;
  level: LevelView | null;
}

function ratedResponses(responses: readonly RatedResponse[], basis: ResultsBasis): Rated[] {
  const levels = new Map(basis.levels.map((level) => [level.code, level]));
  return responses.map((response) => {
    if (response.ratingLevelCode === null) return { response, level: null };
    const level = levels.get(response.ratingLevelCode);
    if (!level) {
      throw new Error(
        `Requirement ${response.requirementCode} is rated "${response.ratingLevelCode}", which is not a level of ${basis.versionName}`,
      );
    }
    return { response, level: levelView(level) };
  });
}

/** The basis's groups in position order with their responses (groups with none are left out). */
function groupsWithResponses(rated: readonly Rated[], basis: ResultsBasis) {
  return [...basis.groups]
    .sort((a, b) => a.position - b.position)
    .map((group) => ({ group, items: rated.filter((item) => item.response.groupCode === group.code) }))
    .filter(({ items }) => items.length > 0);
}

function groupLevel(group: ResultsGroup, items: readonly Rated[], basis: ResultsBasis): GroupLevel {
  const levels = items.flatMap((item) => (item.level ? [item.level] : []));
  const lowest = lowestLevel(levels, basis);
  const unrated = items.length - levels.length;
  const complete = unrated === 0;
  let text: string;
  if (lowest === null) text = 'Not rated';
  else if (complete) text = lowest.label;
  else text = `${lowest.label} so far (${unrated} of ${items.length} not rated)`;
  return {
    code: group.code,
    title: group.title,
    heading: `${basis.groupLabel} ${group.code}: ${group.title}`,
    level: lowest,
    ratedCount: levels.length,
    requirementCount: items.length,
    complete,
    text,
  };
}

function lowestLevel(levels: readonly LevelView[], basis: ResultsBasis): LevelView | null {
  const position = new Map(basis.levels.map((level) => [level.code, level.position]));
  let lowest: LevelView | null = null;
  for (const level of levels) {
    if (
      lowest === null ||
      level.score < lowest.score ||
      (level.score === lowest.score && (position.get(level.code) ?? 0) < (position.get(lowest.code) ?? 0))
    ) {
      lowest = level;
    }
  }
  return lowest;
}

/** One line per level of the scale in its order (zeros included), then the unrated ones if any. */
function levelCounts(rated: readonly Rated[], basis: ResultsBasis, unratedLabel: string): LevelCount[] {
  const counts: LevelCount[] = [...basis.levels]
    .sort((a, b) => a.position - b.position)
    .map((level) => ({
      level: levelView(level),
      label: level.label,
      count: rated.filter((item) => item.level?.code === level.code).length,
    }));
  const unrated = rated.filter((item) => item.level === null).length;
  if (unrated > 0) counts.push({ level: null, label: unratedLabel, count: unrated });
  return counts;
}

function notRated(codes: readonly string[]): string {
  return `${plural(codes.length, 'outcome')} not rated: ${codes.join(', ')}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** A return's rated answers counted per group and rating level (the matrix reads these, not every answer). */
export interface ResultsTallyLine {
  groupCode: string;
  ratingLevelCode: string;
  count: number;
  /** On a per-service group's lines: the service (a line with level SERVICE_TALLY_CODE names one). */
  serviceId?: string;
}

/** The level code of a tally line that only says a service exists (it counts no answer). */
export const SERVICE_TALLY_CODE = ':service';

/** A return's tally (return_tallies.tally: JSON [group, level, count, service id?] arrays), or none. */
export function parseTally(text: string | null | undefined): ResultsTallyLine[] {
  if (!text) return [];
  return (JSON.parse(text) as [string, string, number, string?][]).map(
    ([groupCode, ratingLevelCode, count, serviceId]) =>
      serviceId === undefined
        ? { groupCode, ratingLevelCode, count }
        : { groupCode, ratingLevelCode, count, serviceId },
  );
}

/**
 * The responses a tally stands for, to pass to computeResults: per group its rated answers per level,
 * then one unrated response for each other requirement of the group (`requirementsPerGroup`: the
 * version's requirement count per group code). A group whose lines name services stands for each
 * service's answers in turn (every service of the return has a line, so one with nothing rated still
 * counts). Requirement codes and titles are not known, so they are empty: only results that do not
 * name requirements (levels, counts, totals, bands) are meaningful.
 */
export function responsesFromTally(
  requirementsPerGroup: ReadonlyMap<string, number>,
  tally: readonly ResultsTallyLine[],
): RatedResponse[] {
  const responses: RatedResponse[] = [];
  for (const [groupCode, requirementCount] of requirementsPerGroup) {
    const lines = tally.filter((line) => line.groupCode === groupCode);
    const services = [...new Set(lines.flatMap((line) => (line.serviceId ? [line.serviceId] : [])))];
    const parts = services.length > 0 ? services : [undefined];
    for (const serviceId of parts) {
      const part = {
        groupCode,
        requirementCode: '',
        requirementTitle: '',
        ...(serviceId ? { serviceId } : {}),
      };
      let rated = 0;
      for (const line of lines) {
        if (line.serviceId !== serviceId || line.ratingLevelCode === SERVICE_TALLY_CODE) continue;
        rated += line.count;
        for (let index = 0; index < line.count; index += 1)
          responses.push({ ...part, ratingLevelCode: line.ratingLevelCode });
      }
      for (let index = rated; index < requirementCount; index += 1)
        responses.push({ ...part, ratingLevelCode: null });
    }
  }
  return responses;
}
