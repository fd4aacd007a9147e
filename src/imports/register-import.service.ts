import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.js';
import { assertCommissionerEditor } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import { signInUrl } from '../auth/email-link.service.js';
import { linkPlaceholder, linkToken, tokenDigest } from '../auth/email-links.js';
import { accessAddedEmail, invitationEmail } from '../auth/emails.js';
import type { Config } from '../config.js';
import type { Db, DbClient } from '../db/prisma.js';
import { NotFound } from '../errors.js';
import { insertEmailsWithAudit, personalEmail, type NewEmail, type Tx } from '../reminders/queries.js';
import { currentRequestId } from '../request-context.js';
import { SERVICE_NAME } from '../view-locals.js';
import { importFileKind, readRows, UnreadableFile } from './import-file.js';
import { loadOdsRoleCodes, readOdsFile } from './ods-file.js';
import {
  createImport,
  expireInvitationLinks,
  findImport,
  findLeadPeople,
  insertAuditEvents,
  insertContracts,
  insertInvitationLinks,
  insertLeadMemberships,
  insertLeadUsers,
  insertProviders,
  loadSnapshot,
  lockImport,
  lockRegisterImports,
  markImportApplied,
  providerIdsByCode,
  updateContracts,
  updateProviders,
  type LeadPerson,
} from './queries.js';
import { checkRow, mapColumns, markDuplicates, type CheckedRow, type ColumnMap } from './register-file.js';
import { planRegister, type PlanWrites, type RegisterPlan } from './register-plan.js';

// The register import: a file is read and checked row by row (nothing written but the import's own
// record, which keeps what the file says), previewed against the register as it is, and applied only
// when confirmed, in one transaction, as one audited import. Re-importing the same file changes
// nothing; providers the file does not name are listed, never removed.

export interface ImportDeps {
  prisma: Db;
  config: Pick<Config, 'imports' | 'publicBaseUrl' | 'organisationName' | 'emailLinks'>;
  sessionSecret: string;
  clock: () => Date;
}

export interface UploadedFile {
  name: string;
  content: Buffer;
  sha256: string;
}

/** What the import keeps of a file: its checked rows and the columns it did not use. */
export interface StoredRows {
  rows: CheckedRow[];
  ignoredColumns: string[];
  /** An ODS file: which one, whether it may add providers, and what it left out. */
  ods?: { fileLabel: string; addNew: boolean; closed: number; notGpPractices: number };
}

export type ReadOutcome = { ok: true; stored: StoredRows } | { ok: false; error: string };

/** Reads and checks a register file; a file that cannot be used at all is refused with the reason. */
export async function readRegisterFile(file: UploadedFile, maxRows: number): Promise<ReadOutcome> {
  const kind = importFileKind(file.name, file.content);
  if (!kind) {
    return { ok: false, error: 'The file must be a CSV file (.csv) or an Excel workbook (.xlsx)' };
  }
  let map: ColumnMap | undefined;
  const rows: CheckedRow[] = [];
  try {
    for await (const row of readRows(kind, file.content)) {
      if (!map) {
        if (row.cells.every((cell) => cell.trim() === '')) continue;
        const columns = mapColumns(row.cells);
        if (!columns.ok) return { ok: false, error: columns.error };
        map = columns.map;
        continue;
      }
      const checked = checkRow(row, map);
      if (!checked) continue;
      if (rows.length >= maxRows) {
        return {
          ok: false,
          error: `The file has more than ${maxRows.toLocaleString('en-GB')} rows of providers. Split it into files of up to ${maxRows.toLocaleString('en-GB')} rows and import each`,
        };
      }
      rows.push(checked);
    }
  } catch (error) {
    if (error instanceof UnreadableFile) return { ok: false, error: error.message };
    throw error;
  }
  if (!map)
    return {
      ok: false,
      error: 'The file is empty. Its first row must name the columns, as the template does',
    };
  if (rows.length === 0) return { ok: false, error: 'The file has no rows of providers under its first row' };
  markDuplicates(rows);
  return { ok: true, stored: { rows, ignoredColumns: map.ignored } };
}

export type PreviewOutcome = { ok: true; importId: string } | { ok: false; error: string };

/** Reads an uploaded file and keeps what it says for the preview; a refused file stores nothing. */
export async function startRegisterImport(
  deps: ImportDeps,
  actor: CurrentUser,
  file: UploadedFile,
): Promise<PreviewOutcome> {
  assertCommissionerEditor(actor);
  const read = await readRegisterFile(file, deps.config.imports.maxRows);
  if (!read.ok) return read;
  const created = await createImport(deps.prisma, {
    kind: 'register',
    createdById: actor.id,
    fileName: file.name,
    fileSha256: file.sha256,
    rows: read.stored as unknown as object,
  });
  return { ok: true, importId: created.id };
}

