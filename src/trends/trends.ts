import {
  computeResults,
  formatScore,
  type ComputedResults,
  type ResultsBasis,
} from '../frameworks/results.js';
import type { VersionMapping } from '../frameworks/version-mapping.schema.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import { RETURN_STATUS_TAGS } from '../returns/progress.js';
import { parseSnapshot } from '../review/snapshot-diff.js';

/**
 * Trends across periods, pure functions of the returns and the version mappings: one trend per
 * standard (framework) across all its versions, ordered by period, with the place where the version
 * changes marked. Per period and version: the number of returns in each state (comparable across
 * versions: a state means the same in every version) and the overall results of the returns that are
 * submitted or accepted, computed by computeResults from their latest submission's snapshot (so "not
 * applicable" answers count exactly as on the return and the matrix). Results are compared across a
 * version change only where the version mapping's data says they are comparable; groups (AIS steps)
 * only where it maps them.
 *
 * The overall result of a return: EDS 2022 its overall rating band; EDS2 and AIS the lowest level of
 * any goal or step (a return is only as strong as its weakest goal or step). A return not fully rated
 * counts as "Not fully rated".
 */

export const STATES: readonly ReturnStatus[] = [
  'not_started',
  'in_progress',
  'submitted',
  'returned',
  'accepted',
];
export const NOT_FULLY_RATED = 'Not fully rated';
export const NOT_IN_VERSION = 'Not in this version';
export const NO_STANDING_RETURNS = 'No submitted returns';

export interface TrendsReturn {
  status: ReturnStatus;
  frameworkVersionId: string;
  period: { id: string; label: string; startDate: Date };
  /** The latest submission's snapshot (JSON), or undefined if never submitted. */
  snapshot: unknown;
  /** A past return imported from a spreadsheet (issue 15): counted as any other, and said so. */
  imported?: boolean;
}

export interface TrendsBasis extends ResultsBasis {
  id: string;
  frameworkName: string;
}

export interface Count {
  label: string;
  count: number;
}

/** One line of a trend table: a period and the version its returns answer. */
export interface TrendRow {
  periodLabel: string;
  /** The period as the tables' row header: its label, and how many of its returns were imported. */
  periodText: string;
  versionName: string;
  /** "Version changed here: ..." on the first line of a new version; null on every other line. */
  boundary: string | null;
}

export interface ResultTable {
  /** The versions the table covers (one, or several whose results the mappings say compare). */
  versionNames: string[];
  /** "Overall rating", "Weakest step", or "Overall result" when the versions name it differently. */
  resultLabel: string;
  labels: string[];
  rows: (TrendRow & { results: Count[] })[];
  /** Why results are compared across the versions in this table (from the mapping), if they are. */
  note: string | null;
}

export interface GroupTable {
  /** What the group mapping says (from its data), in plain English. */
  explanation: string;
  groupLabel: string;
  columns: string[];
  rows: (TrendRow & { cells: string[] })[];
}

export interface StandardTrend {
  frameworkCode: string;
  frameworkName: string;
  versionNames: string[];
  /** Plain English: what is compared across each version change, from the mapping data. */
  comparability: string[];
  stateLabels: string[];
  rows: (TrendRow & { total: number; states: Count[] })[];
  resultTables: ResultTable[];
  /** Per group (AIS step) across versions; only where every version change maps the groups. */
  groupTable: GroupTable | null;
}

const STANDING: readonly ReturnStatus[] = ['submitted', 'accepted'];

/** The result categories of a version, in order: bands or levels, then "Not fully rated". */
export function resultCategories(basis: ResultsBasis): string[] {
  const ordered = basis.bands.length > 0 ? [...basis.bands] : [...basis.levels];
  return [...ordered.sort((a, b) => a.position - b.position).map((item) => item.label), NOT_FULLY_RATED];
}

export function overallResult(results: ComputedResults): string {
  if (results.kind === 'total-score') return results.band?.label ?? NOT_FULLY_RATED;
  if (!results.complete) return NOT_FULLY_RATED;
  const groups = results.kind === 'grades' ? results.groups : results.steps;
  let lowest = groups[0]?.level ?? null;
  for (const group of groups)
    if (group.level && lowest && group.level.score < lowest.score) lowest = group.level;
  return lowest?.label ?? NOT_FULLY_RATED;
}

