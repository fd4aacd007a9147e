import { isCommissionerEditor } from '../auth/access.js';
import type { DataDeps } from '../deps.js';
import type { Db } from '../db/prisma.js';
import { formatDate, ukToday } from '../format.js';
import { findResultsBasis } from '../frameworks/results.queries.js';
import { computeResults, parseTally, responsesFromTally, type ResultsBasis } from '../frameworks/results.js';
import { resultLines } from '../frameworks/result-lines.js';
import type { ProviderType, ReturnStatus } from '../generated/prisma/enums.js';
import { pathTo, paths } from '../paths.js';
import { PROVIDER_TYPE_LABELS } from '../providers/provider-types.js';
import { remembered } from '../remembered.js';
import { deflatePart, type DeflatedPart } from '../gzip-parts.js';
import {
  AWAITING_PROVIDER,
  IMPORTED_TAG,
  isOverdue,
  RETURN_STATUS_TAGS,
  statusWords,
  type TagParams,
} from '../returns/progress.js';
import type { CurrentUser } from '../auth/current-user.js';
import {
  findContractManagerLinks,
  findContractManagers,
  findMatrixFingerprint,
  findMatrixProviders,
  findPeriods,
  findPeriodVersions,
} from './queries.js';
import type { MatrixQuery } from './schemas.js';
import { yearOf } from '../obligations/derive.js';
import type { Caches } from '../caches.js';
import { workforceDue, type WorkforceDue } from '../workforce/due.js';
import { workforceStandard } from '../workforce/indicator-files.js';
import { workforceReturnsOfYears } from '../workforce/queries.js';
import {
  onDay,
  PUBLICATION_STATE_TAGS,
  statusesBeforeTheDay,
  type ObligationStatus,
  type PublicationState,
} from '../obligations/publications.service.js';

// The compliance matrix: providers x standards for one period. A constant number of statements: a
// fingerprint of the data shown, and when it changed, the periods, the period's standards, one results
// basis per standard, contract managers, and providers with their returns, each with its rated answers
// counted per group and level (return_tallies); results computed in memory from those counts. Filters,
// sort and counts are applied in memory to the period's rows.

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

// Result lines per version and tally: bounded, emptied when full (see MatrixCache).
const RESULT_LINES_LIMIT = 50_000;

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

/** A WRES or WDES return as a column (data/workforce-standards): the period's financial year. */
export interface WorkforceColumn {
  /** "WRES", "WDES": the header, and the standard filter's value. */
  code: string;
  /** "Workforce Race Equality Standard". */
  name: string;
}

/**
 * A provider's WRES or WDES return for the period's year: its status, or why none is owed. Owed and
 * due as the standard's obligation (wres-report, wdes-report) says, through workforceDue.
 */
export interface WorkforceCell {
  /** The return's status; not started where one is owed and not begun; null where none is owed or it is not known. */
  status: ReturnStatus | null;
  /** The status in words ("In progress", "Not applicable", "Not known"), as the CSV gives it. */
  statusText: string;
  /** Its tag, or null where the words stand alone (not applicable, not due). */
  tag: TagParams | null;
  overdueDays: number | null;
  /** "Overdue by 3 days", or null. */
  overdueText: string | null;
  dueOn: Date | null;
  /** "Due on 31 October 2026" while the provider still owes it and it is not overdue; else ''. */
  dueText: string;
  /** The return's page (its review page for a reviewer when submitted); null where there is no return yet. */
  href: string | null;
}

/** An equality obligation (data/obligations) as a column: the period's financial year. */
export interface ObligationColumn {
  code: string;
  name: string;
  shortName: string;
  /** Who it applies to and when it falls due (the obligation file's summaries), for the key. */
  appliesTo: string;
  due: string;
}

