import type { Db } from '../db/prisma.js';
import { buildBarChart, type ChartGeometry } from './chart.js';
import { listProviders, listResultsBases, listReturnsForTrends } from './queries.js';
import { buildTrends, type StandardTrend } from './trends.js';

export interface TrendsPage {
  providerItems: { value: string; text: string; selected: boolean }[];
  /** The chosen provider's name, or null for all providers. */
  providerName: string | null;
  standards: (StandardTrend & { stateChart: ChartGeometry; resultChart: ChartGeometry })[];
}

export async function getTrends(db: Db, providerId: string | undefined): Promise<TrendsPage> {
  const providers = await listProviders(db);
  const provider = providers.find((item) => item.id === providerId);
  const [bases, returns] = await Promise.all([listResultsBases(db), listReturnsForTrends(db, provider?.id)]);
  const trends = buildTrends(
    bases.map((basis) => ({
      id: basis.id,
      frameworkCode: basis.framework.code,
      versionCode: basis.code,
      versionName: basis.name,
      groupLabel: basis.groupLabel,
      groups: basis.groups,
      levels: basis.ratingScale.levels,
      bands: basis.ratingBands,
    })),
    returns.map((item) => ({
      status: item.status,
      frameworkVersionId: item.frameworkVersionId,
      period: item.period,
      snapshot: item.submissions[0]?.snapshot,
    })),
  );
  const who = provider ? provider.name : 'all providers';
  return {
    providerItems: [
      { value: '', text: 'All providers', selected: !provider },
      ...providers.map((item) => ({
        value: item.id,
        text: `${item.name} (${item.odsCode})`,
        selected: item.id === provider?.id,
      })),
    ],
    providerName: provider?.name ?? null,
    standards: trends.map((trend) => ({
      ...trend,
      stateChart: buildBarChart({
        title: `${trend.versionName}: returns by state, ${who}`,
        description: `Number of ${trend.versionName} returns in each state, per reporting period. ${describe(trend.periods.map((period) => ({ label: period.label, bars: period.states })))}`,
        valueLabel: 'Number of returns',
        groups: trend.periods.map((period) => ({ label: period.label, bars: asBars(period.states) })),
      }),
      resultChart: buildBarChart({
        title: `${trend.versionName}: ${trend.resultLabel.toLowerCase()} of submitted and accepted returns, ${who}`,
        description: `Number of submitted and accepted ${trend.versionName} returns per ${trend.resultLabel.toLowerCase()}, per reporting period. ${describe(trend.periods.map((period) => ({ label: period.label, bars: period.results })))}`,
        valueLabel: 'Number of returns',
        groups: trend.periods.map((period) => ({ label: period.label, bars: asBars(period.results) })),
      }),
    })),
  };
}

function describe(groups: { label: string; bars: { label: string; count: number }[] }[]): string {
  return groups
    .map((group) => `${group.label}: ${group.bars.map((bar) => `${bar.label} ${bar.count}`).join(', ')}.`)
    .join(' ');
}

function asBars(counts: readonly { label: string; count: number }[]): { label: string; value: number }[] {
  return counts.map((item) => ({ label: item.label, value: item.count }));
}
