import type { Db } from '../db/prisma.js';
import { formatDateTime } from '../format.js';
import { levelView, NOT_APPLICABLE_TALLY_CODE, type TagColour } from '../frameworks/results.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import { pathTo, paths } from '../paths.js';
import { statusWords } from '../returns/progress.js';
import {
  findRequirementColumns,
  findReturnsWithLatestRatings,
  hasBands,
  listPeriodsWithVersions,
  listVersions,
} from './queries.js';

/**
 * The heat map of one standard version in one period: providers x requirements, each cell the rating
 * of the return's LATEST SUBMISSION (its frozen snapshot: what was submitted and decided). Returns
 * never submitted are counted, not shown as rows, unless the viewer chooses to include returns in
 * progress: then those rows show the answers saved so far, every cell marked "(in progress)".
 *
 * Five statements whatever the number of providers (periods, versions, requirements, bands, and
 * the returns with their latest submission's ratings), so the page scales with the data, not with round trips.
 */

export interface HeatMapChoice {
  periodId?: string | undefined;
  versionId?: string | undefined;
  /** Show returns in progress with the answers saved so far (each cell marked). */
  includeInProgress?: boolean | undefined;
}

/** The marker every cell of a return in progress carries, in words (never colour alone). */
export const IN_PROGRESS_MARKER = '(in progress)';

export interface HeatMapCell {
  /** "Achieving (2)", "Basic", "Not rated". */
  text: string;
  /** The level's colour as an app class suffix, or "none" (never the only signal: the text says it). */
  colour: TagColour | 'none';
  /** From a return in progress: an answer saved, not submitted (the text ends with the marker). */
  inProgress?: boolean;
}

export interface HeatMapRow {
  providerName: string;
  providerHref: string;
  odsCode: string;
  returnHref: string;
  statusText: string;
  /** "submitted at 11am on 28 November 2026", or "not submitted yet" for a return in progress. */
  submittedText: string;
  inProgress: boolean;
  cells: HeatMapCell[];
}

export interface HeatMapPage {
  periodItems: { value: string; text: string; selected: boolean }[];
  versionItems: { value: string; text: string; selected: boolean }[];
  periodLabel: string | null;
  versionName: string | null;
  columns: { code: string; title: string }[];
  rows: HeatMapRow[];
  /** Whether returns in progress are included (the page's choice). */
  includeInProgress: boolean;
  /** Rows of returns in progress shown (0 unless included). */
  inProgressCount: number;
  /** Returns not shown: never submitted (and, unless included, in progress). */
  notSubmittedCount: number;
  showsScore: boolean;
  /** What each cell's colour means: every level of the version's scale in order, then "Not rated". */
  legend: HeatMapCell[];
}

const SUBMITTED_STATES: readonly ReturnStatus[] = ['submitted', 'accepted', 'returned'];

