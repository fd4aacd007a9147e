import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recordAudit } from '../audit/audit.js';
import type { Db } from '../db/prisma.js';
import { sha256 } from '../hash.js';
import type { Logger } from '../logger.js';
import { STANDARDS_DIR } from '../project-root.js';
import {
  createFramework,
  createFrameworkVersion,
  createGroupsWithRequirements,
  createRatingBands,
  createRatingScale,
  findFrameworkByCode,
  findRatingScaleByCode,
  findVersionByCodes,
  findVersionForCorrection,
  applyVersionCorrection,
  lockStandardsImport,
  type DbClient,
  type FrameworkRow,
  type RatingLevelData,
} from './queries.js';
import { formatPath, standardFileSchema, type StandardFile } from './standard-file.schema.js';

/** A standards file that cannot be loaded; the message names the file and says what to do. */
export class StandardsImportError extends Error {
  override name = 'StandardsImportError';
}

export interface ImportedStandard {
  file: string;
  framework: string;
  version: string;
  /** `corrected`: a data correction (sources, verified flags, due date, level colours only) was applied. */
  outcome: 'imported' | 'unchanged' | 'corrected';
}

/** One entry per data file, in file-name order. */
export type ImportSummary = ImportedStandard[];

interface LoadedFile {
  file: string;
  sha256: string;
  data: StandardFile;
}

/**
 * Loads every standards data file in `dir` into the database. A version already loaded from the same
 * bytes is left alone. A version whose file has changed since it was loaded is refused, because
 * returns already answered against it must keep meaning what they meant, unless the change is a data
 * correction: only `source`, `verified`, the due date rule, the statement set's details, where "not applicable" is allowed, the
 * levels' colours (presentation) and the per-service rule's minimum, source and verified flag (or the rule
 * itself, on a version that had none) differ, so every answer, score and rating reads exactly as before (see
 * README, "Correcting a standard's data").
 * Every file is checked
 * before anything is written, and all new versions are written in one transaction, so a run
 * imports everything or nothing.
 */
export async function importStandards(
  prisma: Db,
  logger: Logger,
  dir: string = STANDARDS_DIR,
): Promise<ImportSummary> {
  const files = await loadStandardFiles(dir);
  checkFilesAgree(files);

  const summary = await prisma.$transaction(
    async (tx) => {
      // Several app instances may start together: the second waits, then finds everything loaded.
      await lockStandardsImport(tx);
      const results: ImportSummary = [];
      for (const file of files) {
        results.push(await importFile(tx, file, logger));
      }
      return results;
    },
    { maxWait: 10_000, timeout: 60_000 },
  );

  for (const entry of summary) {
    if (entry.outcome === 'imported') logger.info(entry, 'standard version imported');
    else if (entry.outcome === 'corrected') logger.info(entry, 'standard version data corrected');
    else logger.debug(entry, 'standard version unchanged');
  }
  logger.info(
    {
      imported: summary.filter((entry) => entry.outcome === 'imported').length,
      unchanged: summary.filter((entry) => entry.outcome === 'unchanged').length,
      corrected: summary.filter((entry) => entry.outcome === 'corrected').length,
    },
    'standards import finished',
  );
  return summary;
}

/** Reads and validates every *.json file, reporting every problem in every file at once. */
async function loadStandardFiles(dir: string): Promise<LoadedFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => entry.name)
    .sort();
  if (names.length === 0) {
    throw new StandardsImportError(`No standards files (*.json) found in ${dir}.`);
  }

  const loaded: LoadedFile[] = [];
  const failures: string[] = [];
  for (const file of names) {
    const bytes = await readFile(join(dir, file));
    const result = parseStandardFile(bytes.toString('utf8'));
    if (result.ok) {
      loaded.push({ file, sha256: sha256(bytes), data: result.data });
    } else {
      failures.push(
        `Standards file ${file} is invalid:\n${result.problems.map((problem) => `  - ${problem}`).join('\n')}`,
      );
    }
  }
  if (failures.length > 0) {
    throw new StandardsImportError(`${failures.join('\n')}\nNothing was imported.`);
  }
  return loaded;
}

type ParseResult = { ok: true; data: StandardFile } | { ok: false; problems: string[] };