/** A provider's obligation in the period's year, in words (the row links to its publications page). */
export interface ObligationCell {
  state: PublicationState;
  /** The state in words ("Not applicable", "Overdue"), as the CSV gives it. */
  statusText: string;
  /** The state's tag in the table, or null where the words stand alone (see PLAIN_STATES). */
  tag: TagParams | null;
  /**
   * Under the state in the table: "Due on 31 October 2026", "3 days since it was due on ...", or ''.
   * Not applicable and not known cells show no reason: what the rule asks is said once per column in
   * the key under the table, and each provider's reason is on its publications page.
   */
  text: string;
  /** The CSV's detail: the text, or the reason (not applicable, not known, not due) in full. */
  detail: string;
  /** What was recorded (the CSV's publication columns), or null. */
  publication: {
    url: string;
    publishedOn: Date;
    checkedBy: string | null;
    checkedAt: Date | null;
  } | null;
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
  /** Beside the status of a past return imported from a spreadsheet; else null. */
  importedTag: TagParams | null;
  /** The status in words (with "imported from a spreadsheet"), as the CSV gives it. */
  statusText: string;
  href: string;
}

export interface MatrixRow {
  providerId: string;
  /** The provider's page (the hub for its returns, contracts and people). */
  providerHref: string;
  /**
   * Its publications in the period's year: one link per row, not per obligation cell (a link in
   * each of 10 cells of 2,000 rows was a third of the page's size).
   */
  publicationsHref: string;
  name: string;
  odsCode: string;
  typeLabel: string;
  /** One entry per column, null where the provider has no return for that standard. */
  cells: (MatrixCell | null)[];
  /** One entry per WRES/WDES column. */
  workforceCells: WorkforceCell[];
  /** One entry per obligation column. */
  obligationCells: ObligationCell[];
}

export interface SortLink {
  key: string;
  /** What the column's header shows: short ("AIS"), so the header row stays one line high. */
  label: string;
  /** The name the short label stands for ("Accessible Information Standard"), where it differs. */
  fullName: string | null;
  href: string;
  /** aria-sort value for the sorted column, else null. */
  ariaSort: 'ascending' | 'descending' | null;
}

export interface MatrixPage {
  periods: { id: string; label: string }[];
  period: { id: string; label: string } | null;
  columns: MatrixColumn[];
  /** The WRES and WDES return columns shown (after the standards). */
  workforceColumns: WorkforceColumn[];
  /** Every standard and workforce return, for the standard filter (the columns shown may be fewer). */
  standardOptions: { code: string; name: string }[];
  obligationColumns: ObligationColumn[];
  /** Every obligation, for the filter (the columns shown may be fewer). */
  obligations: ObligationColumn[];
  rows: MatrixRow[];
  counts: { label: string; count: number }[];
  contractManagers: { id: string; displayName: string }[];
  query: MatrixQuery;
  sortLabel: string;
  sortLinks: SortLink[];
  totalCells: number;
}

/** A return as the matrix keeps it between requests: what does not depend on the viewer or the day. */
interface BaseCell {
  returnId: string;
  status: ReturnStatus;
  dueDate: Date;
  resultLines: string[];
  imported: boolean;
}

/** A provider's row as the matrix keeps it between requests, with what the filters need. */
interface BaseRow {
  providerId: string;
  name: string;
  odsCode: string;
  type: ProviderType;
  typeLabel: string;
  managerIds: readonly string[];
  /** Name and ODS code in lower case, for the search. */
  searchText: string;
  /** The provider's return per framework id. */
  cells: Map<string, BaseCell>;
  /** Its obligations in the period's financial year, in catalogue order, before the day is known. */
  obligations: ObligationStatus[];
  /** Per workforce column: when its return is due (or why not) and the return, if there is one. */
  workforce: { due: WorkforceDue; item: { id: string; status: ReturnStatus } | null }[];
}

interface PeriodBase {
  columns: MatrixColumn[];
  workforceColumns: WorkforceColumn[];
  /** The financial year the period's obligations are for (2026 for 2026/27). */
  year: number;
  rows: BaseRow[];
  /**
   * The rows as shown, before filters and sort, per day, kind of viewer and standard column (what
   * the cells depend on): built once, shared by the requests that follow (never changed after).
   */
  shown: Map<string, { base: BaseRow; row: MatrixRow }[]>;
  /** The table's HTML per view (see tableHtmlFor). */
  tables: Map<string, Promise<TableBytes>>;
}