/** Each group's result: its level when fully rated (EDS2 goal, AIS step), or its subtotal (EDS 2022). */
function groupResults(results: ComputedResults): Map<string, string> {
  if (results.kind === 'total-score')
    return new Map(
      results.groups.map((group) => [
        group.code,
        // One decimal place, as every page shows a mean of services' totals (not 7.333333333333333).
        `${formatScore(group.exactSubtotal)} out of ${formatScore(group.exactMaximum)}`,
      ]),
    );
  const groups = results.kind === 'grades' ? results.groups : results.steps;
  return new Map(
    groups.map((group) => [group.code, group.complete && group.level ? group.level.label : NOT_FULLY_RATED]),
  );
}

function resultLabel(basis: ResultsBasis): string {
  if (basis.bands.length > 0) return 'Overall rating';
  return `Weakest ${basis.groupLabel.toLowerCase()}`;
}

/** "2024/25 (2 returns imported from a spreadsheet)", or the label alone when none was. */
function periodText(line: Line): string {
  const imported = line.items.filter((item) => item.imported === true).length;
  if (imported === 0) return line.period.label;
  const returns = imported === 1 ? '1 return' : `${String(imported)} returns`;
  return `${line.period.label} (${returns} imported from a spreadsheet)`;
}

interface Line {
  period: TrendsReturn['period'];
  basis: TrendsBasis;
  items: TrendsReturn[];
  /** The computed results of the line's submitted and accepted returns. */
  standing: ComputedResults[];
}

/** The mapping between two versions of a framework, turned to read from `from` to `to`. */
function mappingBetween(
  mappings: readonly VersionMapping[],
  from: TrendsBasis,
  to: TrendsBasis,
): VersionMapping | null {
  for (const mapping of mappings) {
    if (mapping.framework !== from.frameworkCode) continue;
    if (mapping.fromVersion === from.versionCode && mapping.toVersion === to.versionCode) return mapping;
    if (mapping.fromVersion === to.versionCode && mapping.toVersion === from.versionCode)
      return {
        ...mapping,
        fromVersion: from.versionCode,
        toVersion: to.versionCode,
        groups: {
          ...mapping.groups,
          pairs: mapping.groups.pairs.map((pair) => ({ ...pair, from: pair.to, to: pair.from })),
        },
      };
  }
  return null;
}

export function buildTrends(
  bases: readonly TrendsBasis[],
  returns: readonly TrendsReturn[],
  mappings: readonly VersionMapping[],
): StandardTrend[] {
  const families = new Map<string, TrendsBasis[]>();
  for (const basis of bases)
    families.set(basis.frameworkCode, [...(families.get(basis.frameworkCode) ?? []), basis]);
  const trends: StandardTrend[] = [];
  for (const familyBases of families.values()) {
    const trend = familyTrend(familyBases, returns, mappings);
    if (trend) trends.push(trend);
  }
  return trends;
}

