import { z } from 'zod';
import type { HeadcountBand, ProviderSector, ProviderType, TurnoverBand } from '../generated/prisma/enums.js';
import {
  HEADCOUNT_BANDS,
  SECTOR_LABELS,
  TURNOVER_BANDS,
  yearEndLabel,
  YEAR_END_MONTHS,
  type BandRange,
} from '../providers/provider-profile.js';
import { PROVIDER_TYPE_LABELS } from '../providers/provider-types.js';
import { providerSchema } from '../providers/schemas.js';
import { emailAddress } from '../users/schemas.js';
import type { FileRow } from './import-file.js';

// The register file: one row per provider, with its contract (optional) and its provider leads
// (optional, as many as there are "Lead N email" columns). This file knows the columns, reads the
// header row forgivingly (case, spaces and punctuation do not matter; common other names are
// understood) and checks each row on its own and against the other rows of the file. Checks that
// need the database (contract managers, standards, existing contracts) are in register-plan.ts.

export interface RegisterColumn {
  key:
    | 'odsCode'
    | 'name'
    | 'type'
    | ProfileKey
    | 'contractReference'
    | 'startDate'
    | 'endDate'
    | 'contractManager'
    | 'standards';
  /** The header the template uses. */
  header: string;
  /** Other headers understood, as normalised (lower case, letters and digits only). */
  aliases: readonly string[];
  required: boolean;
  /** What the README and the upload page say about it. */
  description: string;
  example: string;
}

export const REGISTER_COLUMNS: readonly RegisterColumn[] = [
  {
    key: 'odsCode',
    header: 'ODS code',
    aliases: ['ods', 'odscode', 'providerodscode', 'organisationcode', 'orgcode', 'code'],
    required: true,
    description:
      'The provider’s ODS code: 3 to 10 letters and numbers. It says which provider a row is about.',
    example: 'RXX',
  },
  {
    key: 'name',
    header: 'Provider name',
    aliases: ['providername', 'name', 'organisationname', 'provider'],
    required: true,
    description: 'The provider’s name, up to 200 characters.',
    example: 'Brackenshire Community Health NHS Trust',
  },
  {
    key: 'type',
    header: 'Provider type',
    aliases: ['providertype', 'type', 'organisationtype'],
    required: true,
    description: `One of: ${Object.values(PROVIDER_TYPE_LABELS).join(', ')}.`,
    example: 'Community trust',
  },
  {
    key: 'sector',
    header: 'Sector',
    aliases: ['sector', 'kindoforganisation', 'organisationkind'],
    required: false,
    description: `Optional: one of ${Object.values(SECTOR_LABELS).join('; ')}. Empty: kept as it is (for a new provider, taken from its type where the type says).`,
    example: 'NHS trust',
  },
  {
    key: 'headcountBand',
    header: 'Employees',
    aliases: ['employees', 'headcount', 'headcountband', 'numberofemployees', 'staff'],
    required: false,
    description: `Optional: the number of employees, or a band: ${Object.values(HEADCOUNT_BANDS)
      .map((band) => band.label)
      .join('; ')}.`,
    example: '1200',
  },
  {
    key: 'turnoverBand',
    header: 'Annual turnover',
    aliases: ['annualturnover', 'turnover', 'turnoverband', 'income'],
    required: false,
    description: `Optional: the annual turnover in pounds, or a band: ${Object.values(TURNOVER_BANDS)
      .map((band) => band.label)
      .join('; ')}.`,
    example: '250000000',
  },
  {
    key: 'financialYearEndMonth',
    header: 'Financial year end',
    aliases: ['financialyearend', 'yearend', 'financialyearendmonth'],
    required: false,
    description: 'Optional: the month the financial year ends, as a name (March, 31 March) or a number (3).',
    example: '31 March',
  },
  {
    key: 'website',
    header: 'Website',
    aliases: ['website', 'web', 'webaddress', 'url'],
    required: false,
    description: 'Optional: the provider’s website, like www.example.nhs.uk.',
    example: 'www.example.nhs.uk',
  },
  {
    key: 'providesMentalHealthServices',
    header: 'Mental health services',
    aliases: ['mentalhealthservices', 'mentalhealth', 'providesmentalhealthservices'],
    required: false,
    description: 'Optional: Yes or No: whether the provider provides mental health services.',
    example: 'No',
  },
  {
    key: 'contractReference',
    header: 'Contract reference',
    aliases: ['contractreference', 'contractref', 'reference', 'contract', 'contractnumber', 'contractid'],
    required: false,
    description:
      'Optional: the provider’s contract, up to 50 characters. Leave the contract columns empty for none.',
    example: 'ICB-2026-0042',
  },
  {
    key: 'startDate',
    header: 'Contract start date',
    aliases: ['contractstartdate', 'contractstart', 'startdate', 'start'],
    required: false,
    description: 'Needed with a contract: a date, such as 01/04/2026 or 2026-04-01.',
    example: '01/04/2026',
  },
  {
    key: 'endDate',
    header: 'Contract end date',
    aliases: ['contractenddate', 'contractend', 'enddate', 'end'],
    required: false,
    description: 'Optional: empty when the contract has no end date.',
    example: '31/03/2029',
  },
  {
    key: 'contractManager',
    header: 'Contract manager email',
    aliases: ['contractmanageremail', 'contractmanager', 'manageremail', 'manager'],
    required: false,
    description: 'Needed with a contract: the email address of a contract manager who uses this service.',
    example: 'priya.shah@example.nhs.uk',
  },
  {
    key: 'standards',
    header: 'Standards',
    aliases: ['standards', 'standard', 'reportson', 'frameworks'],
    required: false,
    description:
      'Needed with a contract: the standards it reports on, by code or name, separated by commas or semicolons (AIS, EDS).',
    example: 'AIS; EDS',
  },
];