function parseStandardFile(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      problems: [`not valid JSON: ${error instanceof Error ? error.message : String(error)}`],
    };
  }
  const result = standardFileSchema.safeParse(json);
  if (result.success) return { ok: true, data: result.data };
  const problems = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  // Unique codes, positions and bands are only checked once every field has the right shape.
  if (result.error.issues.every((issue) => issue.code !== 'custom')) {
    problems.push('(once these are fixed, codes, positions and bands are checked as well)');
  }
  return { ok: false, problems };
}

/** Files of one framework must describe it the same way, and no version may appear twice. */
function checkFilesAgree(files: LoadedFile[]): void {
  const problems: string[] = [];
  const frameworks = new Map<string, LoadedFile>();
  const versions = new Map<string, LoadedFile>();
  const scales = new Map<string, LoadedFile>();
  for (const file of files) {
    const { framework, version, ratingScale } = file.data;

    const firstFramework = frameworks.get(framework.code);
    if (firstFramework) {
      const differences = frameworkDifferences(firstFramework.data.framework, framework);
      if (differences.length > 0) {
        problems.push(
          `${firstFramework.file} and ${file.file} describe framework ${framework.code} differently (${differences.join('; ')}).`,
        );
      }
    } else {
      frameworks.set(framework.code, file);
    }

    const versionKey = `${framework.code} ${version.code}`;
    const firstVersion = versions.get(versionKey);
    if (firstVersion) {
      problems.push(`${firstVersion.file} and ${file.file} both hold version ${versionKey}.`);
    } else {
      versions.set(versionKey, file);
    }

    const firstScale = scales.get(ratingScale.code);
    if (firstScale) {
      const differences = levelDifferences(firstScale.data.ratingScale.levels, ratingScale.levels, [
        ...LEVEL_CONTENT_FIELDS,
        'colour',
      ]);
      if (differences.length > 0) {
        problems.push(
          `${firstScale.file} and ${file.file} define rating scale ${ratingScale.code} with different levels (${differences.join('; ')}).`,
        );
      }
    } else {
      scales.set(ratingScale.code, file);
    }
  }
  if (problems.length > 0) {
    throw new StandardsImportError(
      `Standards files disagree:\n${problems.map((problem) => `  - ${problem}`).join('\n')}\nNothing was imported.`,
    );
  }
}

async function importFile(tx: DbClient, file: LoadedFile, logger: Logger): Promise<ImportedStandard> {
  const { framework, version } = file.data;
  const entry = { file: file.file, framework: framework.code, version: version.code };

  const existing = await findVersionByCodes(tx, framework.code, version.code);
  if (existing) {
    if (existing.contentSha256 === file.sha256) return { ...entry, outcome: 'unchanged' };
    const loaded = await findVersionForCorrection(tx, existing.id);
    if (!loaded) throw new Error(`Version ${existing.id} vanished during the import`);
    const differences = contentDifferences(loaded, file.data);
    if (differences.length > 0) {
      const shown = differences.slice(0, 5).join('; ');
      const more = differences.length > 5 ? ` and ${differences.length - 5} more` : '';
      throw new StandardsImportError(
        `Standards file ${file.file} has changed since version ${version.code} of ${framework.code} ` +
          `(${version.name}) was loaded into this database (loaded SHA-256 ${existing.contentSha256}, ` +
          `file now ${file.sha256}), and not only in sources, verified flags, due dates or colours (${shown}${more}). ` +
          'A loaded standard is never rewritten, because returns are answered against it: put the file ' +
          'back as it was, and publish a changed standard as a new version file with its own version ' +
          'code. Nothing was imported.',
      );
    }
    await correctVersion(tx, existing.id, loaded, file);
    return { ...entry, outcome: 'corrected' };
  }

  const frameworkId = await ensureFramework(tx, file);
  const ratingScaleId = await ensureRatingScale(tx, file, logger);
  const { id: versionId } = await createFrameworkVersion(tx, {
    frameworkId,
    ratingScaleId,
    code: version.code,
    name: version.name,
    identifier: version.identifier,
    publishedOn: version.publishedOn === null ? null : new Date(`${version.publishedOn}T00:00:00Z`),
    groupLabel: version.groupLabel,
    source: version.source,
    verified: version.verified,
    ...dueColumns(version.due),
    ...statementColumns(version.statements),
    ...notApplicableColumns(version.notApplicable),
    ...perServiceColumns(version.perService),
    contentSha256: file.sha256,
  });
  await createRatingBands(tx, versionId, file.data.overallRatingBands);
  await createGroupsWithRequirements(tx, versionId, ratingScaleId, file.data.groups);
  return { ...entry, outcome: 'imported' };
}

