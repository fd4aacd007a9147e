import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { freePort } from '../../src/startup.js';
import { productionEnvironment } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { createTestDatabase } from '../support/database.js';
import { useServerProcesses, type ServerProcess } from '../support/server-process.js';

// The real start-up as a new user meets it: a separate process, real signals, real ports.

jest.setTimeout(BOUNDS.processes);
const startServerProcess = useServerProcesses();

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'tracker-start-'));
  // Run as root, the embedded PostgreSQL runs as the postgres user, which must reach .data inside.
  await chmod(cwd, 0o755);
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const READY = /"msg":"ready: /;

async function stopAndExpectCleanExit(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  expect(server.output()).toContain('"msg":"stopped"');
}

test('bad configuration stops start-up with every problem listed and exit code 1', async () => {
  const server = startServerProcess(cwd, { PORT: 'abc', LOG_LEVEL: 'loud' });
  expect(await server.exited).toBe(1);
  expect(server.output()).toContain('Invalid configuration');
  expect(server.output()).toMatch(/PORT: /);
  expect(server.output()).toMatch(/LOG_LEVEL: /);
});

test('production refuses to start with the local sign-in enabled', async () => {
  const server = startServerProcess(cwd, {
    ...(productionEnvironment('postgresql://127.0.0.1:9/none') as Record<string, string>),
    LOCAL_SIGN_IN: 'true',
  });
  expect(await server.exited).toBe(1);
  expect(server.output()).toContain('LOCAL_SIGN_IN: the local demo sign-in cannot be enabled in production');
});

test('a port already in use is named, with what to do', async () => {
  const blocker: Server = createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  try {
    const server = startServerProcess(cwd, {
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: 'postgresql://127.0.0.1:9/none',
    });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain(`Port ${port} is already in use`);
  } finally {
    blocker.close();
  }
});

test('with DATABASE_URL: migrates, loads standards and demo data, serves, and stops cleanly on SIGTERM', async () => {
  const db = await createTestDatabase({ migrated: false });
  try {
    const port = await freePort();
    const server = startServerProcess(cwd, {
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: db.url,
      JOBS_ENABLED: 'true',
    });
    await server.waitForOutput(READY);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    const signIn = await fetch(`http://127.0.0.1:${port}/sign-in/local`);
    const html = await signIn.text();
    for (const role of ['Administrator', 'Contract manager', 'Viewer', 'Provider lead'])
      expect(html).toContain(role);
    expect(await db.prisma.frameworkVersion.count()).toBe(4);
    expect(existsSync(join(cwd, '.data', 'postgres'))).toBe(false);
    await stopAndExpectCleanExit(server);
  } finally {
    await db.drop();
  }
});

test('embedded: first start creates .data, SIGTERM stops PostgreSQL too, a second start reuses the data', async () => {
  const environment = {
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    EMBEDDED_DB_PORT: String(await freePort()),
  };
  const first = startServerProcess(cwd, environment);
  await first.waitForOutput(READY);
  expect(first.output()).toContain('creating embedded PostgreSQL cluster (first run)');
  expect(first.output()).toContain('"seeded":true');
  await stopAndExpectCleanExit(first);
  expect(existsSync(join(cwd, '.data', 'postgres', 'postmaster.pid'))).toBe(false);

  const second = startServerProcess(cwd, environment);
  await second.waitForOutput(READY);
  expect(second.output()).toContain('reusing embedded PostgreSQL data');
  expect(second.output()).not.toContain('creating embedded PostgreSQL cluster');
  expect(second.output()).toContain('"seeded":false');
  await stopAndExpectCleanExit(second);
});

test('embedded: a data folder from another PostgreSQL version is refused with what to do', async () => {
  await mkdir(join(cwd, '.data', 'postgres'), { recursive: true });
  await writeFile(join(cwd, '.data', 'postgres', 'PG_VERSION'), '12\n');
  const server = startServerProcess(cwd, {
    EMBEDDED_DB_PORT: String(await freePort()),
    PORT: String(await freePort()),
  });
  expect(await server.exited).toBe(1);
  expect(server.output()).toMatch(/was created by PostgreSQL 12, but this app runs PostgreSQL \d+/);
  expect(server.output()).toContain('DATABASE_URL');
});
