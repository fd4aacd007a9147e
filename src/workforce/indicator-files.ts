import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFORCE_STANDARDS_DIR } from '../project-root.js';
import { workforceStandardSchema, type WorkforceStandard } from './indicator-file.schema.js';

/** Reads and checks every workforce standard file; a bad file stops the caller naming each problem. */
export function readWorkforceStandards(dir: string = WORKFORCE_STANDARDS_DIR): WorkforceStandard[] {
  const problems: string[] = [];
  const standards: WorkforceStandard[] = [];
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const parsed = workforceStandardSchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${file}: ${issue.path.join('.')} ${issue.message}`);
      continue;
    }
    for (const indicator of parsed.data.indicators) {
      const groups =
        'groups' in indicator
          ? indicator.groups
          : 'group' in indicator
            ? [indicator.group]
            : 'numerator' in indicator
              ? [indicator.numerator.group, indicator.denominator.group]
              : [];
      if (indicator.kind === 'representation' && !indicator.groups.includes(indicator.focus))
        problems.push(
          `${file}: indicator ${indicator.code} focus ${indicator.focus} is not one of its groups`,
        );
      for (const group of groups) {
        if (!(group in parsed.data.groups))
          problems.push(`${file}: indicator ${indicator.code} names group ${group}, which is not in groups`);
      }
    }
    standards.push(parsed.data);
  }
  if (problems.length > 0)
    throw new Error(`The workforce standard files in ${dir} have problems:\n${problems.join('\n')}`);
  return standards;
}

/**
 * The release's workforce standards, read once by createCaches (src/caches.ts) and kept in deps, like
 * the obligations: each app (or test) has its own, and a test may give its own directory.
 */
export interface WorkforceCatalogue {
  /** In file name order: each standard's versions oldest first. */
  all: readonly WorkforceStandard[];
}

export function loadWorkforceStandards(dir: string = WORKFORCE_STANDARDS_DIR): WorkforceCatalogue {
  return { all: Object.freeze(readWorkforceStandards(dir)) };
}

/** The standard a return was made under (its code and version; the latest without one), or undefined. */
export function workforceStandard(
  catalogue: WorkforceCatalogue,
  code: string,
  version?: string,
): WorkforceStandard | undefined {
  const matching = catalogue.all.filter((standard) => standard.code === code);
  return version === undefined ? matching.at(-1) : matching.find((standard) => standard.version === version);
}
