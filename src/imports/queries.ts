import type { DbClient, Prisma } from '../db/prisma.js';
import type { PlanWrites, RegisterSnapshot } from './register-plan.js';

// Reads and writes of the register import. Every write is one statement per kind of change over
// arrays (unnest), whatever the number of rows: 10,000 providers are one INSERT, not 10,000.

export function createImport(
  db: DbClient,
  data: {
    kind: 'register' | 'ods';
    createdById: string;
    fileName: string;
    fileSha256: string;
    rows: Prisma.InputJsonValue;
  },
) {
  return db.registerImport.create({ data, select: { id: true } });
}

export function findImport(db: DbClient, importId: string) {
  return db.registerImport.findUnique({
    where: { id: importId },
    select: {
      id: true,
      kind: true,
      fileName: true,
      fileSha256: true,
      status: true,
      rows: true,
      counts: true,
      createdAt: true,
      appliedAt: true,
      createdBy: { select: { displayName: true } },
    },
  });
}

/** Locks the import's row for the apply transaction; its status as it is now. */
export async function lockImport(tx: DbClient, importId: string): Promise<string | undefined> {
  const rows = await tx.$queryRaw<{ status: string }[]>`
    SELECT status::text AS status FROM register_imports WHERE id = ${importId}::uuid FOR UPDATE`;
  return rows[0]?.status;
}

/** One register import applies at a time (two at once would plan against each other's unseen rows). */
export async function lockRegisterImports(tx: DbClient): Promise<void> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext('register-import'))::text`;
}

export function markImportApplied(tx: DbClient, importId: string, counts: Prisma.InputJsonValue, now: Date) {
  return tx.registerImport.update({
    where: { id: importId },
    data: { status: 'applied', counts, appliedAt: now },
    select: { id: true },
  });
}

/** Previews never confirmed, made before `before`: their rows (a whole file's) are kept nowhere else. */
export async function deleteImportPreviewsBefore(db: DbClient, before: Date): Promise<number> {
  const deleted = await db.registerImport.deleteMany({
    where: { status: 'previewed', createdAt: { lt: before } },
  });
  return deleted.count;
}

/** The parts of the register a file's rows name, and every provider (to list those it does not). */
export async function loadSnapshot(
  db: DbClient,
  names: { references: string[]; emails: string[] },
): Promise<RegisterSnapshot> {
  const [providers, contracts, users, memberships, frameworks] = await Promise.all([
    db.$queryRaw<RegisterSnapshot['providers']>`
      SELECT id::text AS id, ods_code AS "odsCode", name, type::text AS type, active,
             sector::text AS sector, headcount_band::text AS "headcountBand", turnover_band::text AS "turnoverBand",
             financial_year_end_month::int AS "financialYearEndMonth", website,
             provides_mental_health_services AS "providesMentalHealthServices"
      FROM providers`,
    db.$queryRaw<RegisterSnapshot['contracts']>`
      SELECT c.id::text AS id, c.reference, c.provider_id::text AS "providerId",
             to_char(c.start_date, 'YYYY-MM-DD') AS "startDate", to_char(c.end_date, 'YYYY-MM-DD') AS "endDate",
             c.contract_manager_id::text AS "contractManagerId",
             coalesce(array_agg(cs.framework_id::text) FILTER (WHERE cs.framework_id IS NOT NULL), '{}') AS "frameworkIds"
      FROM contracts c LEFT JOIN contract_standards cs ON cs.contract_id = c.id
      WHERE c.reference = ANY(${names.references}::text[])
      GROUP BY c.id`,
    db.$queryRaw<RegisterSnapshot['users']>`
      SELECT id::text AS id, email, display_name AS "displayName", role::text AS role, active FROM users
      WHERE email = ANY(${names.emails}::text[])
         OR id IN (SELECT contract_manager_id FROM contracts WHERE reference = ANY(${names.references}::text[]))`,
    db.$queryRaw<RegisterSnapshot['memberships']>`
      SELECT m.user_id::text AS "userId", m.provider_id::text AS "providerId"
      FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ANY(${names.emails}::text[])`,
    db.$queryRaw<
      RegisterSnapshot['frameworks']
    >`SELECT id::text AS id, code, name FROM frameworks ORDER BY code`,
  ]);
  return { providers, contracts, users, memberships, frameworks };
}

export async function insertProviders(
  tx: DbClient,
  providers: PlanWrites['providersToCreate'],
): Promise<void> {
  if (providers.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO providers (ods_code, name, type, sector, headcount_band, turnover_band, financial_year_end_month,
                           website, provides_mental_health_services)
    SELECT ods_code, name, type::provider_type, sector::provider_sector, headcount_band::headcount_band,
           turnover_band::turnover_band, year_end, website, mental_health
    FROM unnest(${providers.map((p) => p.odsCode)}::text[], ${providers.map((p) => p.name)}::text[],
                ${providers.map((p) => p.type)}::text[], ${providers.map((p) => p.sector)}::text[],
                ${providers.map((p) => p.headcountBand)}::text[], ${providers.map((p) => p.turnoverBand)}::text[],
                ${providers.map((p) => p.financialYearEndMonth)}::smallint[], ${providers.map((p) => p.website)}::text[],
                ${providers.map((p) => p.providesMentalHealthServices)}::boolean[])
         AS p(ods_code, name, type, sector, headcount_band, turnover_band, year_end, website, mental_health)`;
}

