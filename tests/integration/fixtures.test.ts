import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
});
afterAll(async () => {
  await db.drop();
});

test('the two-provider world has a return per provider with a response per requirement', async () => {
  const world = await createTwoProviderWorld(db.prisma);
  const requirements = await db.prisma.requirement.count({ where: { frameworkVersionId: world.ais.id } });
  expect(requirements).toBeGreaterThan(0);
  expect(world.returnA.responses).toHaveLength(requirements);
  expect(world.returnB.providerId).toBe(world.providerB.id);
  expect(await db.prisma.membership.findMany({ where: { userId: world.leadA.id } })).toEqual([
    expect.objectContaining({ providerId: world.providerA.id }),
  ]);
});