export async function getHeatMap(db: Db, choice: HeatMapChoice): Promise<HeatMapPage> {
  const [periods, versions] = await Promise.all([listPeriodsWithVersions(db), listVersions(db)]);
  const period = periods.find((item) => item.id === choice.periodId) ?? periods[0];
  const periodVersionIds = (period?.standards ?? [])
    .slice()
    .sort((a, b) => a.frameworkVersion.name.localeCompare(b.frameworkVersion.name))
    .map((item) => item.frameworkVersionId);
  const version =
    versions.find((item) => item.id === choice.versionId) ??
    versions.find((item) => item.id === periodVersionIds[0]) ??
    versions[0];

  const periodItems = periods.map((item) => ({
    value: item.id,
    text: item.label,
    selected: item.id === period?.id,
  }));
  const versionItems = versions.map((item) => ({
    value: item.id,
    text: item.name,
    selected: item.id === version?.id,
  }));
  const empty: HeatMapPage = {
    periodItems,
    versionItems,
    periodLabel: period?.label ?? null,
    versionName: version?.name ?? null,
    columns: [],
    rows: [],
    includeInProgress: choice.includeInProgress === true,
    inProgressCount: 0,
    notSubmittedCount: 0,
    showsScore: false,
    legend: [],
  };
  if (!period || !version) return empty;

  const [requirements, bandCount, returns] = await Promise.all([
    findRequirementColumns(db, version.id),
    hasBands(db, version.id),
    findReturnsWithLatestRatings(db, version.id, period.id, choice.includeInProgress === true),
  ]);
  // Scores mean something only where the standard adds them up (EDS 2022's total); elsewhere they
  // merely order the levels, so only the label is shown.
  const showsScore = bandCount > 0;

  const columns = requirements.map((requirement) => {
    const levels = new Map(requirement.ratingScale.levels.map((level) => [level.code, levelView(level)]));
    return { code: requirement.code, title: requirement.title, levels };
  });

  // The legend: the scale's levels (by position, each once), as the cells show them.
  const legendLevels = new Map<string, { position: number; cell: HeatMapCell }>();
  for (const requirement of requirements) {
    for (const level of requirement.ratingScale.levels) {
      const view = levelView(level);
      if (!legendLevels.has(level.code))
        legendLevels.set(level.code, {
          position: level.position,
          cell: {
            text: showsScore ? `${view.label} (${view.score})` : view.label,
            colour: view.tagColour ?? 'none',
          },
        });
    }
  }
  const legend: HeatMapCell[] = [
    ...[...legendLevels.values()].sort((a, b) => a.position - b.position).map((item) => item.cell),
    { text: 'Not rated', colour: 'none' },
  ];

  const levelCell = (column: (typeof columns)[number], code: string | null | undefined): HeatMapCell => {
    if (code === null || code === undefined) return { text: 'Not rated', colour: 'none' };
    if (code === NOT_APPLICABLE_TALLY_CODE) return { text: 'Not applicable', colour: 'none' };
    const level = column.levels.get(code);
    // A level the scale no longer has (cannot happen with imported data): its code, uncoloured.
    if (!level) return { text: code, colour: 'none' };
    return {
      text: showsScore ? `${level.label} (${level.score})` : level.label,
      colour: level.tagColour ?? 'none',
    };
  };
  const cellFor = (column: (typeof columns)[number], codes: (string | null)[] | undefined): HeatMapCell => {
    if (!codes || codes.length < 2) return levelCell(column, codes?.[0]);
    // Answered per service (EDS 2022 Domain 1): the weakest service's level, saying so, never
    // whichever service happened to come last.
    const rated = codes.flatMap((code) => {
      const level = code ? column.levels.get(code) : undefined;
      return level ? [level] : [];
    });
    const weakest = rated.sort((a, b) => a.score - b.score)[0];
    const cell = levelCell(column, weakest ? weakest.code : codes[0]);
    return { ...cell, text: `${cell.text}, lowest of ${String(codes.length)} services` };
  };
  const rowOf = (item: (typeof returns)[number], inProgress: boolean): HeatMapRow => {
    const ratings = inProgress ? item.draftRatings : item.ratings;
    return {
      providerName: item.providerName,
      providerHref: pathTo(paths.providers.show, { providerId: item.providerId }),
      odsCode: item.odsCode,
      returnHref: pathTo(paths.returns.show, { returnId: item.id }),
      statusText: statusWords(item.status, item.imported),
      submittedText:
        inProgress || !item.submittedAt
          ? 'not submitted yet'
          : `${item.imported ? 'imported' : 'submitted'} ${formatDateTime(item.submittedAt)}`,
      inProgress,
      cells: columns.map((column): HeatMapCell => {
        const cell = cellFor(column, ratings?.[column.code]);
        return inProgress ? { ...cell, text: `${cell.text} ${IN_PROGRESS_MARKER}`, inProgress } : cell;
      }),
    };
  };

  const rows: HeatMapRow[] = [];
  let inProgressCount = 0;
  // In provider order (the query's), submitted and in-progress rows side by side.
  for (const item of returns) {
    if (SUBMITTED_STATES.includes(item.status) && item.submittedAt !== null) rows.push(rowOf(item, false));
    else if (item.draftRatings !== null) {
      rows.push(rowOf(item, true));
      inProgressCount += 1;
    }
  }

  return {
    ...empty,
    columns: columns.map(({ code, title }) => ({ code, title })),
    rows,
    inProgressCount,
    notSubmittedCount: returns.length - rows.length,
    showsScore,
    legend,
  };
}
