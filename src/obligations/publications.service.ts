import { recordAudit } from '../audit/audit.js';
import { assertCanSeeProvider, isCommissionerEditor, isLeadOf, providerScope } from '../auth/access.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { AppDeps } from '../deps.js';
import { storeProviderFile, type CheckedFile } from '../evidence/evidence.service.js';
import { Conflict, Forbidden, NotFound } from '../errors.js';
import { isoDate, ukToday } from '../format.js';
import type { EvidenceScanStatus } from '../generated/prisma/enums.js';
import type { Db, DbClient } from '../db/prisma.js';
import { deriveObligation, type ProviderFacts } from './derive.js';
import type { ObligationCatalogue } from './obligation-files.js';
import type { ObligationFile } from './obligation-file.schema.js';
import {
  findProviderFacts,
  findPublication,
  listProvidersWithFacts,
  lockPublication,
  markChecked,
  publicationsAround,
  upsertPublication,
  type ProviderWithFacts,
  type PublicationRow,
} from './queries.js';

// Publications: what each provider owes in a year (from the obligation files and its recorded
// facts), what it published, and who at the commissioner checked it. Staff record and check; a
// provider's leads record their own; everyone who may see the provider may read them.

export type PublicationState =
  'not-applicable' | 'not-known' | 'not-due' | 'due' | 'overdue' | 'published' | 'checked';

/** Each state in words, with a colour that is never the only sign of it. */
export const PUBLICATION_STATE_TAGS: Record<PublicationState, { text: string; colour: string }> = {
  checked: { text: 'Checked', colour: 'green' },
  published: { text: 'Published, not checked yet', colour: 'blue' },
  due: { text: 'Due', colour: 'yellow' },
  overdue: { text: 'Overdue', colour: 'red' },
  'not-due': { text: 'Not due this year', colour: 'grey' },
  'not-applicable': { text: 'Not applicable', colour: 'grey' },
  'not-known': { text: 'Not known', colour: 'orange' },
};

export interface ObligationStatus {
  obligation: ObligationFile;
  state: PublicationState;
  dueOn: Date | null;
  nextDueOn: Date | null;
  /** Why not applicable, what is not known, or when it is next due. */
  reason: string | null;
  publication: PublicationRow | null;
}

/**
 * Each obligation's state for a provider in a year, before the day is known (an unrecorded duty
 * with a date is "due", never "overdue": see onDay): a record, once made, is what shows (a provider
 * may publish what it does not owe); otherwise the rules decide.
 */
export function obligationStatuses(
  all: readonly ObligationFile[],
  facts: ProviderFacts,
  year: number,
  records: readonly PublicationRow[],
  lastPublished: ReadonlyMap<string, Date>,
): ObligationStatus[] {
  return all.map((obligation) => {
    const publication = records.find((record) => record.obligationCode === obligation.code) ?? null;
    const derived = deriveObligation(obligation, facts, year, lastPublished.get(obligation.code) ?? null);
    const dueOn = derived.state === 'due' ? derived.dueOn : null;
    const base = { obligation, publication, dueOn, nextDueOn: null, reason: null };
    if (publication) return { ...base, state: publication.status };
    switch (derived.state) {
      case 'due':
        return { ...base, state: 'due' };
      case 'not-due':
        return { ...base, state: 'not-due', reason: derived.reason, nextDueOn: derived.nextDueOn };
      default:
        return { ...base, state: derived.state, reason: derived.reason };
    }
  });
}

/** The status as on `today` (a UK calendar day): what is due before today and not recorded is overdue. */
export function onDay(status: ObligationStatus, today: Date): ObligationStatus {
  return status.state === 'due' && status.dueOn && status.dueOn < today
    ? { ...status, state: 'overdue' }
    : status;
}

export interface ProviderPublications {
  provider: ProviderWithFacts;
  statuses: ObligationStatus[];
  canRecord: boolean;
  canCheck: boolean;
}

/**
 * A provider's person with a single provider: that provider, whose own page is their view of the
 * publications (the overview across providers is a table of one row for them). Undefined otherwise.
 */
