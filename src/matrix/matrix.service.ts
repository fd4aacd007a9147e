import { isCommissionerEditor } from '../auth/access.js';
import type { Db } from '../db/prisma.js';
import { ukToday } from '../format.js';
import { findResultsBasis } from '../frameworks/results.queries.js';
import {
  computeResults,
  responsesFromTally,
  type ComputedResults,
  type ResultsBasis,
} from '../frameworks/results.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import { pathTo, paths } from '../paths.js';
import { PROVIDER_TYPE_LABELS } from '../providers/provider-types.js';
import { isOverdue, RETURN_STATUS_TAGS, type TagParams } from '../returns/progress.js';
import type { CurrentUser } from '../view-locals.js';
import { findContractManagers, findMatrixProviders, findPeriods, findPeriodVersions } from './queries.js';
import type { MatrixQuery } from './schemas.js';

// The compliance matrix: providers x standards for one period. A constant number of statements
// (periods, the period's standards, one results basis per standard, contract managers, providers with
// their returns, each with its rated answers counted per group and level, stored in return_tallies);
// results computed in memory from those counts.

const DAY_MS = 24 * 60 * 60 * 1000;

// One collator for every comparison (localeCompare with a locale builds a new one per call).
const collator = new Intl.Collator('en-GB');

/** The order a standard column sorts by: work still owed first, accepted last, no return at the end. */
const STATE_ORDER: Record<ReturnStatus, number> = {
  not_started: 0,
  in_progress: 1,
  returned: 2,
  submitted: 3,
  accepted: 4,
};

export const MATRIX_STATES: readonly ReturnStatus[] = [
  'not_started',
  'in_progress',
  'submitted',
  'returned',
  'accepted',
];

export interface MatrixColumn {
  frameworkId: string;
  code: string;
  name: string;
  versionName: string;
}

export interface MatrixCell {
  returnId: string;
  status: ReturnStatus;
  tag: TagParams;
  overdueDays: number | null;
  /** "Overdue by 3 days", or null. */
  overdueText: string | null;
  /** The result in words, one line each. */
  resultLines: string[];
  href: string;
}

export interface MatrixRow {
  providerId: string;
  name: string;
  odsCode: string;
  typeLabel: string;
  /** One entry per column, null where the provider has no return for that standard. */
  cells: (MatrixCell | null)[];
}

export interface SortLink {
  key: string;
  label: string;
  href: string;
  /** aria-sort value for the sorted column, else null. */
  ariaSort: 'ascending' | 'descending' | null;
}

export interface MatrixPage {
  periods: { id: string; label: string }[];
  period: { id: string; label: string } | null;
  columns: MatrixColumn[];
  rows: MatrixRow[];
  counts: { label: string; count: number }[];
  contractManagers: { id: string; displayName: string }[];
  query: MatrixQuery;
  sortLabel: string;
  sortLinks: SortLink[];
  totalCells: number;
}