/** Lead columns: "Lead 1 email", "Lead 1 name", "Lead 2 email" ... ("Lead email" is lead 1). */
const LEAD_HEADER = /^(?:provider)?lead(\d*)(email|emailaddress|name)$/;

export const TEMPLATE_LEAD_COLUMNS = ['Lead 1 email', 'Lead 1 name', 'Lead 2 email', 'Lead 2 name'];

export const TEMPLATE_HEADER = [...REGISTER_COLUMNS.map((column) => column.header), ...TEMPLATE_LEAD_COLUMNS];

export const TEMPLATE_EXAMPLE = [
  ...REGISTER_COLUMNS.map((column) => column.example),
  'jo.bloggs@example.nhs.uk',
  'Jo Bloggs',
  '',
  '',
];

export function normaliseHeader(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export interface ColumnMap {
  fields: Partial<Record<RegisterColumn['key'], number>>;
  leads: { email: number; name?: number }[];
  /** Headers the file has that the import does not use. */
  ignored: string[];
}

/** Reads the header row; a file without a required column is refused (the message names it). */
export function mapColumns(
  header: readonly string[],
): { ok: true; map: ColumnMap } | { ok: false; error: string } {
  const fields: ColumnMap['fields'] = {};
  const leadEmails = new Map<number, number>();
  const leadNames = new Map<number, number>();
  const ignored: string[] = [];
  header.forEach((text, index) => {
    const normalised = normaliseHeader(text);
    if (normalised === '') return;
    const column = REGISTER_COLUMNS.find((candidate) => candidate.aliases.includes(normalised));
    if (column && fields[column.key] === undefined) {
      fields[column.key] = index;
      return;
    }
    const lead = LEAD_HEADER.exec(normalised);
    if (lead) {
      const number = lead[1] ? Number(lead[1]) : 1;
      const target = lead[2] === 'name' ? leadNames : leadEmails;
      if (!target.has(number)) {
        target.set(number, index);
        return;
      }
    }
    ignored.push(text.trim());
  });
  const missing = REGISTER_COLUMNS.filter((column) => column.required && fields[column.key] === undefined);
  if (missing.length > 0) {
    return {
      ok: false,
      error: `The file has no ${missing.map((column) => `"${column.header}"`).join(', ')} column. Its first row must name the columns, as the template does`,
    };
  }
  for (const [number, index] of leadNames) {
    if (!leadEmails.has(number)) ignored.push(header[index]?.trim() ?? '');
  }
  const leads = [...leadEmails.entries()]
    .sort(([a], [b]) => a - b)
    .map(([number, email]) => {
      const name = leadNames.get(number);
      return name === undefined ? { email } : { email, name };
    });
  return { ok: true, map: { fields, leads, ignored } };
}

export type ProfileKey =
  | 'sector'
  | 'headcountBand'
  | 'turnoverBand'
  | 'financialYearEndMonth'
  | 'website'
  | 'providesMentalHealthServices';

/** The provider's profile facts a row gives (issue 17); a fact left out is not in the object. */
export interface ProfileValues {
  sector?: ProviderSector;
  headcountBand?: HeadcountBand;
  turnoverBand?: TurnoverBand;
  financialYearEndMonth?: number;
  website?: string | null;
  providesMentalHealthServices?: boolean;
}

export const PROFILE_KEYS: readonly ProfileKey[] = [
  'sector',
  'headcountBand',
  'turnoverBand',
  'financialYearEndMonth',
  'website',
  'providesMentalHealthServices',
];

const SECTOR_BY_TEXT = new Map<string, ProviderSector>(
  Object.entries(SECTOR_LABELS).flatMap(([sector, label]) => [
    [normaliseHeader(sector), sector as ProviderSector],
    [normaliseHeader(label), sector as ProviderSector],
    [normaliseHeader(label.replace(/\s*\(.*\)$/, '')), sector as ProviderSector],
  ]),
);

function bandOf<Band extends string>(
  bands: Record<Band, BandRange & { label: string }>,
  text: string,
): Band | undefined {
  for (const [band, range] of Object.entries(bands) as [Band, BandRange & { label: string }][]) {
    if (
      normaliseHeader(band) === normaliseHeader(text) ||
      normaliseHeader(range.label) === normaliseHeader(text)
    ) {
      return band;
    }
  }
  const number = /^£?\s*[\d,]+(?:\.\d+)?$/.test(text) ? Number(text.replace(/[£,\s]/g, '')) : NaN;
  if (!Number.isFinite(number) || number < 0) return undefined;
  for (const [band, range] of Object.entries(bands) as [Band, BandRange & { label: string }][]) {
    if (number >= range.min && (range.below === undefined || number < range.below)) return band;
  }
  return undefined;
}

const MONTH_BY_TEXT = new Map<string, number>(
  YEAR_END_MONTHS.flatMap((month) => {
    const label = yearEndLabel(month);
    const name = label.replace(/^\d+ /, '');
    return [
      [normaliseHeader(label), month],
      [normaliseHeader(name), month],
      [normaliseHeader(name.slice(0, 3)), month],
      [String(month), month],
      [String(month).padStart(2, '0'), month],
    ] as [string, number][];
  }),
);

function checkProfile(cell: (key: ProfileKey) => string, errors: string[]): ProfileValues {
  const profile: ProfileValues = {};
  const sector = cell('sector');
  if (sector) {
    const value = SECTOR_BY_TEXT.get(normaliseHeader(sector));
    if (value) profile.sector = value;
    else errors.push(`Sector "${sector}" is not one of the sectors (see the template)`);
  }
  const headcount = cell('headcountBand');
  if (headcount) {
    const value = bandOf(HEADCOUNT_BANDS, headcount);
    if (value) profile.headcountBand = value;
    else errors.push(`Employees "${headcount}" is not a number of employees or one of the bands`);
  }
  const turnover = cell('turnoverBand');
  if (turnover) {
    const value = bandOf(TURNOVER_BANDS, turnover);
    if (value) profile.turnoverBand = value;
    else errors.push(`Annual turnover "${turnover}" is not an amount in pounds or one of the bands`);
  }
  const yearEnd = cell('financialYearEndMonth');
  if (yearEnd) {
    // "31/03" is the 31st of March: the month is what counts.
    const value = MONTH_BY_TEXT.get(normaliseHeader(yearEnd.replace(/^\d{1,2}\/0?(\d{1,2})$/, '$1')));
    if (value) profile.financialYearEndMonth = value;
    else errors.push(`Financial year end "${yearEnd}" is not a month (use March, 31 March or 3)`);
  }
  const website = cell('website');
  if (website) {
    const parsed = providerSchema.shape.website.safeParse(website);
    if (parsed.success) profile.website = parsed.data;
    else errors.push(`Website "${website}" is not a web address (use www.example.nhs.uk)`);
  }
  const mentalHealth = cell('providesMentalHealthServices').toLowerCase();
  if (mentalHealth) {
    if (['yes', 'y', 'true'].includes(mentalHealth)) profile.providesMentalHealthServices = true;
    else if (['no', 'n', 'false'].includes(mentalHealth)) profile.providesMentalHealthServices = false;
    else errors.push(`Mental health services "${cell('providesMentalHealthServices')}" must be Yes or No`);
  }
  return profile;
}

/** A row as read and checked on its own: what it says, or why it cannot be used. */
export interface CheckedRow {
  row: number;
  /** As written (upper case), for the preview; may be empty or malformed on a refused row. */
  odsCode: string;
  name: string;
  errors: string[];
  type: ProviderType | null;
  /** An existing provider keeps its type (an ODS role that does not say the type for certain). */
  keepExistingType?: boolean;
  profile: ProfileValues;
  contract: {
    reference: string;
    startDate: string;
    endDate: string | null;
    managerEmail: string;
    /** As written, matched to standards against the database. */
    standards: string[];
  } | null;
  leads: { email: string; name: string }[];
}

const odsCode = z.string().regex(/^[A-Z0-9]{3,10}$/, 'ODS code must be 3 to 10 letters and numbers');
const TYPE_BY_TEXT = new Map<string, ProviderType>(
  Object.entries(PROVIDER_TYPE_LABELS).flatMap(([type, label]) => [
    [normaliseHeader(type), type as ProviderType],
    [normaliseHeader(label), type as ProviderType],
  ]),
);

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function validDay(year: number, month: number, day: number): string | undefined {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || year > 2200) return undefined;
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return date.toISOString().slice(0, 10);
}