async function ensureFramework(tx: DbClient, file: LoadedFile): Promise<string> {
  const wanted = file.data.framework;
  const existing = await findFrameworkByCode(tx, wanted.code);
  if (!existing) return (await createFramework(tx, wanted)).id;
  const differences = frameworkDifferences(existing, wanted);
  if (differences.length > 0) {
    throw new StandardsImportError(
      `Standards file ${file.file} describes framework ${wanted.code} differently from the database ` +
        `(${differences.join('; ')}). Framework details are not changed by an import: make the file ` +
        'agree with the database. Nothing was imported.',
    );
  }
  return existing.id;
}

/** Scales are shared by code: an existing scale is reused only if its levels are exactly the same. */
async function ensureRatingScale(tx: DbClient, file: LoadedFile, logger: Logger): Promise<string> {
  const wanted = file.data.ratingScale;
  const existing = await findRatingScaleByCode(tx, wanted.code);
  if (!existing) return (await createRatingScale(tx, wanted)).id;
  const differences = levelDifferences(existing.levels, wanted.levels);
  if (differences.length > 0) {
    throw new StandardsImportError(
      `Standards file ${file.file} defines rating scale ${wanted.code} with different levels from the ` +
        `scale already in the database (${differences.join('; ')}). Ratings already given use those ` +
        'levels: give the changed scale a new code. Nothing was imported.',
    );
  }
  if (
    existing.name !== wanted.name ||
    existing.source !== wanted.source ||
    existing.verified !== wanted.verified
  ) {
    logger.warn(
      { file: file.file, scale: wanted.code },
      'rating scale name, source or verified flag differs from the database; the database copy is kept',
    );
  }
  return existing.id;
}

type FrameworkFields = Pick<FrameworkRow, 'name'>;

function frameworkDifferences(current: FrameworkFields, wanted: FrameworkFields): string[] {
  const fields = ['name'] as const;
  return fields
    .filter((field) => current[field] !== wanted[field])
    .map((field) => `${field} ${JSON.stringify(current[field])} vs ${JSON.stringify(wanted[field])}`);
}

/**
 * What ratings mean. A level's colour is presentation: it repeats the label on the heat map and never
 * changes an answer, so a loaded scale's colours are corrected like sources (see correctVersion).
 */
const LEVEL_CONTENT_FIELDS = ['code', 'label', 'score', 'description'] as const;

function levelDifferences(
  current: readonly RatingLevelData[],
  wanted: readonly RatingLevelData[],
  fields: readonly (keyof RatingLevelData)[] = LEVEL_CONTENT_FIELDS,
): string[] {
  const byPosition = (levels: readonly RatingLevelData[]) =>
    new Map(levels.map((level) => [level.position, level]));
  const currentLevels = byPosition(current);
  const wantedLevels = byPosition(wanted);
  const positions = [...new Set([...currentLevels.keys(), ...wantedLevels.keys()])].sort((a, b) => a - b);
  return positions.flatMap((position) => {
    const a = currentLevels.get(position);
    const b = wantedLevels.get(position);
    if (!a) return [`level at position ${position} is new`];
    if (!b) return [`level at position ${position} (${a.code}) is missing`];
    return fields
      .filter((field) => a[field] !== b[field])
      .map(
        (field) => `level ${position} ${field} ${JSON.stringify(a[field])} vs ${JSON.stringify(b[field])}`,
      );
  });
}

function dueColumns(due: StandardFile['version']['due']) {
  return {
    dueMonth: due.month,
    dueDay: due.day,
    dueNational: due.national,
    dueSource: due.source,
    dueVerified: due.verified,
  };
}

function notApplicableColumns(rule: StandardFile['version']['notApplicable']) {
  return {
    notApplicableRule: rule?.rule ?? null,
    notApplicableSource: rule?.source ?? null,
    notApplicableVerified: rule?.verified ?? null,
  };
}

function perServiceColumns(rule: StandardFile['version']['perService']) {
  return {
    perServiceGroupCode: rule?.groupCode ?? null,
    perServiceMinimum: rule?.minimum ?? null,
    perServiceCombine: rule?.combine ?? null,
    perServiceSource: rule?.source ?? null,
    perServiceVerified: rule?.verified ?? null,
  };
}

