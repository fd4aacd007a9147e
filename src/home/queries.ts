import type { Db } from '../db/prisma.js';

export async function commissionerCounts(prisma: Db, today: Date) {
  const [providers, activeContracts, periods] = await Promise.all([
    prisma.provider.count({ where: { active: true } }),
    prisma.contract.count({
      where: { startDate: { lte: today }, OR: [{ endDate: null }, { endDate: { gte: today } }] },
    }),
    prisma.reportingPeriod.findMany({ select: { label: true }, orderBy: { startDate: 'desc' } }),
  ]);
  return { providers, activeContracts, periods: periods.map((period) => period.label) };
}

export async function providerNames(prisma: Db, providerIds: string[]): Promise<string[]> {
  const providers = await prisma.provider.findMany({
    where: { id: { in: providerIds } },
    select: { name: true },
    orderBy: { name: 'asc' },
  });
  return providers.map((provider) => provider.name);
}