/** What the matrix read from the database for one fingerprint of the data it shows. */
interface MatrixBase {
  fingerprint: string;
  periods: Awaited<ReturnType<typeof findPeriods>>;
  contractManagers: { id: string; displayName: string }[];
  byPeriod: Map<string, Promise<PeriodBase>>;
}

/**
 * What the matrix keeps for one app (in deps.caches): its data, kept while the data it was read from
 * is unchanged. Every request first reads a fingerprint of that data (one cheap statement, see
 * findMatrixFingerprint) and rebuilds when it differs, so no instance ever shows stale data and
 * several instances need nothing shared but the database. Reading and summarising every return of a
 * national register costs far more than drawing the page; it is paid once per change.
 */
export interface MatrixCache {
  base: Promise<MatrixBase> | undefined;
  /**
   * Result lines by framework version and tally. A version's requirements and scales never change
   * once imported (the importer refuses a changed file), so the result is a pure function of the key.
   */
  resultLines: Map<string, string[]>;
}

export function createMatrixCache(): MatrixCache {
  return { base: undefined, resultLines: new Map() };
}

async function matrixBase(prisma: Db, cache: MatrixCache): Promise<MatrixBase> {
  const fingerprint = await findMatrixFingerprint(prisma);
  if (cache.base) {
    const base = await cache.base;
    if (base.fingerprint === fingerprint) return base;
  }
  const loading = (async (): Promise<MatrixBase> => {
    const [periods, contractManagers] = await Promise.all([
      findPeriods(prisma),
      findContractManagers(prisma),
    ]);
    return { fingerprint, periods, contractManagers, byPeriod: new Map() };
  })();
  cache.base = loading;
  try {
    return await loading;
  } catch (error) {
    if (cache.base === loading) cache.base = undefined;
    throw error;
  }
}

/** Every provider of a period (active, or with a return in it) with its returns and their results. */
async function buildPeriodBase(
  prisma: Db,
  caches: Pick<Caches, 'matrix' | 'obligations' | 'workforce'>,
  periodId: string,
  year: number,
): Promise<PeriodBase> {
  const cache = caches.matrix;
  const [versions, providers, managerLinks, workforceReturns] = await Promise.all([
    findPeriodVersions(prisma, periodId),
    findMatrixProviders(prisma, periodId),
    findContractManagerLinks(prisma),
    workforceReturnsOfYears(prisma, [year]),
  ]);
  // Two statements whatever the number of providers (publicationsAround).
  const obligationStatuses = await statusesBeforeTheDay(prisma, caches.obligations.all, providers, year);
  // One column per workforce standard (its latest version decides who owes it and by when). A
  // return's year is its data year, whose report falls due in the financial year of the same number.
  const workforceStandards = [...new Set(caches.workforce.all.map((standard) => standard.code))].flatMap(
    (code) => workforceStandard(caches.workforce, code) ?? [],
  );
  const workforceItems = new Map(
    workforceReturns.map((item) => [
      `${item.providerId} ${item.standardCode}`,
      { id: item.id, status: item.status },
    ]),
  );
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

  const columns: MatrixColumn[] = [];
  for (const version of versions) {
    const existing = columns.find((column) => column.frameworkId === version.framework.id);
    if (existing) existing.versionName += `, ${version.name}`;
    else
      columns.push({
        frameworkId: version.framework.id,
        code: version.framework.code,
        name: version.framework.name,
        versionName: version.name,
      });
  }

  const managersOf = new Map<string, string[]>();
  for (const link of managerLinks) {
    const list = managersOf.get(link.providerId);
    if (list) list.push(link.contractManagerId);
    else managersOf.set(link.providerId, [link.contractManagerId]);
  }

  const rows = providers.map((provider): BaseRow => {
    const cells = new Map<string, BaseCell>();
    for (const item of provider.returns) {
      const version = versionInfo.get(item.frameworkVersionId);
      cells.set(item.frameworkId, {
        returnId: item.id,
        status: item.status,
        dueDate: item.dueDate,
        imported: item.imported,
        resultLines: version?.basis
          ? resultLinesOf(
              cache,
              item.frameworkVersionId,
              item.tally,
              version.requirementsPerGroup,
              version.basis,
            )
          : [],
      });
    }
    return {
      providerId: provider.id,
      name: provider.name,
      odsCode: provider.odsCode,
      type: provider.type,
      typeLabel: PROVIDER_TYPE_LABELS[provider.type],
      managerIds: managersOf.get(provider.id) ?? [],
      searchText: `${provider.name}\n${provider.odsCode}`.toLowerCase(),
      cells,
      obligations: obligationStatuses.get(provider.id) ?? [],
      workforce: workforceStandards.map((standard) => ({
        due: workforceDue(caches.obligations, standard, provider, year),
        item: workforceItems.get(`${provider.id} ${standard.code}`) ?? null,
      })),
    };
  });
  return {
    columns,
    workforceColumns: workforceStandards.map(({ code, name }) => ({ code, name })),
    year,
    rows,
    shown: new Map(),
    tables: new Map(),
  };
}