/**
 * A date as people and spreadsheet programs write it: 2026-04-01, 01/04/2026 (day first, as in the
 * UK), 1 April 2026 or 1-Apr-2026, or a spreadsheet's serial day number. YYYY-MM-DD, or undefined.
 */
export function parseDate(text: string): string | undefined {
  const value = text.trim();
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+Z?)?$/.exec(value);
  if (match) return validDay(Number(match[1]), Number(match[2]), Number(match[3]));
  match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  if (match) return validDay(Number(match[3]), Number(match[2]), Number(match[1]));
  match = /^(\d{1,2})[\s-]+([A-Za-z]{3,9})[\s-]+(\d{4})$/.exec(value);
  if (match) {
    const month = MONTHS.indexOf((match[2] ?? '').slice(0, 3).toLowerCase()) + 1;
    return month > 0 ? validDay(Number(match[3]), month, Number(match[1])) : undefined;
  }
  // A spreadsheet's day number (days since 30 December 1899), as a program may save a date.
  if (/^\d{5}$/.test(value)) {
    const serial = Number(value);
    if (serial >= 20_000 && serial <= 80_000) {
      return new Date(Date.UTC(1899, 11, 30) + serial * 86_400_000).toISOString().slice(0, 10);
    }
  }
  return undefined;
}