export async function matrixPage(
  prisma: Db,
  user: CurrentUser,
  query: MatrixQuery,
  now: Date,
): Promise<MatrixPage> {
  const [periods, contractManagers] = await Promise.all([findPeriods(prisma), findContractManagers(prisma)]);
  const chosen =
    periods.find((period) => period.id === query.period) ??
    periods.find((period) => period._count.returns > 0) ??
    periods[0];
  const periodList = periods.map(({ id, label }) => ({ id, label }));
  if (!chosen) {
    return {
      periods: periodList,
      period: null,
      columns: [],
      rows: [],
      counts: [],
      contractManagers,
      query,
      sortLabel: '',
      sortLinks: [],
      totalCells: 0,
    };
  }

  const [versions, providers] = await Promise.all([
    findPeriodVersions(prisma, chosen.id),
    findMatrixProviders(prisma, {
      periodId: chosen.id,
      type: query.type,
      contractManagerId: query.manager,
      search: query.q,
    }),
  ]);
  const bases = await Promise.all(versions.map((version) => findResultsBasis(prisma, version.id)));
  const versionInfo = new Map(
    versions.map((version, index) => [
      version.id,
      {
        basis: bases[index] ?? null,
        // Requirement count per group code, in requirement order.
        requirementsPerGroup: version.requirements.reduce(
          (counts, requirement) =>
            counts.set(requirement.group.code, (counts.get(requirement.group.code) ?? 0) + 1),
          new Map<string, number>(),
        ),
      },
    ]),
  );

  const allColumns: MatrixColumn[] = [];
  for (const version of versions) {
    const existing = allColumns.find((column) => column.frameworkId === version.framework.id);
    if (existing) existing.versionName += `, ${version.name}`;
    else
      allColumns.push({
        frameworkId: version.framework.id,
        code: version.framework.code,
        name: version.framework.name,
        versionName: version.name,
      });
  }
  const columns = query.standard ? allColumns.filter((column) => column.code === query.standard) : allColumns;

  const today = ukToday(now);
  const reviewer = isCommissionerEditor(user);

  const returnOf = new Map<string, (typeof providers)[number]['returns'][number]>();
  const cellFor = (item: (typeof providers)[number]['returns'][number]): MatrixCell => {
    returnOf.set(item.id, item);
    const overdue = isOverdue(item.status, item.dueDate, today);
    const overdueDays = overdue ? Math.round((today.getTime() - item.dueDate.getTime()) / DAY_MS) : null;
    const reviewable = reviewer && item.status === 'submitted';
    return {
      returnId: item.id,
      status: item.status,
      tag: RETURN_STATUS_TAGS[item.status],
      overdueDays,
      overdueText: overdueDays === null ? null : `Overdue by ${plural(overdueDays, 'day')}`,
      // Filled in below, only for the rows that pass the filters.
      resultLines: [],
      href: pathTo(reviewable ? paths.review.show : paths.returns.show, { returnId: item.id }),
    };
  };

  let rows: MatrixRow[] = providers.map((provider) => ({
    providerId: provider.id,
    name: provider.name,
    odsCode: provider.odsCode,
    typeLabel: PROVIDER_TYPE_LABELS[provider.type],
    cells: columns.map((column) => {
      const item = provider.returns.find((candidate) => candidate.frameworkId === column.frameworkId);
      return item ? cellFor(item) : null;
    }),
  }));

  // State and overdue filters look at the shown columns (all, or the chosen standard).
  if (query.state) rows = rows.filter((row) => row.cells.some((cell) => cell?.status === query.state));
  if (query.overdue) rows = rows.filter((row) => row.cells.some((cell) => cell?.overdueDays != null));
  if (query.standard) rows = rows.filter((row) => row.cells.some((cell) => cell !== null));

  // Results (computeResults per return, in memory, from its tally) for the cells shown. Returns of
  // one version with the same tally have the same result: computed once per request.
  const linesByTally = new Map<string, string[]>();
  for (const cell of rows.flatMap((row) => row.cells)) {
    if (!cell) continue;
    const item = returnOf.get(cell.returnId);
    const versionId = item?.frameworkVersionId ?? '';
    const version = versionInfo.get(versionId);
    if (!version?.basis) continue;
    const tally = item?.tally ?? null;
    const key = `${versionId} ${tally ?? ''}`;
    let lines = linesByTally.get(key);
    if (!lines) {
      const triples = tally ? (JSON.parse(tally) as [string, string, number][]) : [];
      const responses = responsesFromTally(
        version.requirementsPerGroup,
        triples.map(([groupCode, ratingLevelCode, count]) => ({ groupCode, ratingLevelCode, count })),
      );
      lines = resultLines(computeResults(responses, version.basis), version.basis);
      linesByTally.set(key, lines);
    }
    cell.resultLines = lines;
  }

  const sortKeys = [
    { key: 'provider', label: 'Provider' },
    { key: 'ods', label: 'ODS code' },
    { key: 'type', label: 'Type' },
    ...columns.map((column) => ({ key: `standard-${column.code}`, label: column.name })),
  ];
  const sortKey = sortKeys.some((item) => item.key === query.sort) ? query.sort : 'provider';
  rows = sortRows(rows, sortKey, query.order, columns);

  const cells = rows.flatMap((row) => row.cells);
  const counts = MATRIX_STATES.map((state) => ({
    label: RETURN_STATUS_TAGS[state].text,
    count: cells.filter((cell) => cell?.status === state).length,
  }));
  counts.push({ label: 'Overdue', count: cells.filter((cell) => cell?.overdueDays != null).length });
  const noReturn = cells.filter((cell) => cell === null).length;
  if (noReturn > 0) counts.push({ label: 'No return due', count: noReturn });

  const sortedLabel = sortKeys.find((item) => item.key === sortKey)?.label ?? 'Provider';
  const sortLinks: SortLink[] = sortKeys.map((item) => {
    const sorted = item.key === sortKey;
    const nextOrder = sorted && query.order === 'asc' ? 'desc' : 'asc';
    return {
      key: item.key,
      label: item.label,
      href: matrixHref({ ...query, period: chosen.id, sort: item.key, order: nextOrder }),
      ariaSort: sorted ? (query.order === 'asc' ? 'ascending' : 'descending') : null,
    };
  });

  return {
    periods: periodList,
    period: { id: chosen.id, label: chosen.label },
    columns: columns.map(({ frameworkId, code, name, versionName }) => ({
      frameworkId,
      code,
      name,
      versionName,
    })),
    rows,
    counts,
    contractManagers,
    query: { ...query, sort: sortKey },
    sortLabel: `sorted by ${sortedLabel}, ${query.order === 'asc' ? 'ascending' : 'descending'}`,
    sortLinks,
    totalCells: cells.length,
  };
}

