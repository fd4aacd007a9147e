import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ProviderType } from '../generated/prisma/enums.js';
import { ODS_ROLE_CODES_FILE } from '../project-root.js';
import { importFileKind, readRows, UnreadableFile } from './import-file.js';
import type { CheckedRow } from './register-file.js';
import { markDuplicates } from './register-file.js';

// NHS England's organisation data files (ODS): CSV without a header row, in ODS's standard layout,
// one organisation per row. What each file lists (its organisation role) and how a role becomes a
// provider type are data (data/ods/role-codes.json). A row becomes a register row with a name and a
// type and nothing else, so the register import's preview and apply do the rest.

const roleSchema = z.object({
  name: z.string(),
  providerType: z.enum(ProviderType),
  /** The role says the type for certain (a GP practice); else an existing provider keeps its type. */
  definite: z.boolean(),
  nameRules: z.array(z.object({ contains: z.string(), providerType: z.enum(ProviderType) })),
  verified: z.boolean(),
});

const roleCodesSchema = z.object({
  source: z.string(),
  layout: z.object({
    source: z.string(),
    verified: z.boolean(),
    codeColumn: z.number().int().min(1),
    nameColumn: z.number().int().min(1),
    closeDateColumn: z.number().int().min(1),
    statusColumn: z.number().int().min(1),
    prescribingSettingColumn: z.number().int().min(1),
  }),
  files: z.record(
    z.string(),
    z.object({ label: z.string(), roleCode: z.string(), prescribingSetting: z.string().optional() }),
  ),
  roles: z.record(z.string(), roleSchema),
});

export type OdsRoleCodes = z.output<typeof roleCodesSchema>;

/** The role codes data file, checked (a bad file stops whoever reads it, naming the problem). */
export function loadOdsRoleCodes(path = ODS_ROLE_CODES_FILE): OdsRoleCodes {
  return roleCodesSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

export type OdsRead =
  { ok: true; rows: CheckedRow[]; closed: number; notGpPractices: number } | { ok: false; error: string };

/** The provider type an organisation of this role and name is. */
export function providerTypeFor(role: OdsRoleCodes['roles'][string], name: string): ProviderType {
  const upper = name.toUpperCase();
  return role.nameRules.find((rule) => upper.includes(rule.contains))?.providerType ?? role.providerType;
}

/**
 * Reads an ODS file of the given kind. Closed organisations (a close date, or status C) and, in the
 * GP practices file, prescribing cost centres that are not GP practices are left out and counted.
 */
export async function readOdsFile(
  codes: OdsRoleCodes,
  fileKind: string,
  file: { name: string; content: Buffer },
  maxRows: number,
): Promise<OdsRead> {
  const kind = codes.files[fileKind];
  const role = kind ? codes.roles[kind.roleCode] : undefined;
  if (!kind || !role) return { ok: false, error: 'Select which ODS file this is' };
  if (importFileKind(file.name, file.content) !== 'csv') {
    return {
      ok: false,
      error: 'The file must be the ODS data file as CSV (.csv), as NHS England publishes it',
    };
  }
  const { layout } = codes;
  const rows: CheckedRow[] = [];
  let closed = 0;
  let notGpPractices = 0;
  try {
    for await (const row of readRows('csv', file.content)) {
      const cell = (column: number) => (row.cells[column - 1] ?? '').trim();
      if (row.cells.every((value) => value.trim() === '')) continue;
      const odsCode = cell(layout.codeColumn).toUpperCase();
      const name = cell(layout.nameColumn);
      if (row.number === 1 && /code/i.test(odsCode)) {
        return {
          ok: false,
          error:
            'The file has a header row: ODS data files have none. Upload the file as NHS England publishes it',
        };
      }
      if (row.cells.length < layout.nameColumn + 1) {
        return {
          ok: false,
          error: `Row ${String(row.number)} is not in ODS’s layout (at least ${String(layout.nameColumn + 1)} columns, the code first and the name second)`,
        };
      }
      if (cell(layout.closeDateColumn) !== '' || cell(layout.statusColumn).toUpperCase() === 'C') {
        closed += 1;
        continue;
      }
      if (kind.prescribingSetting && cell(layout.prescribingSettingColumn) !== kind.prescribingSetting) {
        notGpPractices += 1;
        continue;
      }
      if (rows.length >= maxRows) {
        return {
          ok: false,
          error: `The file has more than ${maxRows.toLocaleString('en-GB')} organisations`,
        };
      }
      const errors: string[] = [];
      if (!/^[A-Z0-9]{3,10}$/.test(odsCode)) errors.push('ODS code must be 3 to 10 letters and numbers');
      if (name === '') errors.push('Enter the provider name');
      rows.push({
        row: row.number,
        odsCode,
        name: tidyName(name),
        errors,
        type: providerTypeFor(role, name),
        keepExistingType: !role.definite,
        profile: {},
        contract: null,
        leads: [],
      });
    }
  } catch (error) {
    if (error instanceof UnreadableFile) return { ok: false, error: error.message };
    throw error;
  }
  if (rows.length === 0 && closed + notGpPractices === 0) {
    return { ok: false, error: 'The file is empty' };
  }
  markDuplicates(rows);
  return { ok: true, rows, closed, notGpPractices };
}

/** ODS writes names in capitals: "LEEDS TEACHING HOSPITALS NHS TRUST" becomes "Leeds Teaching Hospitals NHS Trust". */
export function tidyName(name: string): string {
  if (name !== name.toUpperCase()) return name;
  const keep = new Set(['NHS', 'GP', 'PCN', 'CIC', 'LLP', 'UK', 'ICB']);
  const small = new Set(['and', 'of', 'the', 'for', 'in', 'on', 'at']);
  return name
    .toLowerCase()
    .split(/(\s+|-|\/|\()/)
    .map((word, index) => {
      if (keep.has(word.toUpperCase())) return word.toUpperCase();
      if (index > 0 && small.has(word)) return word;
      return word.charAt(0).toUpperCase() + word.slice(1);
    })
    .join('')
    .replace(/'S\b/g, "'s");
}