export function onlyProviderOf(user: CurrentUser): string | undefined {
  return user.role === 'provider_lead' && user.providerIds.length === 1 ? user.providerIds[0] : undefined;
}

/** Staff who edit the register, and the provider's leads (the EDS report's form uses it too). */
export function canRecordPublication(user: CurrentUser, providerId: string): boolean {
  return canRecord(user, providerId);
}

function canRecord(user: CurrentUser, providerId: string): boolean {
  return isCommissionerEditor(user) || isLeadOf(user, providerId);
}

/** Each provider's obligation statuses in the year, before the day is known (see obligationStatuses). */
export async function statusesBeforeTheDay(
  prisma: Db,
  all: readonly ObligationFile[],
  providers: readonly (ProviderFacts & { id: string })[],
  year: number,
): Promise<Map<string, ObligationStatus[]>> {
  const { inYear, before } = await publicationsAround(
    prisma,
    providers.map((provider) => provider.id),
    year,
  );
  const lastPublished = new Map<string, Map<string, Date>>();
  for (const row of before) {
    if (!row._max.publishedOn) continue;
    const own = lastPublished.get(row.providerId) ?? new Map<string, Date>();
    lastPublished.set(row.providerId, own.set(row.obligationCode, row._max.publishedOn));
  }
  const records = new Map<string, PublicationRow[]>();
  for (const record of inYear)
    records.set(record.providerId, [...(records.get(record.providerId) ?? []), record]);
  const result = new Map<string, ObligationStatus[]>();
  for (const provider of providers) {
    result.set(
      provider.id,
      obligationStatuses(
        all,
        provider,
        year,
        records.get(provider.id) ?? [],
        lastPublished.get(provider.id) ?? new Map(),
      ),
    );
  }
  return result;
}

/** Each provider's obligation statuses in the year, as on `today` (a UK calendar day). */
export async function statusesForProviders(
  prisma: Db,
  all: readonly ObligationFile[],
  providers: readonly (ProviderFacts & { id: string })[],
  year: number,
  today: Date,
): Promise<Map<string, ObligationStatus[]>> {
  const statuses = await statusesBeforeTheDay(prisma, all, providers, year);
  for (const [providerId, list] of statuses)
    statuses.set(
      providerId,
      list.map((status) => onDay(status, today)),
    );
  return statuses;
}

/** One provider's obligations in a year (another provider's person: not found). */
export async function providerPublications(
  deps: AppDeps,
  user: CurrentUser,
  providerId: string,
  year: number,
): Promise<ProviderPublications> {
  assertCanSeeProvider(user, providerId);
  const provider = await findProviderFacts(deps.prisma, providerId);
  if (!provider) throw new NotFound();
  const today = ukToday(deps.clock());
  const statuses =
    (await statusesForProviders(deps.prisma, deps.caches.obligations.all, [provider], year, today)).get(
      provider.id,
    ) ?? [];
  return { provider, statuses, canRecord: canRecord(user, providerId), canCheck: isCommissionerEditor(user) };
}

/** Every provider the user may see (staff: the active register), each with its obligations. */
export async function publicationsOverview(deps: AppDeps, user: CurrentUser, year: number) {
  const scope = providerScope(user);
  const providers = await listProvidersWithFacts(deps.prisma, scope?.in);
  const statuses = await statusesForProviders(
    deps.prisma,
    deps.caches.obligations.all,
    providers,
    year,
    ukToday(deps.clock()),
  );
  return providers.map((provider) => ({ provider, statuses: statuses.get(provider.id) ?? [] }));
}

/** The obligation named in a URL, or not found. */
export function obligationFromPath(
  catalogue: ObligationCatalogue,
  code: string | string[] | undefined,
): ObligationFile {
  const obligation = typeof code === 'string' ? catalogue.byCode.get(code) : undefined;
  if (!obligation) throw new NotFound();
  return obligation;
}

/** The form to record a publication: for staff who edit the register and the provider's leads. */
export async function publicationForRecording(
  deps: AppDeps,
  user: CurrentUser,
  providerId: string,
  obligation: ObligationFile,
  year: number,
) {
  assertCanRecordFor(user, providerId);
  const provider = await findProviderFacts(deps.prisma, providerId);
  if (!provider) throw new NotFound();
  const publication = await findPublication(deps.prisma, providerId, obligation.code, year);
  return { provider, publication };
}

