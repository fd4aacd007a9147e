import type { DbClient, Prisma } from '../db/prisma.js';
import { currentRequestId } from '../request-context.js';

export interface AuditEntry {
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  returnId?: string;
  before?: Prisma.InputJsonValue;
  after?: Prisma.InputJsonValue;
}

/** Appends one audit event; pass the transaction client so the event commits with the change. */
export async function recordAudit(client: DbClient, entry: AuditEntry): Promise<void> {
  await client.auditEvent.create({
    data: { ...entry, requestId: currentRequestId() ?? null },
  });
}
