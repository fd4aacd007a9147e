import { createTestDatabase } from '../support/database.js';

test('smoke', async () => {
  const db = await createTestDatabase();
  expect(await db.prisma.provider.count()).toBe(0);
  await db.drop();
});