function statementColumns(statements: StandardFile['version']['statements']) {
  return {
    statementsName: statements?.name ?? null,
    statementsSource: statements?.source ?? null,
    statementsVerified: statements?.verified ?? null,
  };
}

type LoadedVersion = NonNullable<Awaited<ReturnType<typeof findVersionForCorrection>>>;

/**
 * What returns are answered against: everything but sources, verified flags, the due date rule and
 * the statement set's details. Each entry names a field that differs between the database and the file.
 */
function contentDifferences(loaded: LoadedVersion, file: StandardFile): string[] {
  const flatten = (value: unknown, path: string, into: Map<string, string>): Map<string, string> => {
    if (Array.isArray(value)) value.forEach((item, index) => flatten(item, `${path}[${index}]`, into));
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) flatten(item, path ? `${path}.${key}` : key, into);
    } else into.set(path, JSON.stringify(value));
    return into;
  };
  const content = (version: {
    name: string;
    identifier: string | null;
    publishedOn: string | null;
    groupLabel: string;
    perService?: { groupCode: string | null; combine: string | null };
    ratingScale: { code: string; name: string; levels: ReturnType<typeof pickLevel>[] };
    bands: { minTotal: number; maxTotal: number; label: string; position: number }[];
    groups: {
      code: string;
      title: string;
      description: string;
      position: number;
      requirements: {
        code: string;
        title: string;
        guidance: string;
        evidenceExpected: string;
        position: number;
      }[];
    }[];
  }) => flatten(version, '', new Map());
  const byPosition = <T extends { position: number }>(items: readonly T[]) =>
    [...items].sort((a, b) => a.position - b.position);
  // Which group is answered per service, and how services combine, decide Domain 1 scores once a
  // return has several services, so once loaded they are content. A version loaded before the rule
  // existed may gain it: its returns each have one service, whose total any rule leaves unchanged.
  const loadedPerService =
    loaded.perServiceGroupCode === null
      ? undefined
      : { groupCode: loaded.perServiceGroupCode, combine: loaded.perServiceCombine };
  const fromDatabase = content({
    name: loaded.name,
    identifier: loaded.identifier,
    publishedOn: loaded.publishedOn?.toISOString().slice(0, 10) ?? null,
    groupLabel: loaded.groupLabel,
    perService: loadedPerService,
    ratingScale: {
      code: loaded.ratingScale.code,
      name: loaded.ratingScale.name,
      levels: byPosition(loaded.ratingScale.levels).map(pickLevel),
    },
    bands: byPosition(loaded.ratingBands).map(pickBand),
    groups: byPosition(loaded.groups).map((group) => ({
      ...pickGroup(group),
      requirements: byPosition(group.requirements).map(pickRequirement),
    })),
  });
  const fromFile = content({
    name: file.version.name,
    identifier: file.version.identifier,
    publishedOn: file.version.publishedOn,
    groupLabel: file.version.groupLabel,
    perService: loadedPerService && {
      groupCode: file.version.perService?.groupCode ?? null,
      combine: file.version.perService?.combine ?? null,
    },
    ratingScale: {
      code: file.ratingScale.code,
      name: file.ratingScale.name,
      levels: byPosition(file.ratingScale.levels).map(pickLevel),
    },
    bands: byPosition(file.overallRatingBands).map(pickBand),
    groups: byPosition(file.groups).map((group) => ({
      ...pickGroup(group),
      requirements: byPosition(group.requirements).map(pickRequirement),
    })),
  });
  const keys = [...new Set([...fromDatabase.keys(), ...fromFile.keys()])];
  return keys
    .filter((key) => fromDatabase.get(key) !== fromFile.get(key))
    .map((key) => `${key} ${fromDatabase.get(key) ?? '(absent)'} vs ${fromFile.get(key) ?? '(absent)'}`);
}

function pickLevel(level: RatingLevelData) {
  const { code, label, score, description, position } = level;
  return { code, label, score, description, position };
}

function pickBand(band: { minTotal: number; maxTotal: number; label: string; position: number }) {
  const { minTotal, maxTotal, label, position } = band;
  return { minTotal, maxTotal, label, position };
}

function pickGroup(group: { code: string; title: string; description: string; position: number }) {
  const { code, title, description, position } = group;
  return { code, title, description, position };
}

