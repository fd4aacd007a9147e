import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OBLIGATIONS_DIR } from '../project-root.js';
import { obligationFileSchema, type ObligationFile } from './obligation-file.schema.js';

/**
 * Reads and checks every obligation data file, in name order. A bad file stops the caller with a
 * message naming the file and each problem (as the standards import does). The files are part of the
 * release, like code: read once per process, never changed while it runs.
 */
export function readObligationFiles(dir: string = OBLIGATIONS_DIR): ObligationFile[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const obligations: ObligationFile[] = [];
  const problems: string[] = [];
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (error) {
      problems.push(`${file}: is not valid JSON (${(error as Error).message})`);
      continue;
    }
    const parsed = obligationFileSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`${file}: ${issue.path.join('.') || '(file)'} ${issue.message}`);
      }
      continue;
    }
    if (`${parsed.data.code}.json` !== file) problems.push(`${file}: code must match the file name`);
    obligations.push(parsed.data);
  }
  if (problems.length > 0) {
    throw new Error(`The obligation files in ${dir} have problems:\n${problems.join('\n')}`);
  }
  return obligations;
}

/**
 * The release's obligations, read once by createCaches (src/caches.ts) and kept in deps, like the
 * standards' content: each app (or test) has its own, and a test may give its own directory.
 */
export interface ObligationCatalogue {
  /** In file name order: the order of columns and rows wherever obligations are listed. */
  all: readonly ObligationFile[];
  byCode: ReadonlyMap<string, ObligationFile>;
}

export function loadObligations(dir: string = OBLIGATIONS_DIR): ObligationCatalogue {
  const all = Object.freeze(readObligationFiles(dir));
  return { all, byCode: new Map(all.map((obligation) => [obligation.code, obligation])) };
}