export function splitStandards(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Checks one row on its own (format of every field). Returns undefined for a blank row. */
export function checkRow(row: FileRow, map: ColumnMap): CheckedRow | undefined {
  const cell = (index: number | undefined) => (index === undefined ? '' : (row.cells[index] ?? '').trim());
  if (row.cells.every((value) => value.trim() === '')) return undefined;
  const errors: string[] = [];
  const code = cell(map.fields.odsCode).toUpperCase();
  const name = cell(map.fields.name);
  const typeText = cell(map.fields.type);

  if (code === '') errors.push('Enter the ODS code');
  else {
    const parsed = odsCode.safeParse(code);
    if (!parsed.success) errors.push(parsed.error.issues[0]?.message ?? 'ODS code is not valid');
  }
  if (name === '') errors.push('Enter the provider name');
  else if (name.length > 200) errors.push('Provider name must be 200 characters or fewer');
  const type = TYPE_BY_TEXT.get(normaliseHeader(typeText)) ?? null;
  if (typeText === '') errors.push('Enter the provider type');
  else if (!type) errors.push(`Provider type "${typeText}" is not one of the types (see the template)`);

  const profile = checkProfile((key) => cell(map.fields[key]), errors);

  const reference = cell(map.fields.contractReference);
  const startText = cell(map.fields.startDate);
  const endText = cell(map.fields.endDate);
  const managerText = cell(map.fields.contractManager);
  const standardsText = cell(map.fields.standards);
  let contract: CheckedRow['contract'] = null;
  if (reference === '') {
    if (startText || endText || managerText || standardsText) {
      errors.push('Enter the contract reference, or leave every contract column empty');
    }
  } else {
    if (reference.length > 50) errors.push('Contract reference must be 50 characters or fewer');
    const startDate = startText === '' ? undefined : parseDate(startText);
    const endDate = endText === '' ? null : parseDate(endText);
    if (startText === '') errors.push('Enter the contract start date');
    else if (!startDate)
      errors.push(`Contract start date "${startText}" is not a real date (use 01/04/2026)`);
    if (endDate === undefined)
      errors.push(`Contract end date "${endText}" is not a real date (use 31/03/2029)`);
    else if (startDate && endDate && endDate < startDate) {
      errors.push('Contract end date must be the same as or after the start date');
    }
    const manager = managerText === '' ? undefined : emailAddress.safeParse(managerText);
    if (!manager) errors.push('Enter the contract manager’s email address');
    else if (!manager.success) errors.push(`Contract manager email "${managerText}" is not an email address`);
    const standards = splitStandards(standardsText);
    if (standards.length === 0) errors.push('Enter the standards the contract reports on');
    if (startDate && endDate !== undefined && manager?.success && standards.length > 0) {
      contract = { reference, startDate, endDate, managerEmail: manager.data, standards };
    }
  }

  const leads: CheckedRow['leads'] = [];
  for (const [position, lead] of map.leads.entries()) {
    const emailText = cell(lead.email);
    const leadName = cell(lead.name);
    if (emailText === '') {
      if (leadName !== '')
        errors.push(`Enter lead ${position + 1}’s email address, or leave their name empty`);
      continue;
    }
    const email = emailAddress.safeParse(emailText);
    if (!email.success) {
      errors.push(`Lead ${position + 1} email "${emailText}" is not an email address`);
      continue;
    }
    if (leadName.length > 200) errors.push(`Lead ${position + 1} name must be 200 characters or fewer`);
    if (leads.some((other) => other.email === email.data)) {
      errors.push(`${email.data} is named twice as a lead of this provider`);
      continue;
    }
    leads.push({ email: email.data, name: leadName });
  }
  return { row: row.number, odsCode: code, name, errors, type, profile, contract, leads };
}

/** Marks rows that repeat an ODS code or a contract reference of another row: each must be on one. */
export function markDuplicates(rows: CheckedRow[]): void {
  const byCode = new Map<string, CheckedRow[]>();
  const byReference = new Map<string, CheckedRow[]>();
  for (const row of rows) {
    if (row.odsCode) byCode.set(row.odsCode, [...(byCode.get(row.odsCode) ?? []), row]);
    if (row.contract) {
      const key = row.contract.reference.toUpperCase();
      byReference.set(key, [...(byReference.get(key) ?? []), row]);
    }
  }
  for (const [code, same] of byCode) {
    if (same.length < 2) continue;
    const numbers = same.map((row) => row.row).join(', ');
    for (const row of same) row.errors.push(`ODS code ${code} is on more than one row (rows ${numbers})`);
  }
  for (const same of byReference.values()) {
    if (same.length < 2) continue;
    const numbers = same.map((row) => row.row).join(', ');
    for (const row of same) {
      row.errors.push(
        `Contract reference ${row.contract?.reference ?? ''} is on more than one row (rows ${numbers})`,
      );
    }
  }
}