/** The result lines of a return from its tally (computeResults in memory), cached by version and tally. */
function resultLinesOf(
  cache: MatrixCache,
  versionId: string,
  tally: string | null,
  requirementsPerGroup: ReadonlyMap<string, number>,
  basis: ResultsBasis,
): string[] {
  return remembered(cache.resultLines, `${versionId} ${tally ?? ''}`, RESULT_LINES_LIMIT, () => {
    const responses = responsesFromTally(requirementsPerGroup, parseTally(tally));
    return resultLines(computeResults(responses, basis), basis);
  });
}

export async function matrixPage(
  { prisma, caches }: DataDeps,
  user: CurrentUser,
  query: MatrixQuery,
  now: Date,
): Promise<{ page: MatrixPage; table: TableHtml }> {
  const base = await matrixBase(prisma, caches.matrix);
  const { periods, contractManagers } = base;
  const chosen =
    periods.find((period) => period.id === query.period) ??
    periods.find((period) => period._count.returns > 0) ??
    periods[0];
  const periodList = periods.map(({ id, label }) => ({ id, label }));
  if (!chosen) {
    const empty: MatrixPage = {
      periods: periodList,
      period: null,
      columns: [],
      workforceColumns: [],
      standardOptions: [],
      obligationColumns: [],
      obligations: [],
      rows: [],
      counts: [],
      contractManagers,
      query,
      sortLabel: '',
      sortLinks: [],
      totalCells: 0,
    };
    return { page: empty, table: drawnTable };
  }

  const periodBase = await remembered(base.byPeriod, chosen.id, 16, () =>
    buildPeriodBase(prisma, caches, chosen.id, yearOf(chosen.startDate)),
  );
  // The standard filter chooses among the standards and the workforce returns alike.
  const columns = query.standard
    ? periodBase.columns.filter((column) => column.code === query.standard)
    : periodBase.columns;
  const workforceIndexes = periodBase.workforceColumns.flatMap((column, index) =>
    !query.standard || query.standard === column.code ? [index] : [],
  );
  const workforceColumns = workforceIndexes.flatMap((index) => periodBase.workforceColumns[index] ?? []);
  // Obligation columns, filtered like the standards: all, none, or the one chosen.
  const obligations = caches.obligations.all.map(({ code, name, shortName, appliesTo, due }) => ({
    code,
    name,
    shortName,
    appliesTo: appliesTo.summary,
    due: due.summary,
  }));
  const obligationIndexes = caches.obligations.all.flatMap((obligation, index) =>
    !query.obligation || query.obligation === obligation.code ? [index] : [],
  );
  const obligationColumns = obligationIndexes.flatMap((index) => obligations[index] ?? []);

  const today = ukToday(now);
  const reviewer = isCommissionerEditor(user);
  const search = query.q.trim().toLowerCase();

  const shownKey = `${today.toISOString()} ${String(reviewer)} ${query.standard ?? ''} ${query.obligation ?? ''}`;
  // A handful of keys a day at most; a new day's first view starts afresh when the map is full.
  const shown = remembered(periodBase.shown, shownKey, 16, () =>
    periodBase.rows.map((base) => ({
      base,
      row: {
        providerId: base.providerId,
        providerHref: pathTo(paths.providers.show, { providerId: base.providerId }),
        publicationsHref: `${pathTo(paths.publications.provider, { providerId: base.providerId })}?year=${periodBase.year}`,
        name: base.name,
        odsCode: base.odsCode,
        typeLabel: base.typeLabel,
        cells: columns.map((column) => {
          const item = base.cells.get(column.frameworkId);
          return item ? shownCell(item, today, reviewer) : null;
        }),
        workforceCells: workforceIndexes.flatMap((index) => {
          const item = base.workforce[index];
          return item ? [workforceCell(item.due, item.item, today, reviewer)] : [];
        }),
        obligationCells: obligationIndexes.flatMap((index) => {
          const status = base.obligations[index];
          return status ? [obligationCell(onDay(status, today), today)] : [];
        }),
      },
    })),
  );

  let rows: MatrixRow[] = shown
    .filter(
      ({ base }) =>
        (!query.type || base.type === query.type) &&
        (!query.manager || base.managerIds.includes(query.manager)) &&
        (!search || base.searchText.includes(search)),
    )
    .map(({ row }) => row);

  // State and overdue filters look at the shown return columns (all, or the chosen standard),
  // WRES and WDES included.
  const returnCells = (row: MatrixRow) => [...row.cells, ...row.workforceCells];
  if (query.state) rows = rows.filter((row) => returnCells(row).some((cell) => cell?.status === query.state));
  if (query.overdue) rows = rows.filter((row) => returnCells(row).some((cell) => cell?.overdueDays != null));
  if (query.standard)
    rows = rows.filter((row) => returnCells(row).some((cell) => cell !== null && cell.status !== null));
  // One obligation chosen: the providers it applies to (or may: not known).
  if (query.obligation && obligationColumns.length > 0)
    rows = rows.filter((row) => row.obligationCells.some((cell) => cell.state !== 'not-applicable'));
  if (query.publication)
    rows = rows.filter((row) => row.obligationCells.some((cell) => cell.state === query.publication));

  const sortKeys = [
    { key: 'provider', label: 'Provider', fullName: null },
    { key: 'ods', label: 'ODS code', fullName: null },
    { key: 'type', label: 'Type', fullName: null },
    ...columns.map((column) => ({
      key: `standard-${column.code}`,
      label: column.code,
      fullName: column.name,
    })),
    ...workforceColumns.map((column) => ({
      key: `standard-${column.code}`,
      label: column.code,
      fullName: `${column.name} return`,
    })),
  ];
  const sortKey = sortKeys.some((item) => item.key === query.sort) ? query.sort : 'provider';
  rows = sortRows(rows, sortKey, query.order, columns, workforceColumns);

  const cells = rows.flatMap((row) => row.cells);
  // Returns by state count the WRES and WDES returns owed too; "no return due" is the standards'.
  const owed = [...cells, ...rows.flatMap((row) => row.workforceCells)];
  const counts = MATRIX_STATES.map((state) => ({
    label: RETURN_STATUS_TAGS[state].text,
    count: owed.filter((cell) => cell?.status === state).length,
  }));
  counts.push({ label: 'Overdue', count: owed.filter((cell) => cell?.overdueDays != null).length });
  const noReturn = cells.filter((cell) => cell === null).length;
  if (noReturn > 0) counts.push({ label: 'No return due', count: noReturn });

  const sortedBy = sortKeys.find((item) => item.key === sortKey);
  const sortedLabel = sortedBy?.fullName ?? sortedBy?.label ?? 'Provider';
  const sortLinks: SortLink[] = sortKeys.map((item) => {
    const sorted = item.key === sortKey;
    const nextOrder = sorted && query.order === 'asc' ? 'desc' : 'asc';
    return {
      key: item.key,
      label: item.label,
      fullName: item.fullName,
      href: matrixHref({ ...query, period: chosen.id, sort: item.key, order: nextOrder }),
      ariaSort: sorted ? (query.order === 'asc' ? 'ascending' : 'descending') : null,
    };
  });

  const page: MatrixPage = {
    periods: periodList,
    period: { id: chosen.id, label: chosen.label },
    columns: columns.map(({ frameworkId, code, name, versionName }) => ({
      frameworkId,
      code,
      name,
      versionName,
    })),
    workforceColumns,
    standardOptions: [...periodBase.columns, ...periodBase.workforceColumns].map(({ code, name }) => ({
      code,
      name,
    })),
    obligationColumns,
    obligations,
    rows,
    counts,
    contractManagers,
    query: { ...query, sort: sortKey },
    sortLabel: `sorted by ${sortedLabel}, ${query.order === 'asc' ? 'ascending' : 'descending'}`,
    sortLinks,
    totalCells: cells.length,
  };
  return {
    page,
    table: keptTable(periodBase.tables, `${shownKey} ${matrixHref({ ...page.query, period: chosen.id })}`),
  };
}

