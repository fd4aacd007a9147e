import type { Db } from '../db/prisma.js';

export async function providerNames(prisma: Db, providerIds: string[]): Promise<string[]> {
  const providers = await prisma.provider.findMany({
    where: { id: { in: providerIds } },
    select: { name: true },
    orderBy: { name: 'asc' },
  });
  return providers.map((provider) => provider.name);
}
