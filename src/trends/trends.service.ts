import { canSeeProvider } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { DataDeps } from '../deps.js';
import { NotFound } from '../errors.js';
import { resultsBasisOf } from '../frameworks/results.queries.js';
import { versionMappings } from '../frameworks/version-mappings.js';
import { buildBarChart, type ChartGeometry } from './chart.js';
import { findTrendsProvider, listProviders, listResultsBases, listReturnsForTrends } from './queries.js';
import { buildTrends, type Count, type ResultTable, type StandardTrend, type TrendRow } from './trends.js';

export interface TrendsPage {
  providerItems: { value: string; text: string; selected: boolean }[];
  /** The provider the page is about, or null for all providers. */
  provider: { id: string; name: string } | null;
  standards: (StandardTrend & {
    stateChart: ChartGeometry;
    resultTables: (ResultTable & { chart: ChartGeometry })[];
  })[];
}

/** Trends for all providers: staff only (the route says so). */
export async function getTrends(deps: DataDeps): Promise<TrendsPage> {
  const providers = await listProviders(deps.prisma);
  return {
    ...(await trendsFor(deps, null)),
    providerItems: [
      { value: '', text: 'All providers', selected: true },
      ...providers.map((item) => ({
        value: item.id,
        text: `${item.name} (${item.odsCode})`,
        selected: false,
      })),
    ],
  };
}

/** One provider's trends: staff, or the provider's own people (another provider's is "not found"). */
export async function getProviderTrends(
  deps: DataDeps,
  user: CurrentUser,
  providerId: string,
): Promise<TrendsPage> {
  if (!canSeeProvider(user, providerId)) throw new NotFound();
  const provider = await findTrendsProvider(deps.prisma, providerId);
  if (!provider) throw new NotFound();
  return { ...(await trendsFor(deps, provider)), providerItems: [] };
}

async function trendsFor(
  { prisma, caches }: DataDeps,
  provider: { id: string; name: string } | null,
): Promise<Omit<TrendsPage, 'providerItems'>> {
  const [bases, returns, mappings] = await Promise.all([
    listResultsBases(prisma),
    listReturnsForTrends(prisma, provider?.id),
    versionMappings(caches.versionMappings),
  ]);
  const trends = buildTrends(
    bases.map((basis) => ({
      ...resultsBasisOf(basis),
      id: basis.id,
      frameworkName: basis.framework.name,
    })),
    returns.map((item) => ({
      status: item.status,
      frameworkVersionId: item.frameworkVersionId,
      period: item.period,
      snapshot: item.submissions[0]?.snapshot,
      imported: item.imported !== null,
    })),
    mappings,
  );
  const who = provider ? provider.name : 'all providers';
  return {
    provider,
    standards: trends.map((trend) => ({
      ...trend,
      stateChart: chart(
        `${trend.frameworkName}: returns by state, ${who}`,
        `Number of ${trend.frameworkName} returns in each state, per reporting period and version.`,
        trend.rows.map((row) => ({ ...row, bars: row.states })),
      ),
      resultTables: trend.resultTables.map((table) => ({
        ...table,
        chart: chart(
          `${table.versionNames.join(' and ')}: ${table.resultLabel.toLowerCase()} of submitted and accepted returns, ${who}`,
          `Number of submitted and accepted ${table.versionNames.join(' and ')} returns per ${table.resultLabel.toLowerCase()}, per reporting period.`,
          table.rows.map((row) => ({ ...row, bars: row.results })),
        ),
      })),
    })),
  };
}

/** A chart of one group of bars per row, its description carrying every number as text. */
function chart(title: string, lead: string, rows: (TrendRow & { bars: Count[] })[]): ChartGeometry {
  const label = (row: TrendRow) => `${row.periodLabel}, ${row.versionName}`;
  const description = rows
    .map(
      (row) =>
        `${row.boundary ? `${row.boundary}. ` : ''}${label(row)}: ${row.bars.map((bar) => `${bar.label} ${bar.count}`).join(', ')}.`,
    )
    .join(' ');
  return buildBarChart({
    title,
    description: `${lead} ${description}`,
    valueLabel: 'Number of returns',
    groups: rows.map((row) => ({
      label: label(row),
      boundary: row.boundary,
      bars: row.bars.map((bar) => ({ label: bar.label, value: bar.count })),
    })),
  });
}