function familyTrend(
  familyBases: readonly TrendsBasis[],
  returns: readonly TrendsReturn[],
  mappings: readonly VersionMapping[],
): StandardTrend | null {
  const lineMap = new Map<string, Line>();
  for (const item of returns) {
    const basis = familyBases.find((candidate) => candidate.id === item.frameworkVersionId);
    if (!basis) continue;
    const key = `${item.period.id} ${basis.id}`;
    const line = lineMap.get(key) ?? { period: item.period, basis, items: [], standing: [] };
    line.items.push(item);
    if (STANDING.includes(item.status) && item.snapshot !== undefined)
      line.standing.push(computeResults(parseSnapshot(item.snapshot).responses, basis));
    lineMap.set(key, line);
  }
  if (lineMap.size === 0) return null;

  // Versions in the order they were first reported on, then by code.
  const firstStart = (basis: TrendsBasis) =>
    Math.min(
      ...[...lineMap.values()]
        .filter((line) => line.basis === basis)
        .map((line) => line.period.startDate.getTime()),
    );
  const versions = familyBases
    .filter((basis) => [...lineMap.values()].some((line) => line.basis === basis))
    .sort((a, b) => firstStart(a) - firstStart(b) || a.versionCode.localeCompare(b.versionCode));
  const order = (basis: TrendsBasis) => versions.indexOf(basis);
  const lines = [...lineMap.values()].sort(
    (a, b) =>
      a.period.startDate.getTime() - b.period.startDate.getTime() ||
      a.period.label.localeCompare(b.period.label) ||
      order(a.basis) - order(b.basis),
  );
  const rowOf = (line: Line, index: number): TrendRow => {
    const previous = index > 0 ? lines[index - 1] : undefined;
    return {
      periodLabel: line.period.label,
      periodText: periodText(line),
      versionName: line.basis.versionName,
      boundary:
        previous && previous.basis !== line.basis
          ? `Version changed here: from ${previous.basis.versionName} to ${line.basis.versionName}`
          : null,
    };
  };

  // The mapping across each change of version, in order (null where none is recorded).
  const changes = versions.flatMap((from, index): Change[] => {
    const to = versions[index + 1];
    return to ? [{ from, to, mapping: mappingBetween(mappings, from, to) }] : [];
  });
  const comparability = changes.map(({ from, to, mapping }) =>
    mapping
      ? mapping.summary
      : `No mapping between ${from.versionName} and ${to.versionName} is recorded, so only the number of returns in each state is compared across the change; results are shown for each version separately.`,
  );
  if (changes.length > 0)
    comparability.push(
      'The number of returns in each state is compared across every version: a state means the same in each.',
    );

  return {
    frameworkCode: versions[0]?.frameworkCode ?? '',
    frameworkName: versions[0]?.frameworkName ?? '',
    versionNames: versions.map((basis) => basis.versionName),
    comparability,
    stateLabels: STATES.map((state) => RETURN_STATUS_TAGS[state].text),
    rows: lines.map((line, index) => ({
      ...rowOf(line, index),
      total: line.items.length,
      states: STATES.map((state) => ({
        label: RETURN_STATUS_TAGS[state].text,
        count: line.items.filter((item) => item.status === state).length,
      })),
    })),
    resultTables: resultTables(versions, changes, lines, rowOf),
    groupTable: groupTable(versions, changes, lines, rowOf),
  };
}

interface Change {
  from: TrendsBasis;
  to: TrendsBasis;
  mapping: VersionMapping | null;
}

/** One table per run of versions whose results the mappings say compare (by label). */
function resultTables(
  versions: readonly TrendsBasis[],
  changes: readonly Change[],
  lines: readonly Line[],
  rowOf: (line: Line, index: number) => TrendRow,
): ResultTable[] {
  const clusters: { versions: TrendsBasis[]; notes: string[] }[] = [];
  versions.forEach((basis, index) => {
    const change = index > 0 ? changes[index - 1] : undefined;
    const current = clusters.at(-1);
    if (current && change?.mapping?.overallResult.comparable) {
      current.versions.push(basis);
      current.notes.push(change.mapping.overallResult.explanation);
    } else clusters.push({ versions: [basis], notes: [] });
  });
  return clusters.map((cluster) => {
    const labels: string[] = [];
    for (const basis of cluster.versions)
      for (const label of resultCategories(basis))
        if (label !== NOT_FULLY_RATED && !labels.includes(label)) labels.push(label);
    labels.push(NOT_FULLY_RATED);
    const names = [...new Set(cluster.versions.map(resultLabel))];
    return {
      versionNames: cluster.versions.map((basis) => basis.versionName),
      resultLabel: names.length === 1 && names[0] ? names[0] : 'Overall result',
      labels,
      note: cluster.notes.length > 0 ? cluster.notes.join(' ') : null,
      rows: lines.flatMap((line, index) => {
        if (!cluster.versions.includes(line.basis)) return [];
        const counts = new Map(labels.map((label) => [label, 0]));
        for (const results of line.standing) {
          const label = overallResult(results);
          counts.set(label, (counts.get(label) ?? 0) + 1);
        }
        const row = rowOf(line, index);
        // Within a table of one version the change is marked in the state table and the explanation.
        return [
          {
            ...row,
            boundary: cluster.versions.length > 1 ? row.boundary : null,
            results: [...counts].map(([label, count]) => ({ label, count })),
          },
        ];
      }),
    };
  });
}

