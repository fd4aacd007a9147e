import { createHash } from 'node:crypto';
import type { ProviderSector, ProviderType } from '../generated/prisma/enums.js';
import { formatDate } from '../format.js';
import { profileRows, type ProviderProfile } from '../providers/provider-profile.js';
import { PROVIDER_TYPE_LABELS } from '../providers/provider-types.js';
import { normaliseHeader, PROFILE_KEYS, type CheckedRow, type ProfileValues } from './register-file.js';

// What a checked register file would change, worked out against the register as it is now: per row
// new, changed (saying what), unchanged or refused (saying why), the writes that applying it makes,
// and the active providers the file does not name. Pure: the database is read before (queries.ts)
// and written after (register-import.service.ts). The same plan is made for the preview and again
// inside the apply transaction; its fingerprint tells whether the register moved in between.

export interface RegisterSnapshot {
  providers: ({
    id: string;
    odsCode: string;
    name: string;
    type: ProviderType;
    active: boolean;
  } & ProviderProfile)[];
  contracts: {
    id: string;
    reference: string;
    providerId: string;
    startDate: string;
    endDate: string | null;
    contractManagerId: string;
    frameworkIds: string[];
  }[];
  /** Users named by the file (contract managers and leads), by lower-case email. */
  users: {
    id: string;
    email: string;
    displayName: string;
    role: string;
    active: boolean;
  }[];
  /** Memberships of the users above. */
  memberships: { userId: string; providerId: string }[];
  frameworks: { id: string; code: string; name: string }[];
}

export type RowStatus = 'new' | 'changed' | 'unchanged' | 'error';

export interface PlannedRow {
  row: number;
  odsCode: string;
  name: string;
  status: RowStatus;
  changes: string[];
  errors: string[];
}

export interface ContractWrite {
  reference: string;
  odsCode: string;
  startDate: string;
  endDate: string | null;
  contractManagerId: string;
  frameworkIds: string[];
}

export interface PlanWrites {
  providersToCreate: ({ odsCode: string; name: string; type: ProviderType } & ProviderProfile)[];
  providersToUpdate: ({ id: string; name: string; type: ProviderType } & ProviderProfile)[];
  contractsToCreate: ContractWrite[];
  contractsToUpdate: (ContractWrite & { id: string })[];
  /** A lead to add to a provider (by ODS code): an existing user by id, or a new one by email. */
  leadsToAdd: { email: string; name: string; odsCode: string; userId: string | null }[];
}

export interface RegisterPlan {
  rows: PlannedRow[];
  writes: PlanWrites;
  /** Active providers on the register that the file does not name (never deleted). */
  missing: { id: string; odsCode: string; name: string }[];
  counts: {
    rowsNew: number;
    rowsChanged: number;
    rowsUnchanged: number;
    rowsRefused: number;
    providersCreated: number;
    providersUpdated: number;
    contractsCreated: number;
    contractsUpdated: number;
    leadsAdded: number;
  };
  /** SHA-256 of the rows as previewed and the writes: it changes whenever the preview would. */
  fingerprint: string;
}

/**
 * A new provider's profile: what the file gives, else what its type says (as the provider profile
 * migration filled in existing providers: trusts are NHS trusts with a year ending 31 March, ...).
 */
function newProfile(type: ProviderType, given: ProfileValues): ProviderProfile {
  const trust = ['acute_trust', 'mental_health_trust', 'community_trust', 'ambulance_trust'].includes(type);
  const sectorOfType: Partial<Record<ProviderType, ProviderSector>> = {
    gp_practice: 'gp_practice',
    care_home: 'care_home',
    independent_provider: 'independent',
    hospice: 'voluntary',
  };
  return {
    sector: given.sector ?? (trust ? 'nhs_trust' : (sectorOfType[type] ?? null)),
    headcountBand: given.headcountBand ?? null,
    turnoverBand: given.turnoverBand ?? null,
    financialYearEndMonth: given.financialYearEndMonth ?? (trust ? 3 : null),
    website: given.website ?? null,
    providesMentalHealthServices:
      given.providesMentalHealthServices ?? (type === 'mental_health_trust' ? true : null),
  };
}

/** An existing provider's profile with what the file gives laid over it (a fact left out stays). */
function updatedProfile(before: ProviderProfile, given: ProfileValues): ProviderProfile {
  return {
    sector: given.sector ?? before.sector,
    headcountBand: given.headcountBand ?? before.headcountBand,
    turnoverBand: given.turnoverBand ?? before.turnoverBand,
    financialYearEndMonth: given.financialYearEndMonth ?? before.financialYearEndMonth,
    website: given.website === undefined ? before.website : given.website,
    providesMentalHealthServices: given.providesMentalHealthServices ?? before.providesMentalHealthServices,
  };
}