export function assertCanRecordFor(user: CurrentUser, providerId: string): void {
  assertCanSeeProvider(user, providerId);
  if (!canRecord(user, providerId)) {
    throw new Forbidden('Only the provider’s leads or the integrated care board can record a publication');
  }
}

export interface PublicationInput {
  url: string;
  publishedOn: Date;
}

/**
 * Records what the provider published, with a copy of the document when one is uploaded (kept in
 * its evidence library and virus-scanned like any evidence). Changing a checked record sends it back
 * to be checked again. Audited in the same transaction.
 */
export async function recordPublication(
  deps: AppDeps,
  user: CurrentUser,
  providerId: string,
  obligation: ObligationFile,
  year: number,
  input: PublicationInput,
  file: CheckedFile | undefined,
): Promise<{ scanStatus: EvidenceScanStatus | null }> {
  assertCanRecordFor(user, providerId);
  const provider = await findProviderFacts(deps.prisma, providerId);
  if (!provider) throw new NotFound();
  const save = (tx: DbClient, evidenceId: string | null) =>
    savePublicationIn(tx, user, providerId, obligation, year, input, evidenceId, deps.clock());
  if (!file) {
    await deps.prisma.$transaction((tx) => save(tx, null));
    return { scanStatus: null };
  }
  return storeProviderFile(deps, user, providerId, file, async (tx, stored) => {
    await save(tx, stored.evidenceId);
    return { scanStatus: stored.scanStatus };
  });
}

/**
 * Records (or re-records) a publication inside the caller's transaction, audited there: the
 * publications page, and the EDS report's own form (issue 14) for the "eds-report" obligation.
 */
export async function savePublicationIn(
  tx: DbClient,
  user: CurrentUser,
  providerId: string,
  obligation: ObligationFile,
  year: number,
  input: PublicationInput,
  evidenceId: string | null,
  now: Date,
): Promise<void> {
  await lockPublication(tx, providerId, obligation.code, year);
  const before = await findPublication(tx, providerId, obligation.code, year);
  const after = await upsertPublication(tx, {
    providerId,
    obligationCode: obligation.code,
    obligationVersion: obligation.version,
    year,
    url: input.url,
    publishedOn: input.publishedOn,
    evidenceId: evidenceId ?? before?.evidence?.id ?? null,
    recordedById: user.id,
    recordedAt: now,
  });
  await recordAudit(tx, {
    actorId: user.id,
    action: 'publication.recorded',
    entityType: 'publication',
    entityId: after.id,
    ...(before && {
      before: {
        status: before.status,
        url: before.url,
        publishedOn: isoDate(before.publishedOn),
        evidenceId: before.evidence?.id ?? null,
      },
    }),
    after: {
      obligation: obligation.code,
      year,
      status: after.status,
      url: after.url,
      publishedOn: isoDate(after.publishedOn),
      evidenceId: after.evidenceId,
    },
  });
}

/** A member of staff who edits the register confirms the publication is there and meets the duty. */
export async function checkPublication(
  deps: AppDeps,
  user: CurrentUser,
  providerId: string,
  obligation: ObligationFile,
  year: number,
): Promise<void> {
  assertCanSeeProvider(user, providerId);
  if (!isCommissionerEditor(user))
    throw new Forbidden('Only the integrated care board can check a publication');
  await deps.prisma.$transaction(async (tx) => {
    await lockPublication(tx, providerId, obligation.code, year);
    const record = await findPublication(tx, providerId, obligation.code, year);
    if (!record) throw new NotFound();
    if (record.status === 'checked') throw new Conflict('This publication has already been checked');
    const after = await markChecked(tx, record.id, user.id, deps.clock());
    await recordAudit(tx, {
      actorId: user.id,
      action: 'publication.checked',
      entityType: 'publication',
      entityId: record.id,
      before: { status: record.status },
      after: { status: after.status, checkedAt: after.checkedAt?.toISOString() ?? null },
    });
  });
}