/**
 * Each group of the newest version (with any earlier group that was dropped) across every version,
 * where every change of version maps the groups: a line's cell is the spread of that group's results
 * over the line's submitted and accepted returns, in the line's own version's words.
 */
function groupTable(
  versions: readonly TrendsBasis[],
  changes: readonly Change[],
  lines: readonly Line[],
  rowOf: (line: Line, index: number) => TrendRow,
): GroupTable | null {
  const newest = versions.at(-1);
  if (!newest || changes.length === 0 || changes.some((change) => !change.mapping?.groups.mapped))
    return null;
  // A column per newest group, then per earlier group that has no later counterpart; each column
  // knows its group code in every version (undefined: not in that version).
  const columns: { codes: Map<TrendsBasis, string>; titles: Map<TrendsBasis, string> }[] = [...newest.groups]
    .sort((a, b) => a.position - b.position)
    .map((group) => ({
      codes: new Map([[newest, group.code]]),
      titles: new Map([[newest, group.title]]),
    }));
  for (const { from, to, mapping } of [...changes].reverse()) {
    const pairs = mapping?.groups.pairs ?? [];
    for (const group of [...from.groups].sort((a, b) => a.position - b.position)) {
      const pair = pairs.find((candidate) => candidate.from === group.code);
      const column = pair?.to ? columns.find((candidate) => candidate.codes.get(to) === pair.to) : undefined;
      if (column) {
        column.codes.set(from, group.code);
        column.titles.set(from, group.title);
      } else columns.push({ codes: new Map([[from, group.code]]), titles: new Map([[from, group.title]]) });
    }
  }
  const heading = (column: (typeof columns)[number]) => {
    const [latest, ...earlier] = versions.filter((basis) => column.codes.has(basis)).reverse();
    if (!latest) return '';
    const main = `${latest.groupLabel} ${column.codes.get(latest) ?? ''}: ${column.titles.get(latest) ?? ''}`;
    const others = earlier
      .filter(
        (basis) =>
          column.titles.get(basis) !== column.titles.get(latest) ||
          column.codes.get(basis) !== column.codes.get(latest),
      )
      .map(
        (basis) =>
          `${basis.versionCode}: ${basis.groupLabel.toLowerCase()} ${column.codes.get(basis) ?? ''}, ${column.titles.get(basis) ?? ''}`,
      );
    const only = versions.filter((basis) => column.codes.has(basis)).length === 1 && versions.length > 1;
    return `${main}${others.length > 0 ? ` (${others.join('; ')})` : ''}${only ? ` (${latest.versionCode} only)` : ''}`;
  };
  return {
    explanation: changes.map((change) => change.mapping?.groups.explanation ?? '').join(' '),
    groupLabel: newest.groupLabel,
    columns: columns.map(heading),
    rows: lines.map((line, index) => {
      const perReturn = line.standing.map(groupResults);
      return {
        ...rowOf(line, index),
        cells: columns.map((column) => {
          const code = column.codes.get(line.basis);
          if (code === undefined) return NOT_IN_VERSION;
          if (perReturn.length === 0) return NO_STANDING_RETURNS;
          const counts = new Map<string, number>();
          for (const results of perReturn) {
            // A group whose every answer is "not applicable" has no result of its own.
            const label = results.get(code) ?? 'Not applicable';
            counts.set(label, (counts.get(label) ?? 0) + 1);
          }
          const order = [...resultCategories(line.basis), 'Not applicable'];
          return [...counts]
            .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b) || a.localeCompare(b))
            .map(([label, count]) => `${count} ${label}`)
            .join(', ');
        }),
      };
    }),
  };
}