const PROFILE_NAMES: Record<(typeof PROFILE_KEYS)[number], [keyof ReturnType<typeof profileRows>, string]> = {
  sector: ['sector', 'Sector'],
  headcountBand: ['headcount', 'Employees'],
  turnoverBand: ['turnover', 'Annual turnover'],
  financialYearEndMonth: ['yearEnd', 'Financial year end'],
  website: ['website', 'Website'],
  providesMentalHealthServices: ['mentalHealth', 'Mental health services'],
};

function profileChanges(before: ProviderProfile, after: ProviderProfile): string[] {
  const from = profileRows(before);
  const to = profileRows(after);
  return PROFILE_KEYS.filter((key) => before[key] !== after[key]).map((key) => {
    const [row, label] = PROFILE_NAMES[key];
    return `${label}: ${from[row] ?? 'Not recorded'} becomes ${to[row] ?? 'Not recorded'}`;
  });
}

/** SHA-256 over every planned row and write, a piece at a time (no one string of the whole plan). */
function fingerprintOf(planned: PlannedRow[], writes: PlanWrites): string {
  const hash = createHash('sha256');
  for (const row of planned) hash.update(JSON.stringify(row));
  for (const [kind, list] of Object.entries(writes) as [string, unknown[]][]) {
    hash.update(kind);
    for (const item of list) hash.update(JSON.stringify(item));
  }
  return hash.digest('hex');
}

const dateText = (iso: string | null) => (iso ? formatDate(new Date(`${iso}T00:00:00Z`)) : 'no end date');

