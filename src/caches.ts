import type { VersionContentCache } from './frameworks/version-content.js';
import { createVersionMappingsCache, type VersionMappingsCache } from './frameworks/version-mappings.js';
import { createMatrixCache, type MatrixCache } from './matrix/matrix.service.js';
import { loadObligations, type ObligationCatalogue } from './obligations/obligation-files.js';
import { loadWorkforceStandards, type WorkforceCatalogue } from './workforce/indicator-files.js';

/**
 * What one app keeps in memory between requests, always rebuilt from PostgreSQL and checked against
 * it on use. Built by server.ts (or a test's app builder) and passed in deps, so two apps in one
 * process, or two instances, never share hidden state.
 */
export interface Caches {
  /** Standard versions' groups and requirements (never rewritten once loaded). */
  versions: VersionContentCache;
  /** The compliance matrix's data and drawn tables, kept while the data is unchanged. */
  matrix: MatrixCache;
  /** The obligation files (data/obligations): part of the release, read once when the app is built. */
  obligations: ObligationCatalogue;
  /** The mappings between versions of a standard (data/standards/mappings, read once on first use). */
  versionMappings: VersionMappingsCache;
  /** The WRES and WDES indicator files (data/workforce-standards): part of the release, read once. */
  workforce: WorkforceCatalogue;
}

/** A bad obligation or workforce standard file stops the caller here, naming the file and each problem. */
export function createCaches(obligationsDir?: string, workforceStandardsDir?: string): Caches {
  const obligations = loadObligations(obligationsDir);
  const workforce = loadWorkforceStandards(workforceStandardsDir);
  // A return's due date comes from its standard's obligation file (src/workforce/due.ts).
  const unknown = workforce.all.filter((standard) => !obligations.byCode.has(standard.obligation));
  if (unknown.length > 0) {
    throw new Error(
      unknown
        .map(
          (standard) => `${standard.code} ${standard.version}: obligation ${standard.obligation} has no file`,
        )
        .join('\n'),
    );
  }
  return {
    versions: new Map(),
    matrix: createMatrixCache(),
    obligations,
    versionMappings: createVersionMappingsCache(),
    workforce,
  };
}
