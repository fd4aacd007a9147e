import { createApp } from '../../src/app.js';
import { pathTo, paths } from '../../src/paths.js';
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
