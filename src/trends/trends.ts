import {
  computeResults,
  type ComputedResults,
  type RatedResponse,
  type ResultsBasis,
} from '../frameworks/results.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import { RETURN_STATUS_TAGS } from '../returns/progress.js';

/**
 * Trends across periods, pure functions of the returns: per standard version, per period, the number
 * of returns in each state and the distribution of overall results.
 *
 * The overall result of a return comes from its latest submission's snapshot, for returns whose
 * submission stands (submitted or accepted): EDS 2022 its overall rating band; EDS2 and AIS the
 * lowest level of any goal or step (a return is only as strong as its weakest goal or step).
 * A return not fully rated counts as "Not fully rated".
 */

export const STATES: readonly ReturnStatus[] = [
  'not_started',
  'in_progress',
  'submitted',
  'returned',
  'accepted',
];
export const NOT_FULLY_RATED = 'Not fully rated';

export interface TrendsReturn {
  status: ReturnStatus;
  frameworkVersionId: string;
  period: { id: string; label: string; startDate: Date };
  /** The latest submission's snapshot (JSON), or undefined if never submitted. */
  snapshot: unknown;
}

export interface TrendsBasis extends ResultsBasis {
  id: string;
}

export interface TrendsPeriod {
  label: string;
  total: number;
  states: { label: string; count: number }[];
  results: { label: string; count: number }[];
}

export interface StandardTrend {
  versionName: string;
  /** "Overall rating", "Weakest goal", "Weakest step". */
  resultLabel: string;
  stateLabels: string[];
  resultLabels: string[];
  periods: TrendsPeriod[];
}

const STANDING: readonly ReturnStatus[] = ['submitted', 'accepted'];

function snapshotResponses(snapshot: unknown): RatedResponse[] {
  if (typeof snapshot !== 'object' || snapshot === null) return [];
  const responses = (snapshot as { responses?: unknown }).responses;
  if (!Array.isArray(responses)) return [];
  return (responses as Partial<RatedResponse>[]).map((item) => ({
    groupCode: item.groupCode ?? '',
    requirementCode: item.requirementCode ?? '',
    requirementTitle: item.requirementTitle ?? '',
    ratingLevelCode: typeof item.ratingLevelCode === 'string' ? item.ratingLevelCode : null,
    notApplicable: item.notApplicable === true,
  }));
}

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

function resultLabel(basis: ResultsBasis): string {
  if (basis.bands.length > 0) return 'Overall rating';
  return `Weakest ${basis.groupLabel.toLowerCase()}`;
}

export function buildTrends(
  bases: readonly TrendsBasis[],
  returns: readonly TrendsReturn[],
): StandardTrend[] {
  const trends: StandardTrend[] = [];
  for (const basis of bases) {
    const own = returns.filter((item) => item.frameworkVersionId === basis.id);
    if (own.length === 0) continue;
    const periods = new Map<string, { label: string; startDate: Date; items: TrendsReturn[] }>();
    for (const item of own) {
      const entry = periods.get(item.period.id) ?? {
        label: item.period.label,
        startDate: item.period.startDate,
        items: [],
      };
      entry.items.push(item);
      periods.set(item.period.id, entry);
    }
    const categories = resultCategories(basis);
    trends.push({
      versionName: basis.versionName,
      resultLabel: resultLabel(basis),
      stateLabels: STATES.map((state) => RETURN_STATUS_TAGS[state].text),
      resultLabels: categories,
      periods: [...periods.values()]
        .sort((a, b) => a.startDate.getTime() - b.startDate.getTime() || a.label.localeCompare(b.label))
        .map((period) => {
          const results = new Map(categories.map((label) => [label, 0]));
          for (const item of period.items) {
            if (!STANDING.includes(item.status) || item.snapshot === undefined) continue;
            const label = overallResult(computeResults(snapshotResponses(item.snapshot), basis));
            results.set(label, (results.get(label) ?? 0) + 1);
          }
          return {
            label: period.label,
            total: period.items.length,
            states: STATES.map((state) => ({
              label: RETURN_STATUS_TAGS[state].text,
              count: period.items.filter((item) => item.status === state).length,
            })),
            results: [...results].map(([label, count]) => ({ label, count })),
          };
        }),
    });
  }
  return trends;
}