function pickRequirement(requirement: {
  code: string;
  title: string;
  guidance: string;
  evidenceExpected: string;
  position: number;
}) {
  const { code, title, guidance, evidenceExpected, position } = requirement;
  return { code, title, guidance, evidenceExpected, position };
}

/**
 * Applies a data correction: the version's, scale's, bands', groups' and requirements' sources and
 * verified flags, its due date rule and statement set, and the scale's level colours, as the file now says. Answers, scores and
 * ratings are untouched. Audited with every changed fact before and after.
 */
async function correctVersion(
  tx: DbClient,
  versionId: string,
  loaded: LoadedVersion,
  file: LoadedFile,
): Promise<void> {
  const { version, ratingScale } = file.data;
  const facts = (row: { source: string; verified: boolean }) => ({
    source: row.source,
    verified: row.verified,
  });
  const changed: { fact: string; before: unknown; after: unknown }[] = [];
  const note = (fact: string, before: unknown, after: unknown) => {
    if (JSON.stringify(before) !== JSON.stringify(after)) changed.push({ fact, before, after });
  };
  const versionColumns = {
    source: version.source,
    verified: version.verified,
    ...dueColumns(version.due),
    ...statementColumns(version.statements),
    ...notApplicableColumns(version.notApplicable),
    ...perServiceColumns(version.perService),
  };
  note(
    'version',
    {
      source: loaded.source,
      verified: loaded.verified,
      dueMonth: loaded.dueMonth,
      dueDay: loaded.dueDay,
      dueNational: loaded.dueNational,
      dueSource: loaded.dueSource,
      dueVerified: loaded.dueVerified,
      statementsName: loaded.statementsName,
      statementsSource: loaded.statementsSource,
      statementsVerified: loaded.statementsVerified,
      notApplicableRule: loaded.notApplicableRule,
      notApplicableSource: loaded.notApplicableSource,
      notApplicableVerified: loaded.notApplicableVerified,
      perServiceGroupCode: loaded.perServiceGroupCode,
      perServiceMinimum: loaded.perServiceMinimum,
      perServiceCombine: loaded.perServiceCombine,
      perServiceSource: loaded.perServiceSource,
      perServiceVerified: loaded.perServiceVerified,
    },
    versionColumns,
  );
  note(`rating scale ${ratingScale.code}`, facts(loaded.ratingScale), facts(ratingScale));
  const levels = loaded.ratingScale.levels.flatMap((level) => {
    const wanted = ratingScale.levels.find((candidate) => candidate.code === level.code);
    if (!wanted) return [];
    if (wanted.colour === level.colour) return [];
    note(`level ${level.code} colour`, level.colour, wanted.colour);
    return [{ code: level.code, colour: wanted.colour }];
  });
  const bands = loaded.ratingBands.flatMap((band) => {
    const wanted = file.data.overallRatingBands.find((candidate) => candidate.position === band.position);
    if (!wanted) return [];
    note(`band ${band.label}`, facts(band), facts(wanted));
    return [{ id: band.id, ...facts(wanted) }];
  });
  const groups = loaded.groups.flatMap((group) => {
    const wanted = file.data.groups.find((candidate) => candidate.code === group.code);
    if (!wanted) return [];
    note(`group ${group.code}`, facts(group), facts(wanted));
    const requirements = group.requirements.flatMap((requirement) => {
      const wantedRequirement = wanted.requirements.find((candidate) => candidate.code === requirement.code);
      if (!wantedRequirement) return [];
      const allowed = wantedRequirement.notApplicableAllowed;
      note(
        `requirement ${requirement.code}`,
        { ...facts(requirement), notApplicableAllowed: requirement.notApplicableAllowed },
        { ...facts(wantedRequirement), notApplicableAllowed: allowed },
      );
      return [{ id: requirement.id, ...facts(wantedRequirement), notApplicableAllowed: allowed }];
    });
    return [{ id: group.id, ...facts(wanted), requirements }];
  });
  await applyVersionCorrection(tx, {
    versionId,
    version: { ...versionColumns, contentSha256: file.sha256 },
    ratingScale: { id: loaded.ratingScale.id, ...facts(ratingScale), levels },
    bands,
    groups,
  });
  await recordAudit(tx, {
    actorId: null,
    action: 'standard.data_corrected',
    entityType: 'framework_version',
    entityId: versionId,
    before: { file: file.file, sha256: loaded.contentSha256 },
    after: { file: file.file, sha256: file.sha256, changed: changed as never },
  });
}
