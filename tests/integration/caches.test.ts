import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.js';
import { createCaches } from '../../src/caches.js';
import { pathTo, paths } from '../../src/paths.js';
import { WORKFORCE_STANDARDS_DIR } from '../../src/project-root.js';
import { signedInAgent, testDeps } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';

// What an app keeps in memory lives in its deps: two apps in one process (as two instances behind a
// load balancer) each build their own, and neither sees the other's.
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
});

afterAll(async () => {
  await db.drop();
});

test('two apps in one process keep their standards and matrix apart', async () => {
  const world = await createTwoProviderWorld(db.prisma);
  const first = testDeps(db);
  const second = testDeps(db);
  const firstApp = createApp(first);
  createApp(second);

  const lead = await signedInAgent(firstApp, world.leadA.id);
  await lead.get(pathTo(paths.returns.show, { returnId: world.returnA.id })).expect(200);
  const manager = await signedInAgent(firstApp, world.manager.id);
  await manager.get(paths.matrix.show).expect(200);

  expect([...first.caches.versions.keys()]).toEqual([world.returnA.frameworkVersionId]);
  expect(first.caches.matrix.base).toBeDefined();
  expect(first.caches.matrix.resultLines.size).toBeGreaterThan(0);
  expect(second.caches.versions.size).toBe(0);
  expect(second.caches.matrix.base).toBeUndefined();
  expect(second.caches.matrix.resultLines.size).toBe(0);
});

test('each app reads its own WRES and WDES indicator files, and a bad file stops it naming the problem', async () => {
  const first = testDeps(db);
  const second = testDeps(db);
  expect(first.caches.workforce.all.map((standard) => standard.code).sort()).toEqual(['WDES', 'WRES']);
  expect(first.caches.workforce).not.toBe(second.caches.workforce);

  const dir = await mkdtemp(join(tmpdir(), 'workforce-standards-'));
  try {
    const wres = JSON.parse(await readFile(join(WORKFORCE_STANDARDS_DIR, 'wres-2025.json'), 'utf8')) as {
      indicators: { code: string; group?: string }[];
    };
    const board = wres.indicators.find((indicator) => indicator.code === '9');
    if (board) board.group = 'martian';
    await writeFile(join(dir, 'wres-2025.json'), JSON.stringify(wres));
    expect(() => createCaches(undefined, dir)).toThrow(
      'wres-2025.json: indicator 9 names group martian, which is not in groups',
    );
    if (board) board.group = 'bme';
    await writeFile(join(dir, 'wres-2025.json'), JSON.stringify({ ...wres, obligation: 'wres-returns' }));
    expect(() => createCaches(undefined, dir)).toThrow('WRES 2025: obligation wres-returns has no file');
  } finally {
    await rm(dir, { recursive: true });
  }
});
