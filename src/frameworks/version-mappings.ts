import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STANDARD_MAPPINGS_DIR } from '../project-root.js';
import { versionMappingSchema, type VersionMapping } from './version-mapping.schema.js';

/**
 * The mappings between versions of a standard, read from their data files and checked on first use,
 * then kept by one app (in deps.caches) for its life: the files are part of the release.
 */
export interface VersionMappingsCache {
  loaded: Promise<VersionMapping[]> | undefined;
  dir: string;
}

export function createVersionMappingsCache(dir: string = STANDARD_MAPPINGS_DIR): VersionMappingsCache {
  return { loaded: undefined, dir };
}

export function versionMappings(cache: VersionMappingsCache): Promise<VersionMapping[]> {
  if (!cache.loaded) {
    const loading = readVersionMappings(cache.dir);
    cache.loaded = loading;
    // A failed read is not kept: the next request reads the files again.
    loading.catch(() => {
      if (cache.loaded === loading) cache.loaded = undefined;
    });
  }
  return cache.loaded;
}

/** Reads and checks every mapping file; a bad file is refused naming the file and each problem. */
export async function readVersionMappings(dir: string): Promise<VersionMapping[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  const problems: string[] = [];
  const mappings: VersionMapping[] = [];
  for (const name of names) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(join(dir, name), 'utf8'));
    } catch (error) {
      problems.push(`${name}: not valid JSON (${(error as Error).message})`);
      continue;
    }
    const parsed = versionMappingSchema.safeParse(json);
    if (parsed.success) mappings.push(parsed.data);
    else
      for (const issue of parsed.error.issues)
        problems.push(`${name}: ${issue.path.join('.') || '(file)'} ${issue.message}`);
  }
  const pairs = new Set<string>();
  for (const mapping of mappings) {
    const key = [mapping.framework, ...[mapping.fromVersion, mapping.toVersion].sort()].join(' ');
    if (pairs.has(key))
      problems.push(
        `${mapping.framework} ${mapping.fromVersion} and ${mapping.toVersion} are mapped by more than one file`,
      );
    pairs.add(key);
  }
  if (problems.length > 0)
    throw new Error(
      `The standard version mappings in ${dir} have problems (fix the files, then restart):\n${problems.join('\n')}`,
    );
  return mappings;
}
