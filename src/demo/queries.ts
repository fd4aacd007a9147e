import type { Prisma } from '../db/prisma.js';

/** The Prisma calls of the demo seed. Every function runs inside the seed's transaction. */
export type Tx = Prisma.TransactionClient;

// Any fixed number, different from the migration lock: every app instance takes the same one.
const DEMO_SEED_LOCK_KEY = 72_707_370;

/** Waits for any other instance seeding the same database; released when the transaction ends. */
export async function lockDemoSeed(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${DEMO_SEED_LOCK_KEY}::bigint)`;
}

export async function countProvidersAndUsers(tx: Tx): Promise<{ providers: number; users: number }> {
  // One after the other: queries inside an interactive transaction share one connection.
  const providers = await tx.provider.count();
  const users = await tx.user.count();
  return { providers, users };
}

/** The imported standards: frameworks with their versions, requirements in order and rating levels. */
export function findStandards(tx: Tx) {
  return tx.framework.findMany({
    include: {
      versions: {
        include: {
          requirements: {
            orderBy: [{ group: { position: 'asc' } }, { position: 'asc' }, { code: 'asc' }],
            include: {
              ratingScale: { include: { levels: { orderBy: [{ score: 'asc' }, { position: 'asc' }] } } },
            },
          },
        },
      },
    },
  });
}

export type StandardsRows = Awaited<ReturnType<typeof findStandards>>;

export function createProviders(tx: Tx, data: Prisma.ProviderCreateManyInput[]) {
  return tx.provider.createManyAndReturn({ data, select: { id: true, odsCode: true } });
}

export function createUsers(tx: Tx, data: Prisma.UserCreateManyInput[]) {
  return tx.user.createManyAndReturn({ data, select: { id: true, email: true } });
}

export async function createMemberships(tx: Tx, data: Prisma.MembershipCreateManyInput[]): Promise<void> {
  await tx.membership.createMany({ data });
}

export function createContract(tx: Tx, data: Prisma.ContractUncheckedCreateInput) {
  return tx.contract.create({ data, select: { id: true, providerId: true } });
}

export function createPeriod(tx: Tx, data: Prisma.ReportingPeriodUncheckedCreateInput) {
  return tx.reportingPeriod.create({ data, select: { id: true } });
}

export function createReturn(tx: Tx, data: Prisma.ReturnUncheckedCreateInput) {
  return tx.return.create({ data, select: { id: true } });
}

export async function createActions(tx: Tx, data: Prisma.ActionCreateManyInput[]): Promise<void> {
  await tx.action.createMany({ data });
}

export async function createActionLinks(tx: Tx, data: Prisma.ActionLinkCreateManyInput[]): Promise<void> {
  await tx.actionLink.createMany({ data });
}

export async function createActionUpdates(tx: Tx, data: Prisma.ActionUpdateCreateManyInput[]): Promise<void> {
  if (data.length > 0) await tx.actionUpdate.createMany({ data });
}

export function createResponses(tx: Tx, data: Prisma.ResponseCreateManyInput[]) {
  return tx.response.createManyAndReturn({ data, select: { id: true, requirementId: true } });
}

export async function createEvidenceFile(tx: Tx, data: Prisma.EvidenceFileCreateInput): Promise<void> {
  await tx.evidenceFile.createMany({ data: [data], skipDuplicates: true });
}

export function createEvidence(tx: Tx, data: Prisma.EvidenceUncheckedCreateInput) {
  return tx.evidence.create({ data, select: { id: true } });
}

export async function createEvidenceLinks(tx: Tx, data: Prisma.EvidenceLinkCreateManyInput[]): Promise<void> {
  await tx.evidenceLink.createMany({ data });
}

export function createSubmission(tx: Tx, data: Prisma.ReturnSubmissionUncheckedCreateInput) {
  return tx.returnSubmission.create({ data, select: { id: true } });
}

export async function createReturnReview(
  tx: Tx,
  data: Prisma.ReturnReviewUncheckedCreateInput,
): Promise<void> {
  await tx.returnReview.create({ data });
}

export async function createRequirementReviews(
  tx: Tx,
  data: Prisma.RequirementReviewCreateManyInput[],
): Promise<void> {
  await tx.requirementReview.createMany({ data });
}

export async function countDemoRows(tx: Tx): Promise<Record<string, number>> {
  return {
    providers: await tx.provider.count(),
    users: await tx.user.count(),
    contracts: await tx.contract.count(),
    periods: await tx.reportingPeriod.count(),
    returns: await tx.return.count(),
    responses: await tx.response.count(),
    submissions: await tx.returnSubmission.count(),
    reviews: await tx.returnReview.count(),
    evidence: await tx.evidence.count(),
  };
}

export async function recordSeeded(tx: Tx, counts: Prisma.InputJsonObject, occurredAt: Date): Promise<void> {
  await tx.auditEvent.create({
    data: {
      action: 'demo.seeded',
      entityType: 'system',
      entityId: 'demo',
      actorId: null,
      occurredAt,
      after: counts,
    },
  });
}

export async function updateProviderProfile(
  tx: Tx,
  providerId: string,
  data: Prisma.ProviderUncheckedUpdateInput,
): Promise<void> {
  await tx.provider.update({ where: { id: providerId }, data });
}

export async function createDemoPublications(
  tx: Tx,
  data: Prisma.PublicationCreateManyInput[],
): Promise<void> {
  await tx.publication.createMany({ data });
}