export function planRegister(rows: readonly CheckedRow[], snapshot: RegisterSnapshot): RegisterPlan {
  const providerByCode = new Map(snapshot.providers.map((provider) => [provider.odsCode, provider]));
  const providerById = new Map(snapshot.providers.map((provider) => [provider.id, provider]));
  const contractByReference = new Map(snapshot.contracts.map((contract) => [contract.reference, contract]));
  const userByEmail = new Map(snapshot.users.map((user) => [user.email, user]));
  const userById = new Map(snapshot.users.map((user) => [user.id, user]));
  const memberships = new Set(snapshot.memberships.map((m) => `${m.userId}:${m.providerId}`));
  const frameworkByText = new Map<string, { id: string; code: string; name: string }>();
  for (const framework of snapshot.frameworks) {
    frameworkByText.set(normaliseHeader(framework.code), framework);
    frameworkByText.set(normaliseHeader(framework.name), framework);
  }
  const frameworkCode = new Map(snapshot.frameworks.map((framework) => [framework.id, framework.code]));

  const writes: PlanWrites = {
    providersToCreate: [],
    providersToUpdate: [],
    contractsToCreate: [],
    contractsToUpdate: [],
    leadsToAdd: [],
  };
  const named = new Set<string>();
  const planned: PlannedRow[] = [];

  for (const row of rows) {
    named.add(row.odsCode);
    const errors = [...row.errors];
    const changes: string[] = [];
    const existing = providerByCode.get(row.odsCode);

    // Checks against the register.
    let contractWrite: ContractWrite | undefined;
    let contractExisting: RegisterSnapshot['contracts'][number] | undefined;
    if (row.contract) {
      const manager = userByEmail.get(row.contract.managerEmail);
      if (manager?.role !== 'contract_manager' || !manager.active) {
        errors.push(
          `${row.contract.managerEmail} is not a contract manager of this service (they must have signed in with the contract manager role, or been added by an administrator)`,
        );
      }
      const frameworkIds: string[] = [];
      for (const text of row.contract.standards) {
        const framework = frameworkByText.get(normaliseHeader(text));
        if (!framework)
          errors.push(
            `"${text}" is not a standard this service knows (use ${snapshot.frameworks.map((f) => f.code).join(', ')})`,
          );
        else if (!frameworkIds.includes(framework.id)) frameworkIds.push(framework.id);
      }
      contractExisting = contractByReference.get(row.contract.reference);
      if (contractExisting && contractExisting.providerId !== existing?.id) {
        const owner = providerById.get(contractExisting.providerId);
        errors.push(
          `Contract ${row.contract.reference} belongs to another provider (${owner ? `${owner.name}, ${owner.odsCode}` : 'another ODS code'})`,
        );
      }
      if (manager) {
        contractWrite = {
          reference: row.contract.reference,
          odsCode: row.odsCode,
          startDate: row.contract.startDate,
          endDate: row.contract.endDate,
          contractManagerId: manager.id,
          frameworkIds: frameworkIds.sort(),
        };
      }
    }
    const leadsToAdd: PlanWrites['leadsToAdd'] = [];
    for (const lead of row.leads) {
      const user = userByEmail.get(lead.email);
      if (user && user.role !== 'provider_lead') {
        errors.push(`${lead.email} belongs to a member of staff: staff cannot be a provider’s lead`);
        continue;
      }
      if (user && existing && memberships.has(`${user.id}:${existing.id}`)) continue;
      leadsToAdd.push({ email: lead.email, name: lead.name, odsCode: row.odsCode, userId: user?.id ?? null });
    }
    if (existing && !existing.active && leadsToAdd.length > 0) {
      errors.push(`${existing.name} is deactivated: reactivate it before adding leads`);
    }

    const type = existing && row.keepExistingType ? existing.type : row.type;
    if (errors.length > 0 || !type) {
      planned.push({
        row: row.row,
        odsCode: row.odsCode,
        name: row.name,
        status: 'error',
        changes: [],
        errors,
      });
      continue;
    }
    if (!existing) {
      writes.providersToCreate.push({
        odsCode: row.odsCode,
        name: row.name,
        type,
        ...newProfile(type, row.profile),
      });
      changes.push(`New provider: ${row.name}, ${PROVIDER_TYPE_LABELS[type]}`);
    } else {
      const profile = updatedProfile(existing, row.profile);
      const changedProfile = profileChanges(existing, profile);
      if (existing.name !== row.name || existing.type !== type || changedProfile.length > 0) {
        writes.providersToUpdate.push({ id: existing.id, name: row.name, type, ...profile });
        if (existing.name !== row.name) changes.push(`Name: ${existing.name} becomes ${row.name}`);
        if (existing.type !== type) {
          changes.push(`Type: ${PROVIDER_TYPE_LABELS[existing.type]} becomes ${PROVIDER_TYPE_LABELS[type]}`);
        }
        changes.push(...changedProfile);
      }
    }
    if (contractWrite) {
      const reference = contractWrite.reference;
      if (!contractExisting) {
        writes.contractsToCreate.push(contractWrite);
        changes.push(`New contract ${reference} from ${dateText(contractWrite.startDate)}`);
      } else {
        const before = contractExisting;
        const contractChanges: string[] = [];
        if (before.startDate !== contractWrite.startDate) {
          contractChanges.push(
            `start date ${dateText(before.startDate)} becomes ${dateText(contractWrite.startDate)}`,
          );
        }
        if (before.endDate !== contractWrite.endDate) {
          contractChanges.push(
            `end date ${dateText(before.endDate)} becomes ${dateText(contractWrite.endDate)}`,
          );
        }
        if (before.contractManagerId !== contractWrite.contractManagerId) {
          const from = userById.get(before.contractManagerId)?.email ?? 'another contract manager';
          const to = userById.get(contractWrite.contractManagerId)?.email ?? '';
          contractChanges.push(`contract manager ${from} becomes ${to}`);
        }
        const beforeIds = [...before.frameworkIds].sort();
        if (beforeIds.join(',') !== contractWrite.frameworkIds.join(',')) {
          const names = (ids: string[]) =>
            ids
              .map((id) => frameworkCode.get(id) ?? id)
              .sort()
              .join(', ') || 'none';
          contractChanges.push(`standards ${names(beforeIds)} become ${names(contractWrite.frameworkIds)}`);
        }
        if (contractChanges.length > 0) {
          writes.contractsToUpdate.push({ ...contractWrite, id: before.id });
          changes.push(`Contract ${reference}: ${contractChanges.join('; ')}`);
        }
      }
    }
    for (const lead of leadsToAdd) {
      writes.leadsToAdd.push(lead);
      changes.push(`Invite ${lead.email} as a lead`);
    }
    const status: RowStatus = !existing ? 'new' : changes.length > 0 ? 'changed' : 'unchanged';
    planned.push({ row: row.row, odsCode: row.odsCode, name: row.name, status, changes, errors: [] });
  }

  const missing = snapshot.providers
    .filter((provider) => provider.active && !named.has(provider.odsCode))
    .map(({ id, odsCode, name }) => ({ id, odsCode, name }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const count = (status: RowStatus) => planned.filter((row) => row.status === status).length;
  return {
    rows: planned,
    writes,
    missing,
    counts: {
      rowsNew: count('new'),
      rowsChanged: count('changed'),
      rowsUnchanged: count('unchanged'),
      rowsRefused: count('error'),
      providersCreated: writes.providersToCreate.length,
      providersUpdated: writes.providersToUpdate.length,
      contractsCreated: writes.contractsToCreate.length,
      contractsUpdated: writes.contractsToUpdate.length,
      leadsAdded: writes.leadsToAdd.length,
    },
    fingerprint: fingerprintOf(planned, writes),
  };
}