/**
 * The HTML of a matrix page's table, kept in its period's data (so it goes when the data changes):
 * drawn by `draw` the first time a view (filters, sort, day, kind of viewer) of unchanged data is
 * asked for, then reused (a handful of views are kept per period). Nothing in it depends on the
 * person beyond their kind (which return page each cell links to). Kept as bytes, written to each
 * response as they are (sendWithTable): a page of thousands of rows is never copied per request.
 */
export type TableHtml = (draw: () => Promise<string>) => Promise<TableBytes>;

/** A drawn table: its bytes, and the same compressed for a browser that asks for gzip (made once, when first asked). */
export interface TableBytes {
  html: Buffer;
  gzipPart(): Promise<DeflatedPart>;
}

function tableBytes(html: string): TableBytes {
  const bytes = Buffer.from(html);
  let part: Promise<DeflatedPart> | undefined;
  return {
    html: bytes,
    gzipPart() {
      part ??= deflatePart(bytes, true);
      return part;
    },
  };
}

function keptTable(tables: Map<string, Promise<TableBytes>>, key: string): TableHtml {
  return (draw) => remembered(tables, key, 32, () => draw().then(tableBytes));
}

/** A table drawn every time (a page of no period, or a copy of one, such as the benchmark's ceiling). */
export const drawnTable: TableHtml = async (draw) => tableBytes(await draw());

