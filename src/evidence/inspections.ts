import pLimit from 'p-limit';

// Looking inside an upload (decompressing an Office file's parts, a PDF's object streams) costs CPU in
// proportion to what the file holds. A few at a time, each within a time budget: eight zip bombs at
// once must not take the server's cores for half a minute each while other pages wait.

export interface InspectionLimits {
  /** Inspections running at once; the rest wait their turn. */
  concurrency: number;
  /** The longest one inspection may take once started: `signal` aborts then. */
  budgetMs: number;
}

export interface Inspections {
  run<T>(inspect: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/** One a core on a small server; a file that cannot be checked in ten seconds is refused. */
export const INSPECTION_LIMITS: InspectionLimits = { concurrency: 2, budgetMs: 10_000 };

/** A queue of its own per app: two apps in one process (tests) do not wait for each other. */
export function createInspections(limits: InspectionLimits = INSPECTION_LIMITS): Inspections {
  const limit = pLimit(limits.concurrency);
  return {
    run: (inspect) => limit(() => inspect(AbortSignal.timeout(limits.budgetMs))),
  };
}