export async function updateProviders(
  tx: DbClient,
  providers: PlanWrites['providersToUpdate'],
): Promise<void> {
  if (providers.length === 0) return;
  await tx.$executeRaw`
    UPDATE providers p
    SET name = u.name, type = u.type::provider_type, sector = u.sector::provider_sector,
        headcount_band = u.headcount_band::headcount_band, turnover_band = u.turnover_band::turnover_band,
        financial_year_end_month = u.year_end, website = u.website, provides_mental_health_services = u.mental_health,
        updated_at = now()
    FROM unnest(${providers.map((p) => p.id)}::uuid[], ${providers.map((p) => p.name)}::text[],
                ${providers.map((p) => p.type)}::text[], ${providers.map((p) => p.sector)}::text[],
                ${providers.map((p) => p.headcountBand)}::text[], ${providers.map((p) => p.turnoverBand)}::text[],
                ${providers.map((p) => p.financialYearEndMonth)}::smallint[], ${providers.map((p) => p.website)}::text[],
                ${providers.map((p) => p.providesMentalHealthServices)}::boolean[])
         AS u(id, name, type, sector, headcount_band, turnover_band, year_end, website, mental_health)
    WHERE p.id = u.id`;
}

export async function insertContracts(
  tx: DbClient,
  contracts: PlanWrites['contractsToCreate'],
): Promise<void> {
  if (contracts.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO contracts (provider_id, reference, start_date, end_date, contract_manager_id)
    SELECT p.id, c.reference, c.start_date::date, c.end_date::date, c.manager_id
    FROM unnest(${contracts.map((c) => c.odsCode)}::text[], ${contracts.map((c) => c.reference)}::text[],
                ${contracts.map((c) => c.startDate)}::text[], ${contracts.map((c) => c.endDate)}::text[],
                ${contracts.map((c) => c.contractManagerId)}::uuid[])
         AS c(ods_code, reference, start_date, end_date, manager_id)
    JOIN providers p ON p.ods_code = c.ods_code`;
  await insertContractStandards(tx, contracts);
}

export async function updateContracts(
  tx: DbClient,
  contracts: PlanWrites['contractsToUpdate'],
): Promise<void> {
  if (contracts.length === 0) return;
  const ids = contracts.map((c) => c.id);
  await tx.$executeRaw`
    UPDATE contracts c
    SET start_date = u.start_date::date, end_date = u.end_date::date, contract_manager_id = u.manager_id,
        updated_at = now()
    FROM unnest(${ids}::uuid[], ${contracts.map((c) => c.startDate)}::text[],
                ${contracts.map((c) => c.endDate)}::text[], ${contracts.map((c) => c.contractManagerId)}::uuid[])
         AS u(id, start_date, end_date, manager_id)
    WHERE c.id = u.id`;
  await tx.$executeRaw`DELETE FROM contract_standards WHERE contract_id = ANY(${ids}::uuid[])`;
  await insertContractStandards(tx, contracts);
}

async function insertContractStandards(
  tx: DbClient,
  contracts: { reference: string; frameworkIds: string[] }[],
): Promise<void> {
  const references: string[] = [];
  const frameworkIds: string[] = [];
  for (const contract of contracts) {
    for (const frameworkId of contract.frameworkIds) {
      references.push(contract.reference);
      frameworkIds.push(frameworkId);
    }
  }
  if (references.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO contract_standards (contract_id, framework_id)
    SELECT c.id, s.framework_id
    FROM unnest(${references}::text[], ${frameworkIds}::uuid[]) AS s(reference, framework_id)
    JOIN contracts c ON c.reference = s.reference`;
}

export async function insertLeadUsers(
  tx: DbClient,
  people: { email: string; displayName: string }[],
): Promise<void> {
  if (people.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO users (email, display_name, role, sign_in_method)
    SELECT email, display_name, 'provider_lead', 'microsoft'
    FROM unnest(${people.map((p) => p.email)}::text[], ${people.map((p) => p.displayName)}::text[])
         AS p(email, display_name)`;
}

export async function insertLeadMemberships(
  tx: DbClient,
  leads: { email: string; odsCode: string }[],
): Promise<void> {
  if (leads.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO memberships (user_id, provider_id, role)
    SELECT u.id, p.id, 'lead'
    FROM unnest(${leads.map((l) => l.email)}::text[], ${leads.map((l) => l.odsCode)}::text[]) AS m(email, ods_code)
    JOIN users u ON u.email = m.email
    JOIN providers p ON p.ods_code = m.ods_code
    ON CONFLICT DO NOTHING`;
}

export interface LeadPerson {
  id: string;
  email: string;
  displayName: string;
  signInMethod: 'microsoft' | 'email_link';
  entraObjectId: string | null;
  lastSignInAt: Date | null;
}

export function findLeadPeople(tx: DbClient, emails: string[]): Promise<LeadPerson[]> {
  return tx.$queryRaw<LeadPerson[]>`
    SELECT id::text AS id, email, display_name AS "displayName", sign_in_method::text AS "signInMethod",
           entra_object_id AS "entraObjectId", last_sign_in_at AS "lastSignInAt"
    FROM users WHERE email = ANY(${emails}::text[])`;
}

export async function providerIdsByCode(
  tx: DbClient,
  codes: string[],
): Promise<Map<string, { id: string; name: string }>> {
  const rows = await tx.$queryRaw<{ id: string; odsCode: string; name: string }[]>`
    SELECT id::text AS id, ods_code AS "odsCode", name FROM providers WHERE ods_code = ANY(${codes}::text[])`;
  return new Map(rows.map((row) => [row.odsCode, { id: row.id, name: row.name }]));
}

/** Earlier unused invitation links of these people stop working (a new one is on its way). */
export async function expireInvitationLinks(tx: DbClient, userIds: string[], now: Date): Promise<void> {
  if (userIds.length === 0) return;
  await tx.$executeRaw`
    UPDATE email_links SET expires_at = ${now}
    WHERE user_id = ANY(${userIds}::uuid[]) AND purpose = 'invitation' AND used_at IS NULL AND expires_at > ${now}`;
}

export async function insertInvitationLinks(
  tx: DbClient,
  links: { id: string; userId: string; tokenSha256: string }[],
  createdById: string,
  now: Date,
  expiresAt: Date,
): Promise<void> {
  if (links.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO email_links (id, purpose, user_id, token_sha256, created_by_id, created_at, expires_at)
    SELECT l.id, 'invitation', l.user_id, l.token_sha256, ${createdById}::uuid, ${now}, ${expiresAt}
    FROM unnest(${links.map((l) => l.id)}::uuid[], ${links.map((l) => l.userId)}::uuid[],
                ${links.map((l) => l.tokenSha256)}::text[]) AS l(id, user_id, token_sha256)`;
}

/** Audit events of one kind in one statement (entity ids and their "after" documents side by side). */
export async function insertAuditEvents(
  tx: DbClient,
  events: { action: string; entityType: string; actorId: string; requestId: string | null },
  entries: { entityId: string; after: unknown }[],
): Promise<void> {
  if (entries.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO audit_events (actor_id, action, entity_type, entity_id, after, request_id)
    SELECT ${events.actorId}::uuid, ${events.action}, ${events.entityType}, e.entity_id, e.after::jsonb, ${events.requestId}
    FROM unnest(${entries.map((e) => e.entityId)}::text[], ${entries.map((e) => JSON.stringify(e.after))}::text[])
         AS e(entity_id, after)`;
}
