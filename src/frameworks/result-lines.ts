import type { ComputedResults, LevelView, ResultsBasis } from './results.js';

/**
 * The result of a return as short lines of plain text (never colour alone), explained by the legend
 * under the matrix: "4 of 6 steps rated; lowest: Intermediate".
 */
export function resultLines(results: ComputedResults, basis: ResultsBasis): string[] {
  switch (results.kind) {
    case 'total-score': {
      // A group answered per service (EDS 2022 Domain 1) says how several services' scores combined.
      const perService = results.groups
        .filter((group) => (group.services?.length ?? 0) > 1)
        .map((group) => `${basis.groupLabel} ${group.code}: ${group.scoreText}`);
      return results.complete && results.band
        ? [`Overall: ${results.band.label}`, `Score ${results.totalText}`, ...perService]
        : ['Overall: not available yet', `Score ${results.totalText}`, ...perService];
    }
    case 'grades': {
      // "Not applicable" outcomes are neither graded nor waiting to be (the version's rule excludes them).
      const applicable = results.outcomes.filter((outcome) => !outcome.notApplicable);
      const graded = applicable.filter((outcome) => outcome.level !== null);
      const counts = results.counts.filter((line) => line.level !== null && line.count > 0);
      return [
        ratedLine(graded.length, applicable.length, 'outcome', 'graded', lowest(graded)),
        ...(counts.length > 0 ? [counts.map((line) => `${line.count} ${line.label}`).join(', ')] : []),
      ];
    }
    case 'maturity': {
      // Each step is as mature as its weakest requirement; a step counts as rated once all of it is.
      const rated = results.steps.filter((step) => step.complete);
      return [
        ratedLine(rated.length, results.steps.length, basis.groupLabel.toLowerCase(), 'rated', lowest(rated)),
      ];
    }
  }
}

/** "4 of 6 steps rated; lowest: Intermediate", or "No outcomes graded yet (0 of 18)". */
function ratedLine(done: number, of: number, noun: string, verb: string, lowestLabel: string | null): string {
  if (done === 0) return `No ${noun}s ${verb} yet (0 of ${of})`;
  const counted = `${done} of ${of} ${noun}${of === 1 ? '' : 's'} ${verb}`;
  return lowestLabel ? `${counted}; lowest: ${lowestLabel}` : counted;
}

/** The label of the lowest level among these (by the scale's score), or null when none has a level. */
function lowest(items: readonly { level: LevelView | null }[]): string | null {
  let found: LevelView | null = null;
  for (const { level } of items) if (level && (!found || level.score < found.score)) found = level;
  return found?.label ?? null;
}
