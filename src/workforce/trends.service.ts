import { assertCanReadRegister, assertCanSeeProvider } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { DataDeps } from '../deps.js';
import { NotFound } from '../errors.js';
import { ukToday } from '../format.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import { yearOf } from '../obligations/derive.js';
import { entriesOf, type Entry, type Result } from './entry.js';
import type { WorkforceStandard } from './indicator-file.schema.js';
import { workforceStandard, type WorkforceCatalogue } from './indicator-files.js';
import { findProviderName, workforceReturnsIn, type WorkforceReturnRow } from './queries.js';
import { entryName, entryStates } from './workforce.service.js';

// Three-year trends of WRES and WDES figures: one provider's (whoever may see the provider), and each
// indicator across providers (the integrated care board's staff only). Figures are worked out from
// the stored inputs under each return's own version of the standard, as the return pages show them.

/** How many years of data a trend shows, ending with the latest data year. */
export const TREND_YEARS = 3;

/** The figures a view of other providers' returns counts: submitted to, or accepted by, the ICB. */
const SHARED_STATUSES: readonly ReturnStatus[] = ['submitted', 'accepted'];

/** Data years end on 31 March: the latest one is the last 31 March that has passed (UK time). */
export function trendYears(now: Date): number[] {
  const latest = yearOf(ukToday(now));
  return Array.from({ length: TREND_YEARS }, (_, index) => latest - (TREND_YEARS - 1) + index);
}

export interface TrendCell {
  year: number;
  /** No return that year; or the return's status with its figure (undefined when not entered). */
  status: ReturnStatus | undefined;
  result: Result | undefined;
  returnId: string | undefined;
}

/** The latest version of the standard named in the URL ("wres", "wdes"), or not found. */
export function standardFromPath(catalogue: WorkforceCatalogue, value: unknown): WorkforceStandard {
  const code = typeof value === 'string' ? value.toUpperCase() : '';
  const standard = code === 'WRES' || code === 'WDES' ? workforceStandard(catalogue, code) : undefined;
  if (!standard) throw new NotFound();
  return standard;
}

function cellOf(
  catalogue: WorkforceCatalogue,
  rows: readonly WorkforceReturnRow[],
  year: number,
  code: string,
): TrendCell {
  const row = rows.find((item) => item.year === year);
  if (!row) return { year, status: undefined, result: undefined, returnId: undefined };
  // A return keeps the version it was made under; an indicator it does not have is not entered.
  const standard = workforceStandard(catalogue, row.standardCode, row.standardVersion);
  const state = standard && entryStates(standard, row).find((item) => item.entry.code === code);
  return {
    year,
    status: row.status,
    result: state?.complete ? state.result : undefined,
    returnId: row.id,
  };
}

export interface IndicatorTrend {
  entry: Entry;
  name: string;
  cells: TrendCell[];
}

/** A provider's figures for each indicator of a standard across the last three data years. */
export async function providerTrends(
  deps: DataDeps,
  user: CurrentUser,
  providerId: string,
  standard: WorkforceStandard,
  now: Date,
) {
  assertCanSeeProvider(user, providerId);
  const provider = await findProviderName(deps.prisma, providerId);
  if (!provider) throw new NotFound();
  const years = trendYears(now);
  const rows = await workforceReturnsIn(deps.prisma, standard.code, years, [providerId]);
  const indicators: IndicatorTrend[] = entriesOf(standard).map((entry) => ({
    entry,
    name: entryName(standard, entry),
    cells: years.map((year) => cellOf(deps.caches.workforce, rows, year, entry.code)),
  }));
  return { provider, years, indicators };
}

/** The standard's indicators, for the ICB-wide view's index: staff only. */
export function icbStandard(user: CurrentUser, standard: WorkforceStandard) {
  assertCanReadRegister(user);
  return entriesOf(standard).map((entry) => ({ entry, name: entryName(standard, entry) }));
}

/**
 * One indicator across every provider with a submitted or accepted return in the last three data
 * years: staff only (a provider's people never see another provider's figures).
 */
export async function icbIndicator(
  deps: DataDeps,
  user: CurrentUser,
  standard: WorkforceStandard,
  code: string,
  now: Date,
) {
  assertCanReadRegister(user);
  const entry = entriesOf(standard).find((item) => item.code === code);
  if (!entry) throw new NotFound();
  const years = trendYears(now);
  const rows = (await workforceReturnsIn(deps.prisma, standard.code, years)).filter((row) =>
    SHARED_STATUSES.includes(row.status),
  );
  const providers = new Map<string, { id: string; name: string; rows: WorkforceReturnRow[] }>();
  for (const row of rows) {
    const item = providers.get(row.providerId) ?? { id: row.providerId, name: row.provider.name, rows: [] };
    item.rows.push(row);
    providers.set(row.providerId, item);
  }
  return {
    entry,
    name: entryName(standard, entry),
    years,
    providers: [...providers.values()].map((provider) => ({
      id: provider.id,
      name: provider.name,
      cells: years.map((year) => cellOf(deps.caches.workforce, provider.rows, year, code)),
    })),
  };
}