/** A return's cell as a viewer sees it on a day: state, days overdue, result, and where it links. */
function shownCell(item: BaseCell, today: Date, reviewer: boolean): MatrixCell {
  const overdue = isOverdue(item.status, item.dueDate, today);
  const overdueDays = overdue ? Math.round((today.getTime() - item.dueDate.getTime()) / DAY_MS) : null;
  const reviewable = reviewer && item.status === 'submitted';
  return {
    returnId: item.returnId,
    status: item.status,
    tag: RETURN_STATUS_TAGS[item.status],
    overdueDays,
    overdueText: overdueDays === null ? null : `Overdue by ${plural(overdueDays, 'day')}`,
    resultLines: item.resultLines,
    importedTag: item.imported ? IMPORTED_TAG : null,
    statusText: statusWords(item.status, item.imported),
    href: pathTo(reviewable ? paths.review.show : paths.returns.show, { returnId: item.returnId }),
  };
}

/** A WRES or WDES return's cell on a day: its status, or why none is owed, and where it links. */
function workforceCell(
  due: WorkforceDue,
  item: { id: string; status: ReturnStatus } | null,
  today: Date,
  reviewer: boolean,
): WorkforceCell {
  const dueOn = due.kind === 'due' ? due.dueOn : null;
  if (!item && due.kind === 'none') {
    const tag = PUBLICATION_STATE_TAGS[due.state];
    return {
      status: null,
      statusText: tag.text,
      tag: PLAIN_STATES.includes(due.state) ? null : tag,
      overdueDays: null,
      overdueText: null,
      dueOn: null,
      dueText: '',
      href: null,
    };
  }
  const status = item?.status ?? 'not_started';
  const overdueDays =
    dueOn && isOverdue(status, dueOn, today)
      ? Math.round((today.getTime() - dueOn.getTime()) / DAY_MS)
      : null;
  return {
    status,
    statusText: RETURN_STATUS_TAGS[status].text,
    tag: RETURN_STATUS_TAGS[status],
    overdueDays,
    overdueText: overdueDays === null ? null : `Overdue by ${plural(overdueDays, 'day')}`,
    dueOn,
    dueText:
      dueOn && overdueDays === null && AWAITING_PROVIDER.includes(status)
        ? `Due on ${formatDate(dueOn)}`
        : '',
    href: item
      ? pathTo(reviewer && status === 'submitted' ? paths.workforce.review : paths.workforce.show, {
          returnId: item.id,
        })
      : null,
  };
}

