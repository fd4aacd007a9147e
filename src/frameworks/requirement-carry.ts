import type { VersionMapping } from './version-mapping.schema.js';

/** A requirement of one version of a standard: what carrying starts from. */
export interface VersionedRequirement {
  frameworkCode: string;
  versionCode: string;
  code: string;
}

/** The requirements of another version something carries to; when there are none, why. */
export interface Counterparts {
  codes: string[];
  reason: string | null;
}

const none = (reason: string): Counterparts => ({ codes: [], reason });

/**
 * Which requirements of `toVersion` a requirement becomes (issue 14): itself within the same version;
 * across versions only what the mapping file's requirement pairs say (read either way: a 2025
 * requirement that several 2016 ones became goes back to each of them), never the same code by chance.
 */
export function requirementCounterparts(
  mappings: readonly VersionMapping[],
  from: VersionedRequirement,
  toVersion: string,
): Counterparts {
  if (from.versionCode === toVersion) return { codes: [from.code], reason: null };
  const names = `${from.frameworkCode} ${from.versionCode} and ${from.frameworkCode} ${toVersion}`;
  const mapping = mappings.find(
    (candidate) =>
      candidate.framework === from.frameworkCode &&
      [candidate.fromVersion, candidate.toVersion].sort().join(' ') ===
        [from.versionCode, toVersion].sort().join(' '),
  );
  if (!mapping) return none(`No mapping between ${names} is recorded.`);
  const { requirements } = mapping;
  if (!requirements.mapped) return none(requirements.explanation);
  if (mapping.fromVersion === from.versionCode) {
    const pair = requirements.pairs.find((candidate) => candidate.from === from.code);
    if (!pair) return none(`The mapping between ${names} does not list requirement ${from.code}.`);
    return pair.to === null ? none(pair.note) : { codes: [pair.to], reason: null };
  }
  const codes = requirements.pairs.flatMap((pair) => (pair.to === from.code ? [pair.from] : []));
  if (codes.length === 0)
    return none(
      `Requirement ${from.code} is new in ${from.frameworkCode} ${from.versionCode}: no requirement of ${from.frameworkCode} ${toVersion} became it.`,
    );
  return { codes, reason: null };
}
