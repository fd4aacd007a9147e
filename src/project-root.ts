import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, whether running from src/ (tests) or dist/src/ (built). */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
export const MIGRATIONS_DIR = join(PROJECT_ROOT, 'prisma', 'migrations');
export const STANDARDS_DIR = join(PROJECT_ROOT, 'data', 'standards');
export const STANDARD_MAPPINGS_DIR = join(STANDARDS_DIR, 'mappings');
export const OBLIGATIONS_DIR = join(PROJECT_ROOT, 'data', 'obligations');
export const ODS_ROLE_CODES_FILE = join(PROJECT_ROOT, 'data', 'ods', 'role-codes.json');
export const WORKFORCE_STANDARDS_DIR = join(PROJECT_ROOT, 'data', 'workforce-standards');
export const GRADING_GROUPS_FILE = join(PROJECT_ROOT, 'data', 'grading', 'groups.json');
export const VIEWS_DIR = join(PROJECT_ROOT, 'views');
export const PUBLIC_DIR = join(PROJECT_ROOT, 'public');