function namesIn(rows: readonly CheckedRow[]) {
  const references = new Set<string>();
  const emails = new Set<string>();
  for (const row of rows) {
    if (row.contract) {
      references.add(row.contract.reference);
      emails.add(row.contract.managerEmail);
    }
    for (const lead of row.leads) emails.add(lead.email);
  }
  return { references: [...references], emails: [...emails] };
}

async function planFor(db: DbClient, stored: StoredRows): Promise<RegisterPlan & { notOnRegister: number }> {
  const snapshot = await loadSnapshot(db, namesIn(stored.rows));
  if (!stored.ods) return { ...planRegister(stored.rows, snapshot), notOnRegister: 0 };
  // An ODS file lists every organisation of its kind in England: only those on the register are
  // updated, unless the user asked for the others to be added; the register's other providers are
  // not "missing" from it.
  const onRegister = new Set(snapshot.providers.map((provider) => provider.odsCode));
  const rows = stored.ods.addNew ? stored.rows : stored.rows.filter((row) => onRegister.has(row.odsCode));
  return { ...planRegister(rows, snapshot), missing: [], notOnRegister: stored.rows.length - rows.length };
}

/** Reads an ODS organisation data file and keeps its rows for the preview; a refused file stores nothing. */
export async function startOdsImport(
  deps: ImportDeps,
  actor: CurrentUser,
  file: UploadedFile,
  options: { fileKind: string; addNew: boolean },
): Promise<PreviewOutcome> {
  assertCommissionerEditor(actor);
  const codes = loadOdsRoleCodes();
  const read = await readOdsFile(codes, options.fileKind, file, deps.config.imports.maxRows);
  if (!read.ok) return read;
  const stored: StoredRows = {
    rows: read.rows,
    ignoredColumns: [],
    ods: {
      fileLabel: codes.files[options.fileKind]?.label ?? options.fileKind,
      addNew: options.addNew,
      closed: read.closed,
      notGpPractices: read.notGpPractices,
    },
  };
  const created = await createImport(deps.prisma, {
    kind: 'ods',
    createdById: actor.id,
    fileName: file.name,
    fileSha256: file.sha256,
    rows: stored as unknown as object,
  });
  return { ok: true, importId: created.id };
}

export interface ImportView {
  id: string;
  fileName: string;
  fileSha256: string;
  createdAt: Date;
  createdBy: string;
  ignoredColumns: string[];
  ods: (NonNullable<StoredRows['ods']> & { notOnRegister: number }) | undefined;
  state:
    | { status: 'previewed'; plan: RegisterPlan }
    | { status: 'applied'; appliedAt: Date; counts: RegisterPlan['counts'] };
}

/** An import as its page shows it: the preview against the register now, or what applying did. */
export async function registerImportView(
  deps: ImportDeps,
  actor: CurrentUser,
  importId: string,
): Promise<ImportView> {
  assertCommissionerEditor(actor);
  const record = await findImport(deps.prisma, importId);
  if (!record) throw new NotFound();
  const stored = record.rows as unknown as StoredRows;
  const plan = record.status === 'applied' ? undefined : await planFor(deps.prisma, stored);
  const base = {
    id: record.id,
    fileName: record.fileName,
    fileSha256: record.fileSha256,
    createdAt: record.createdAt,
    createdBy: record.createdBy.displayName,
    ignoredColumns: stored.ignoredColumns,
    ods: stored.ods ? { ...stored.ods, notOnRegister: plan?.notOnRegister ?? 0 } : undefined,
  };
  if (!plan) {
    return {
      ...base,
      state: {
        status: 'applied',
        appliedAt: record.appliedAt ?? record.createdAt,
        counts: record.counts as unknown as RegisterPlan['counts'],
      },
    };
  }
  return { ...base, state: { status: 'previewed', plan } };
}

export type ApplyOutcome = 'applied' | 'already-applied' | 'register-changed';

/**
 * Applies a previewed import in one transaction, if the register is as it was when the preview was
 * shown (`fingerprint`): otherwise nothing is written and the caller shows the new preview.
 */
export async function applyRegisterImport(
  deps: ImportDeps,
  actor: CurrentUser,
  importId: string,
  fingerprint: string,
): Promise<ApplyOutcome> {
  assertCommissionerEditor(actor);
  const now = deps.clock();
  return deps.prisma.$transaction(
    async (tx) => {
      await lockRegisterImports(tx);
      const status = await lockImport(tx, importId);
      const record = status ? await findImport(tx, importId) : null;
      if (!record) throw new NotFound();
      if (status === 'applied') return 'already-applied';
      const stored = record.rows as unknown as StoredRows;
      const plan = await planFor(tx, stored);
      if (plan.fingerprint !== fingerprint) return 'register-changed';
      await applyWrites(tx, plan.writes);
      await inviteLeads(tx, deps, actor, plan.writes.leadsToAdd, now);
      await markImportApplied(tx, importId, plan.counts, now);
      await recordAudit(tx, {
        actorId: actor.id,
        action: 'register.imported',
        entityType: 'register_import',
        entityId: importId,
        after: {
          kind: record.kind,
          fileName: record.fileName,
          fileSha256: record.fileSha256,
          counts: plan.counts,
          providersCreated: plan.writes.providersToCreate.map((p) => p.odsCode),
          providersUpdated: plan.writes.providersToUpdate.map((p) => p.id),
          contractsCreated: plan.writes.contractsToCreate.map((c) => c.reference),
          contractsUpdated: plan.writes.contractsToUpdate.map((c) => c.reference),
        },
      });
      return 'applied';
    },
    { maxWait: 10_000, timeout: 300_000 },
  );
}