/** The result of a return as short lines of text (never colour alone). */
export function resultLines(results: ComputedResults, basis: ResultsBasis): string[] {
  switch (results.kind) {
    case 'total-score':
      return results.complete && results.band
        ? [`Overall: ${results.band.label}`, `Score ${results.totalText}`]
        : ['Overall: not available yet', `Score ${results.totalText}`];
    case 'grades': {
      const graded = results.counts.filter((line) => line.count > 0);
      return graded.length === 0
        ? ['Not graded']
        : [graded.map((line) => `${line.label} ${line.count}`).join(', ')];
    }
    case 'maturity': {
      // Each step is as mature as its weakest requirement: how many steps reached each level.
      const perLevel = new Map<string, number>();
      for (const step of results.steps) {
        const label = step.complete && step.level ? step.level.label : 'Not fully rated';
        perLevel.set(label, (perLevel.get(label) ?? 0) + 1);
      }
      const parts = [...perLevel].map(([label, count]) => `${label} ${count}`);
      return [`${basis.groupLabel}s: ${parts.join(', ')}`];
    }
  }
}

function sortRows(
  rows: MatrixRow[],
  key: string,
  order: 'asc' | 'desc',
  columns: readonly MatrixColumn[],
): MatrixRow[] {
  const byName = (a: MatrixRow, b: MatrixRow) =>
    collator.compare(a.name, b.name) || collator.compare(a.odsCode, b.odsCode);
  let compare: (a: MatrixRow, b: MatrixRow) => number;
  if (key === 'ods') compare = (a, b) => collator.compare(a.odsCode, b.odsCode);
  else if (key === 'type') compare = (a, b) => collator.compare(a.typeLabel, b.typeLabel) || byName(a, b);
  else if (key.startsWith('standard-')) {
    const index = columns.findIndex((column) => `standard-${column.code}` === key);
    const rank = (row: MatrixRow) => {
      const cell = row.cells[index];
      if (!cell) return [9, 0] as const;
      // Overdue first within each state, most overdue first.
      return [STATE_ORDER[cell.status], -(cell.overdueDays ?? -1)] as const;
    };
    compare = (a, b) => {
      const [stateA, overdueA] = rank(a);
      const [stateB, overdueB] = rank(b);
      return stateA - stateB || overdueA - overdueB || byName(a, b);
    };
  } else compare = byName;
  const sorted = [...rows].sort(compare);
  return order === 'desc' ? sorted.reverse() : sorted;
}

/** The matrix URL for a query (only the parameters that are set), so every view is a shareable link. */
export function matrixHref(query: Partial<MatrixQuery>, pattern: string = paths.matrix.show): string {
  const params = new URLSearchParams();
  if (query.period) params.set('period', query.period);
  if (query.type) params.set('type', query.type);
  if (query.manager) params.set('manager', query.manager);
  if (query.standard) params.set('standard', query.standard);
  if (query.state) params.set('state', query.state);
  if (query.overdue) params.set('overdue', 'yes');
  if (query.q) params.set('q', query.q);
  if (query.sort && query.sort !== 'provider') params.set('sort', query.sort);
  if (query.order === 'desc') params.set('order', 'desc');
  const search = params.toString();
  return search ? `${pattern}?${search}` : pattern;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