/**
 * Obligation states shown as plain words, without a tag: those that ask nothing of anyone. Most cells
 * are in them, so the tags left (due, overdue, not known, published but not checked) stand out, and
 * the page is lighter by a tag's markup per cell (issue 17's size target).
 */
const PLAIN_STATES: readonly PublicationState[] = ['checked', 'not-applicable', 'not-due'];

/** An obligation's cell: its state in words (a tag unless settled), with the date in plain text. */
function obligationCell(status: ObligationStatus, today: Date): ObligationCell {
  const tag = PUBLICATION_STATE_TAGS[status.state];
  let text = '';
  switch (status.state) {
    case 'checked':
    case 'published':
      text = status.publication ? `Published on ${formatDate(status.publication.publishedOn)}` : '';
      break;
    case 'due':
      text = status.dueOn ? `Due on ${formatDate(status.dueOn)}` : '';
      break;
    case 'overdue':
      text = status.dueOn
        ? // Beside the "Overdue" tag: how long, without saying "overdue" twice.
          `${plural(Math.round((today.getTime() - status.dueOn.getTime()) / DAY_MS), 'day')} since it was due on ${formatDate(status.dueOn)}`
        : '';
      break;
    case 'not-due':
      text = status.nextDueOn ? `Next due on ${formatDate(status.nextDueOn)}` : '';
      break;
  }
  return {
    state: status.state,
    statusText: tag.text,
    tag: PLAIN_STATES.includes(status.state) ? null : tag,
    text,
    detail: text || (status.reason ?? ''),
    publication: status.publication && {
      url: status.publication.url,
      publishedOn: status.publication.publishedOn,
      checkedBy: status.publication.checkedBy?.displayName ?? null,
      checkedAt: status.publication.checkedAt,
    },
  };
}

function sortRows(
  rows: MatrixRow[],
  key: string,
  order: 'asc' | 'desc',
  columns: readonly MatrixColumn[],
  workforceColumns: readonly WorkforceColumn[],
): MatrixRow[] {
  const byName = (a: MatrixRow, b: MatrixRow) =>
    collator.compare(a.name, b.name) || collator.compare(a.odsCode, b.odsCode);
  let compare: (a: MatrixRow, b: MatrixRow) => number;
  if (key === 'ods') compare = (a, b) => collator.compare(a.odsCode, b.odsCode);
  else if (key === 'type') compare = (a, b) => collator.compare(a.typeLabel, b.typeLabel) || byName(a, b);
  else if (key.startsWith('standard-')) {
    // A standard's column, or a WRES/WDES return's (none owed, or not known, sorts as no return).
    const index = columns.findIndex((column) => `standard-${column.code}` === key);
    const workforceIndex = workforceColumns.findIndex((column) => `standard-${column.code}` === key);
    const rank = (row: MatrixRow) => {
      const cell = index >= 0 ? row.cells[index] : row.workforceCells[workforceIndex];
      if (!cell?.status) return [9, 0] as const;
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
  if (query.obligation) params.set('obligation', query.obligation);
  if (query.publication) params.set('publication', query.publication);
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