async function applyWrites(tx: DbClient, writes: PlanWrites): Promise<void> {
  await insertProviders(tx, writes.providersToCreate);
  await updateProviders(tx, writes.providersToUpdate);
  await insertContracts(tx, writes.contractsToCreate);
  await updateContracts(tx, writes.contractsToUpdate);
}

const EMAILS_PER_STATEMENT = 500;

/**
 * Adds the leads to their providers and emails them as the invite page does: someone who has not
 * accepted an invitation yet (or is new) gets one invitation link (naming the first of their
 * providers in the file; earlier unused links stop working); someone who already signs in is told
 * they have access to each new provider.
 */
async function inviteLeads(
  tx: Tx,
  deps: ImportDeps,
  actor: CurrentUser,
  leads: PlanWrites['leadsToAdd'],
  now: Date,
): Promise<void> {
  if (leads.length === 0) return;
  const newPeople = new Map<string, string>();
  for (const lead of leads) {
    if (lead.userId === null && !newPeople.has(lead.email))
      newPeople.set(lead.email, lead.name || lead.email);
  }
  await insertLeadUsers(
    tx,
    [...newPeople].map(([email, displayName]) => ({ email, displayName })),
  );
  await insertLeadMemberships(tx, leads);

  const emails = [...new Set(leads.map((lead) => lead.email))];
  const people = new Map((await findLeadPeople(tx, emails)).map((person) => [person.email, person]));
  const providers = await providerIdsByCode(tx, [...new Set(leads.map((lead) => lead.odsCode))]);
  const days = deps.config.emailLinks.invitationDays;
  const expiresAt = new Date(now.getTime() + days * 86_400_000);
  const common = {
    inviterName: actor.displayName,
    role: 'lead' as const,
    signInUrl: signInUrl(deps.config),
    serviceName: SERVICE_NAME,
    organisationName: deps.config.organisationName,
  };

  // Who is emailed what, decided first (a few ids each); the emails themselves are then written
  // EMAILS_PER_STATEMENT at a time, so 20,000 invitations never sit in memory together.
  interface Job {
    kind: 'invitation' | 'access-added';
    person: LeadPerson;
    provider: { id: string; name: string };
  }
  const invited = new Set<string>();
  const jobs: Job[] = [];
  for (const lead of leads) {
    const person = people.get(lead.email);
    const provider = providers.get(lead.odsCode);
    if (!person || !provider) continue;
    const accepted =
      person.signInMethod === 'microsoft' ? person.entraObjectId !== null : person.lastSignInAt !== null;
    if (accepted) jobs.push({ kind: 'access-added', person, provider });
    else if (!invited.has(person.id)) {
      invited.add(person.id);
      jobs.push({ kind: 'invitation', person, provider });
    }
  }
  await expireInvitationLinks(tx, [...invited], now);
  const requestId = currentRequestId() ?? null;
  for (let start = 0; start < jobs.length; start += EMAILS_PER_STATEMENT) {
    const links: { id: string; userId: string; tokenSha256: string }[] = [];
    const outbox: NewEmail[] = [];
    for (const { kind, person, provider } of jobs.slice(start, start + EMAILS_PER_STATEMENT)) {
      let key: string;
      let rendered: { subject: string; text: string; html: string };
      if (kind === 'access-added') {
        key = `access-added:${person.id}:${provider.id}:${now.toISOString()}`;
        rendered = accessAddedEmail({
          ...common,
          recipientName: person.displayName,
          providerName: provider.name,
        });
      } else {
        const id = randomUUID();
        links.push({ id, userId: person.id, tokenSha256: tokenDigest(linkToken(deps.sessionSecret, id)) });
        key = `email-link:${id}`;
        rendered = invitationEmail({
          ...common,
          recipientName: person.displayName,
          providerName: provider.name,
          method: person.signInMethod,
          link: linkPlaceholder('invitation', id),
          days,
        });
      }
      outbox.push(personalEmail(key, person.email, rendered, now));
    }
    await insertInvitationLinks(tx, links, actor.id, now, expiresAt);
    await insertEmailsWithAudit(tx, outbox, { action: 'email.queued', requestId });
    await insertAuditEvents(
      tx,
      { action: 'email_link.sent', entityType: 'email_link', actorId: actor.id, requestId },
      links.map((link) => ({
        entityId: link.id,
        after: {
          purpose: 'invitation',
          userId: link.userId,
          expiresAt: expiresAt.toISOString(),
          importedBy: actor.id,
        },
      })),
    );
  }
}
