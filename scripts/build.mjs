// `npm run build` / `npm start`: builds only what changed since the last build. The Prisma client is
// generated again only when prisma/schema.prisma (or the Prisma version) changed; TypeScript is
// compiled only when a source, a config or the lock file is newer than the last build, and then
// incrementally (tsc's build info in dist/). A start with nothing changed costs a directory walk.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// 1. The Prisma client, when the schema or the installed Prisma differs from the last generation.
const generatedStamp = join(root, 'src', 'generated', 'prisma', '.schema-sha256');
const schemaHash = createHash('sha256')
  .update(readFileSync(join(root, 'prisma', 'schema.prisma')))
  .update(JSON.parse(readFileSync(require.resolve('prisma/package.json'), 'utf8')).version)
  .digest('hex');
if (!existsSync(generatedStamp) || readFileSync(generatedStamp, 'utf8') !== schemaHash) {
  run([join(root, 'scripts', 'prisma-generate.mjs')]);
  writeFileSync(generatedStamp, schemaHash);
}

// 2. TypeScript, when anything it reads is newer than the last build.
const buildInfo = join(root, 'dist', '.tsbuildinfo');
const inputs = ['src', 'jobs', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** The newest modification time under `path` (directories count: a deleted file changes them). */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const builtAt = existsSync(buildInfo) ? statSync(buildInfo).mtimeMs : 0;
if (inputs.some((input) => newest(join(root, input)) > builtAt)) {
  const startedAt = new Date();
  run([require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')]);
  // tsc leaves its build info alone when no output changed (a file saved as it was): mark the
  // build done as of its start, so an edit made while it ran is still seen next time.
  utimesSync(buildInfo, startedAt, startedAt);
}
