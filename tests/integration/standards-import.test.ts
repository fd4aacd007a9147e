import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../src/hash.js';
import type { Db } from '../../src/db/prisma.js';
import {
  importStandards,
  StandardsImportError,
  type ImportSummary,
} from '../../src/frameworks/import-standards.js';
import type { StandardFileInput } from '../../src/frameworks/standard-file.schema.js';
import { STANDARDS_DIR } from '../../src/project-root.js';
import { computeResults } from '../../src/frameworks/results.js';
import { findResultsBasis } from '../../src/frameworks/results.queries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createPeriod,
  createProvider,
  createReturn,
  createUser,
  frameworkVersion,
} from '../support/fixtures.js';
import { testLogger } from '../support/test-logger.js';

const FILES = ['ais-2016.json', 'ais-2025.json', 'eds-2022.json', 'eds2.json'];
const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

// ---- helpers -------------------------------------------------------------------------------------

async function emptyDatabase(): Promise<Db> {
  const db = await createTestDatabase();
  databases.push(db);
  return db.prisma;
}

async function loadedDatabase(): Promise<{ prisma: Db; summary: ImportSummary }> {
  const prisma = await emptyDatabase();
  return { prisma, summary: await importStandards(prisma, testLogger) };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'standards-'));
  tempDirs.push(dir);
  return dir;
}

/** A copy of the real data folder that a test may change. */
async function copyOfStandards(): Promise<string> {
  const dir = await tempDir();
  await cp(STANDARDS_DIR, dir, { recursive: true });
  return dir;
}

async function readStandardFile(dir: string, file: string): Promise<StandardFileInput> {
  return JSON.parse(await readFile(join(dir, file), 'utf8')) as StandardFileInput;
}

async function writeStandardFile(dir: string, file: string, data: StandardFileInput): Promise<void> {
  await writeFile(join(dir, file), `${JSON.stringify(data, null, 2)}\n`);
}

async function editStandardFile(
  dir: string,
  file: string,
  edit: (data: StandardFileInput) => void,
): Promise<void> {
  const data = await readStandardFile(dir, file);
  edit(data);
  await writeStandardFile(dir, file, data);
}

/** A folder holding only the given files, each a real data file changed by `edit`. */
async function folderWith(
  files: Record<string, { from: string; edit: (data: StandardFileInput) => void }>,
): Promise<string> {
  const dir = await tempDir();
  for (const [file, { from, edit }] of Object.entries(files)) {
    const data = await readStandardFile(STANDARDS_DIR, from);
    edit(data);
    await writeStandardFile(dir, file, data);
  }
  return dir;
}

function at<T>(items: readonly T[] | undefined, index: number): T {
  const item = items?.[index];
  if (item === undefined) throw new Error(`No item at index ${index}`);
  return item;
}

function loadVersion(prisma: Db, framework: string, version: string) {
  return prisma.frameworkVersion.findFirstOrThrow({
    where: { code: version, framework: { code: framework } },
    include: {
      framework: true,
      ratingScale: { include: { levels: { orderBy: { position: 'asc' } } } },
      ratingBands: { orderBy: { position: 'asc' } },
      groups: { orderBy: { position: 'asc' }, include: { requirements: { orderBy: { position: 'asc' } } } },
      requirements: { orderBy: { code: 'asc' } },
    },
  });
}

/** Everything the importer writes, to compare before and after a run. */
async function databaseState(prisma: Db) {
  const [frameworks, scales, levels, bands, groups, versions, requirements] = await Promise.all([
    prisma.framework.findMany({ orderBy: { id: 'asc' } }),
    prisma.ratingScale.findMany({ orderBy: { id: 'asc' } }),
    prisma.ratingLevel.findMany({ orderBy: { id: 'asc' } }),
    prisma.overallRatingBand.findMany({ orderBy: { id: 'asc' } }),
    prisma.requirementGroup.findMany({ orderBy: { id: 'asc' } }),
    prisma.frameworkVersion.findMany({ orderBy: { id: 'asc' } }),
    prisma.requirement.findMany({ orderBy: { id: 'asc' } }),
  ]);
  const lastImportedAt = await prisma.frameworkVersion.aggregate({ _max: { importedAt: true } });
  return {
    frameworks,
    scales,
    levels,
    bands,
    groups,
    versions,
    requirements,
    lastImportedAt: lastImportedAt._max.importedAt,
  };
}

async function expectNothingWritten(prisma: Db): Promise<void> {
  const state = await databaseState(prisma);
  expect({
    frameworks: state.frameworks.length,
    scales: state.scales.length,
    versions: state.versions.length,
    groups: state.groups.length,
    requirements: state.requirements.length,
  }).toEqual({ frameworks: 0, scales: 0, versions: 0, groups: 0, requirements: 0 });
}

/** Runs an import that must be refused with every pattern in its message; returns the message. */
async function refusedImport(prisma: Db, dir: string, patterns: RegExp[]): Promise<string> {
  const error: unknown = await importStandards(prisma, testLogger, dir).then(
    () => new Error('the import was expected to be refused but succeeded'),
    (refusal: unknown) => refusal,
  );
  expect(error).toBeInstanceOf(StandardsImportError);
  const message = (error as Error).message;
  for (const pattern of patterns) expect(message).toMatch(pattern);
  return message;
}

/** A refused import into a loaded database must leave every row exactly as it was. */
async function expectRefusedAndUnchanged(prisma: Db, dir: string, patterns: RegExp[]): Promise<void> {
  const before = await databaseState(prisma);
  await refusedImport(prisma, dir, patterns);
  expect(await databaseState(prisma)).toEqual(before);
}

function outcomes(summary: ImportSummary): string[] {
  return summary.map((entry) => `${entry.file} ${entry.framework} ${entry.version} ${entry.outcome}`);
}

// ---- tests ---------------------------------------------------------------------------------------

describe('importing the standards into an empty database', () => {
  let prisma: Db;
  let summary: ImportSummary;

  beforeAll(async () => {
    ({ prisma, summary } = await loadedDatabase());
  });

  test('reports each file as imported, in file-name order', () => {
    expect(outcomes(summary)).toEqual([
      'ais-2016.json AIS 2016 imported',
      'ais-2025.json AIS 2025 imported',
      'eds-2022.json EDS 2022 imported',
      'eds2.json EDS 2 imported',
    ]);
  });

  test('creates the two frameworks, and a due date rule with its source per version', async () => {
    const frameworks = await prisma.framework.findMany({ orderBy: { code: 'asc' } });
    expect(frameworks.map(({ code, name }) => [code, name])).toEqual([
      ['AIS', 'Accessible Information Standard'],
      ['EDS', 'Equality Delivery System'],
    ]);
    const versions = await prisma.frameworkVersion.findMany({
      include: { framework: true },
      orderBy: [{ framework: { code: 'asc' } }, { code: 'asc' }],
    });
    expect(
      versions.map((v) => [v.framework.code, v.code, v.dueMonth, v.dueDay, v.dueNational, v.dueVerified]),
    ).toEqual([
      ['AIS', '2016', 3, 31, false, false],
      ['AIS', '2025', 3, 31, true, true],
      ['EDS', '2', 2, 28, false, false],
      ['EDS', '2022', 2, 28, false, false],
    ]);
    for (const version of versions) expect(version.dueSource.length).toBeGreaterThan(40);
    // AIS 2016 had no national reporting date, and its data says so.
    expect(versions[0]?.dueSource).toMatch(/No national reporting date/);
  });

  test('keeps the corrected facts: AIS 2016 organisational items, AIS 2025 levels and steps, EDS 2022 bands', async () => {
    const [ais2016, ais2025, eds2022] = await Promise.all([
      loadVersion(prisma, 'AIS', '2016'),
      loadVersion(prisma, 'AIS', '2025'),
      loadVersion(prisma, 'EDS', '2022'),
    ]);
    for (const code of ['1.3', '1.4', '1.5', '2.3', '5.4', '5.5']) {
      const requirement = ais2016.requirements.find((candidate) => candidate.code === code);
      expect(requirement?.verified).toBe(false);
      expect(requirement?.source).not.toMatch(/^Organisational expectation checked in self-assessment/);
    }
    expect(ais2025.ratingScale.verified).toBe(false);
    expect(ais2025.ratingScale.levels.map((level) => level.label)).toEqual([
      'Basic',
      'Intermediate',
      'Advanced',
      'Exemplar',
    ]);
    const ask = ais2025.groups.find((group) => group.code === '1');
    expect(ask?.source).toMatch(/how to meet the standard/);
    expect(ask?.source).toMatch(/identify/);
    expect(ais2025.statementsName).toMatch(/self-assessment framework 2025\/26/);
    expect(ais2025.statementsVerified).toBe(false);
    expect(
      eds2022.ratingBands.map((band) => [band.minTotal, band.maxTotal, band.label, band.verified]),
    ).toEqual([
      [0, 7, 'Undeveloped', true],
      [8, 21, 'Developing', true],
      [22, 32, 'Achieving', true],
      [33, 33, 'Excelling', true],
    ]);
    for (const band of eds2022.ratingBands) expect(band.source).toMatch(/rdash\.nhs\.uk/);
  });

  test('AIS 2016 has its five steps, each with requirements, and the tracker-owned compliance scale', async () => {
    const version = await loadVersion(prisma, 'AIS', '2016');
    expect(version).toMatchObject({ name: 'Accessible Information Standard (2016)', groupLabel: 'Step' });
    expect(version.identifier).toContain('SCCI1605');
    expect(version.groups.map((group) => group.title)).toEqual([
      'Identify needs',
      'Record needs',
      'Flag needs',
      'Share needs',
      'Meet needs',
    ]);
    for (const group of version.groups) expect(group.requirements.length).toBeGreaterThan(0);
    expect(version.requirements).toHaveLength(17);
    expect(version.ratingScale).toMatchObject({ code: 'ais-2016-compliance', verified: false });
    expect(version.ratingScale.levels.map((level) => [level.code, level.score])).toEqual([
      ['not-met', 0],
      ['partially-met', 1],
      ['fully-met', 2],
    ]);
    expect(version.ratingBands).toEqual([]);
  });

  test('AIS 2025 has six steps and the four maturity levels, with requirements still to verify', async () => {
    const version = await loadVersion(prisma, 'AIS', '2025');
    expect(version).toMatchObject({ identifier: 'DAPB1605 Amd 30/2025', groupLabel: 'Step' });
    expect(version.publishedOn).toEqual(new Date('2025-07-03T00:00:00Z'));
    expect(version.groups.map((group) => group.title)).toEqual([
      'Ask',
      'Record',
      'Flag',
      'Share',
      'Act',
      'Review',
    ]);
    expect(version.requirements).toHaveLength(17);
    expect(version.requirements.every((requirement) => !requirement.verified)).toBe(true);
    expect(version.ratingScale.code).toBe('ais-2025-maturity');
    expect(version.ratingScale.levels.map((level) => [level.code, level.score, level.position])).toEqual([
      ['basic', 1, 1],
      ['intermediate', 2, 2],
      ['advanced', 3, 3],
      ['exemplar', 4, 4],
    ]);
  });

  test('EDS2 has four goals, the 18 outcomes and four coloured grades', async () => {
    const version = await loadVersion(prisma, 'EDS', '2');
    expect(version).toMatchObject({ name: 'EDS2', groupLabel: 'Goal' });
    expect(version.groups.map((group) => [group.code, group.requirements.length])).toEqual([
      ['1', 5],
      ['2', 4],
      ['3', 6],
      ['4', 3],
    ]);
    expect(
      version.groups.flatMap((group) => group.requirements.map((requirement) => requirement.code)),
    ).toEqual(
      ['1.1', '1.2', '1.3', '1.4', '1.5', '2.1', '2.2', '2.3', '2.4'].concat([
        '3.1',
        '3.2',
        '3.3',
        '3.4',
        '3.5',
        '3.6',
        '4.1',
        '4.2',
        '4.3',
      ]),
    );
    const toVerify = version.requirements.filter((requirement) => !requirement.verified).map((r) => r.code);
    expect(toVerify).toEqual(['1.3', '1.4', '1.5', '3.2', '3.3', '3.4', '3.6', '4.1', '4.3']);
    expect(version.ratingScale.code).toBe('eds2-grades');
    expect(version.ratingScale.levels.map((level) => [level.label, level.score, level.colour])).toEqual([
      ['Undeveloped', 0, 'red'],
      ['Developing', 1, 'amber'],
      ['Achieving', 2, 'green'],
      ['Excelling', 3, 'purple'],
    ]);
  });

  test('EDS 2022 has three domains, 11 outcomes scored 0-3 and the overall rating bands', async () => {
    const version = await loadVersion(prisma, 'EDS', '2022');
    expect(version).toMatchObject({ name: 'EDS 2022', groupLabel: 'Domain' });
    expect(version.groups.map((group) => [group.code, group.requirements.length])).toEqual([
      ['1', 4],
      ['2', 4],
      ['3', 3],
    ]);
    expect(
      version.groups.flatMap((group) => group.requirements.map((requirement) => requirement.code)),
    ).toEqual(['1A', '1B', '1C', '1D', '2A', '2B', '2C', '2D', '3A', '3B', '3C']);
    expect(version.ratingScale.code).toBe('eds2022-scores');
    expect(version.ratingScale.levels.map((level) => [level.score, level.label])).toEqual([
      [0, 'Undeveloped'],
      [1, 'Developing'],
      [2, 'Achieving'],
      [3, 'Excelling'],
    ]);
    expect(
      version.ratingBands.map((band) => [band.minTotal, band.maxTotal, band.label, band.verified]),
    ).toEqual([
      [0, 7, 'Undeveloped', true],
      [8, 21, 'Developing', true],
      [22, 32, 'Achieving', true],
      [33, 33, 'Excelling', true],
    ]);
  });

  test('every requirement uses its version scale and belongs to a group of its own version', async () => {
    const versions = await prisma.frameworkVersion.findMany({
      include: { requirements: { include: { group: true } } },
    });
    for (const version of versions) {
      for (const requirement of version.requirements) {
        expect(requirement.ratingScaleId).toBe(version.ratingScaleId);
        expect(requirement.group.frameworkVersionId).toBe(version.id);
      }
    }
  });

  test("records the SHA-256 of each file's exact bytes", async () => {
    const versions = await prisma.frameworkVersion.findMany({ include: { framework: true } });
    const hashes = Object.fromEntries(
      versions.map((v) => [`${v.framework.code} ${v.code}`, v.contentSha256]),
    );
    const fileHash = async (file: string) => sha256(await readFile(join(STANDARDS_DIR, file)));
    expect(hashes).toEqual({
      'AIS 2016': await fileHash('ais-2016.json'),
      'AIS 2025': await fileHash('ais-2025.json'),
      'EDS 2022': await fileHash('eds-2022.json'),
      'EDS 2': await fileHash('eds2.json'),
    });
  });

  test('every version, scale, band, group and requirement names its source and has its text', async () => {
    const state = await databaseState(prisma);
    const sourced = [
      ...state.versions,
      ...state.scales,
      ...state.bands,
      ...state.groups,
      ...state.requirements,
    ];
    expect(sourced.length).toBeGreaterThan(60);
    for (const item of sourced) expect(item.source.trim()).not.toBe('');
    for (const group of state.groups) expect([group.title, group.description]).not.toContain('');
    for (const requirement of state.requirements) {
      for (const text of [requirement.title, requirement.guidance, requirement.evidenceExpected]) {
        expect(text.trim().length).toBeGreaterThan(10);
      }
    }
    for (const level of state.levels) expect(level.description.trim()).not.toBe('');
  });
});

describe('importing into a database that already holds the standards', () => {
  let prisma: Db;

  beforeAll(async () => {
    ({ prisma } = await loadedDatabase());
  });

  test('reports every file unchanged and writes nothing', async () => {
    const before = await databaseState(prisma);
    const summary = await importStandards(prisma, testLogger);
    expect(summary.map((entry) => entry.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(summary.map((entry) => entry.file)).toEqual(FILES);
    expect(await databaseState(prisma)).toEqual(before);
  });

  test('refuses a changed file of a loaded version and writes nothing, not even a new version', async () => {
    const dir = await copyOfStandards();
    // Sorted before the changed file, so it is written first and must be rolled back.
    const newVersion = await readStandardFile(dir, 'ais-2025.json');
    newVersion.version.code = '2030';
    await writeStandardFile(dir, 'ais-2030.json', newVersion);
    await editStandardFile(dir, 'eds-2022.json', (data) => {
      at(at(data.groups, 0).requirements, 0).title = 'A quietly reworded outcome';
    });
    await expectRefusedAndUnchanged(prisma, dir, [
      /eds-2022\.json/,
      /version 2022 of EDS/,
      /already|loaded/,
      /new version file/,
    ]);
    const outcome = await prisma.requirement.findFirstOrThrow({
      where: { code: '1A', frameworkVersion: { code: '2022' } },
    });
    expect(outcome.title).toBe('Patients can get the level of access they need');
  });

  test('refuses a new version that reuses a scale code with different levels', async () => {
    const dir = await folderWith({
      'eds-2030.json': {
        from: 'eds-2022.json',
        edit: (data) => {
          data.version.code = '2030';
          data.ratingScale.code = 'eds2-grades';
          at(data.ratingScale.levels, 0).label = 'Not started';
        },
      },
    });
    await expectRefusedAndUnchanged(prisma, dir, [/eds-2030\.json/, /rating scale eds2-grades/, /label/]);
  });

  test('refuses a new version whose framework details differ from the database', async () => {
    const dir = await folderWith({
      'ais-2030.json': {
        from: 'ais-2025.json',
        edit: (data) => {
          data.version.code = '2030';
          data.ratingScale.code = 'ais-2030-maturity';
          data.framework.name = 'Accessible Information Standards';
        },
      },
    });
    await expectRefusedAndUnchanged(prisma, dir, [/ais-2030\.json/, /framework AIS/, /name /]);
  });

  test('imports a new version file beside the loaded ones, sharing the existing scale', async () => {
    const dir = await copyOfStandards();
    const data = await readStandardFile(dir, 'eds-2022.json');
    data.version.code = '2030';
    data.version.name = 'EDS 2030 (test)';
    await writeStandardFile(dir, 'eds-2030.json', data);
    const before = await databaseState(prisma);

    const summary = await importStandards(prisma, testLogger, dir);

    expect(outcomes(summary)).toEqual([
      'ais-2016.json AIS 2016 unchanged',
      'ais-2025.json AIS 2025 unchanged',
      'eds-2022.json EDS 2022 unchanged',
      'eds-2030.json EDS 2030 imported',
      'eds2.json EDS 2 unchanged',
    ]);
    const after = await databaseState(prisma);
    expect(after.versions).toHaveLength(before.versions.length + 1);
    expect(after.requirements).toHaveLength(before.requirements.length + 11);
    expect(after.scales).toEqual(before.scales);
    const [old, added] = await Promise.all([
      loadVersion(prisma, 'EDS', '2022'),
      loadVersion(prisma, 'EDS', '2030'),
    ]);
    expect(added.ratingScaleId).toBe(old.ratingScaleId);
    expect(added.ratingBands).toHaveLength(4);
  });
});

describe("data corrections and next year's statements", () => {
  let prisma: Db;
  let returnId: string;

  beforeAll(async () => {
    ({ prisma } = await loadedDatabase());
    // An answered EDS 2022 return: a correction must leave its answers and results as they were.
    const provider = await createProvider(prisma);
    const manager = await createUser(prisma, { role: 'contract_manager' });
    const contract = await createContract(prisma, provider.id, manager.id);
    const period = await createPeriod(prisma);
    const eds = await frameworkVersion(prisma, 'EDS', '2022');
    const created = await createReturn(prisma, {
      contractId: contract.id,
      providerId: provider.id,
      frameworkVersionId: eds.id,
      periodId: period.id,
    });
    returnId = created.id;
    const levels = await prisma.ratingLevel.findMany({ where: { scaleId: eds.ratingScaleId } });
    for (const [index, response] of created.responses.entries()) {
      await prisma.response.update({
        where: { id: response.id },
        data: { ratingLevelId: at(levels, index % levels.length).id, narrative: `Answer ${index}` },
      });
    }
  });

  async function answersAndResults() {
    const version = await frameworkVersion(prisma, 'EDS', '2022');
    const responses = await prisma.response.findMany({
      where: { returnId },
      orderBy: { requirementId: 'asc' },
      include: { requirement: { include: { group: true } }, ratingLevel: true },
    });
    const basis = await findResultsBasis(prisma, version.id);
    if (!basis) throw new Error('EDS 2022 not loaded');
    const rated = responses.map((response) => ({
      groupCode: response.requirement.group.code,
      requirementCode: response.requirement.code,
      requirementTitle: response.requirement.title,
      ratingLevelCode: response.ratingLevel?.code ?? null,
    }));
    return {
      answers: responses.map(({ id, ratingLevelId, narrative, version: rowVersion, updatedAt }) => ({
        id,
        ratingLevelId,
        narrative,
        rowVersion,
        updatedAt,
      })),
      results: computeResults(rated, basis),
    };
  }

  test('applies a change of sources, verified flags and due date to a loaded version, keeping every answer and result', async () => {
    const before = await answersAndResults();
    expect(before.results).toMatchObject({ kind: 'total-score', complete: true });
    const dir = await copyOfStandards();
    await editStandardFile(dir, 'eds-2022.json', (data) => {
      at(data.overallRatingBands, 2).source = 'A corrected source for the Achieving band.';
      at(data.overallRatingBands, 2).verified = false;
      at(at(data.groups, 0).requirements, 1).verified = false;
      data.version.due = {
        month: 3,
        day: 31,
        national: true,
        source: 'A national date found later.',
        verified: true,
      };
    });

    const summary = await importStandards(prisma, testLogger, dir);

    expect(outcomes(summary)).toContain('eds-2022.json EDS 2022 corrected');
    expect(summary.filter((entry) => entry.outcome === 'corrected')).toHaveLength(1);
    const version = await loadVersion(prisma, 'EDS', '2022');
    expect(at(version.ratingBands, 2)).toMatchObject({
      source: 'A corrected source for the Achieving band.',
      verified: false,
      minTotal: 22,
      maxTotal: 32,
    });
    expect(at(at(version.groups, 0).requirements, 1).verified).toBe(false);
    expect(version).toMatchObject({ dueMonth: 3, dueDay: 31, dueNational: true, dueVerified: true });
    expect(version.correctedAt).toBeInstanceOf(Date);
    const bytes = await readFile(join(dir, 'eds-2022.json'));
    expect(version.contentSha256).toBe(sha256(bytes));
    expect(await answersAndResults()).toEqual(before);
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: 'standard.data_corrected', entityId: version.id },
    });
    expect(JSON.stringify(audit.after)).toContain('A corrected source for the Achieving band.');

    // Loading the corrected file again changes nothing.
    const again = await importStandards(prisma, testLogger, dir);
    expect(again.map((entry) => entry.outcome)).toEqual(FILES.map(() => 'unchanged'));
  });

  test("corrects a loaded scale's level colours (presentation, not content), keeping every answer and result", async () => {
    const before = await answersAndResults();
    const dir = await copyOfStandards();
    // EDS 2022's scale is its own: a colour changed in its file alone is a correction of that version.
    await editStandardFile(dir, 'eds-2022.json', (data) => {
      at(data.ratingScale.levels, 3).colour = 'blue';
    });

    const summary = await importStandards(prisma, testLogger, dir);

    expect(outcomes(summary)).toContain('eds-2022.json EDS 2022 corrected');
    const version = await loadVersion(prisma, 'EDS', '2022');
    expect(version.ratingScale.levels.map((level) => level.colour)).toEqual([
      'red',
      'amber',
      'green',
      'blue',
    ]);
    expect(version.contentSha256).toBe(sha256(await readFile(join(dir, 'eds-2022.json'))));
    expect(await answersAndResults()).toEqual(before);
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: 'standard.data_corrected', entityId: version.id },
      orderBy: { occurredAt: 'desc' },
    });
    expect((audit.after as { changed: unknown[] }).changed).toContainEqual({
      fact: 'level excelling colour',
      before: 'purple',
      after: 'blue',
    });

    // Back to the repository's file: corrected again, to the data's own colours.
    const back = await importStandards(prisma, testLogger);
    expect(outcomes(back)).toContain('eds-2022.json EDS 2022 corrected');
    const restored = await loadVersion(prisma, 'EDS', '2022');
    expect(at(restored.ratingScale.levels, 3).colour).toBe('purple');
  });

  test('refuses two files sharing a scale whose level colours disagree', async () => {
    const dir = await copyOfStandards();
    const next = await readStandardFile(dir, 'ais-2025.json');
    next.version.code = '2031';
    at(next.ratingScale.levels, 0).colour = 'grey';
    await writeStandardFile(dir, 'ais-2031.json', next);
    await expectRefusedAndUnchanged(prisma, dir, [/ais-2025-maturity/, /colour "red" vs "grey"/]);
  });

  test('refuses a change to what returns are answered against, naming the field, and writes nothing', async () => {
    const dir = await copyOfStandards();
    await editStandardFile(dir, 'eds-2022.json', (data) => {
      at(data.groups, 0).source = 'Another source, fine on its own.';
      at(data.overallRatingBands, 2).maxTotal = 30;
      at(data.overallRatingBands, 3).minTotal = 31;
    });
    await expectRefusedAndUnchanged(prisma, dir, [
      /eds-2022\.json/,
      /not only in sources, verified flags, due dates or colours/,
      /bands\[2\]\.maxTotal 32 vs 30/,
      /new version file/,
    ]);
  });

  test("loads next year's AIS self-assessment statements as a new version, leaving returns on this year's as they are", async () => {
    const dir = await copyOfStandards();
    const next = await readStandardFile(dir, 'ais-2025.json');
    next.version.code = '2025-26-27';
    next.version.name = 'Accessible Information Standard (2025), statements for 2026/27';
    if (!next.version.statements) throw new Error('AIS 2025 has no statement set');
    next.version.statements.name = 'AIS self-assessment framework 2026/27 (test)';
    at(at(next.groups, 0).requirements, 0).title = 'A statement reworded for next year';
    await writeStandardFile(dir, 'ais-2025-26-27.json', next);
    const before = await databaseState(prisma);

    const summary = await importStandards(prisma, testLogger, dir);

    expect(outcomes(summary)).toContain('ais-2025-26-27.json AIS 2025-26-27 imported');
    expect(outcomes(summary)).toContain('ais-2025.json AIS 2025 unchanged');
    const after = await databaseState(prisma);
    expect(after.versions).toHaveLength(before.versions.length + 1);
    const [thisYear, nextYear] = await Promise.all([
      loadVersion(prisma, 'AIS', '2025'),
      loadVersion(prisma, 'AIS', '2025-26-27'),
    ]);
    expect(thisYear.statementsName).toMatch(/2025\/26/);
    expect(nextYear.statementsName).toBe('AIS self-assessment framework 2026/27 (test)');
    expect(nextYear.ratingScaleId).toBe(thisYear.ratingScaleId);
    expect(at(at(thisYear.groups, 0).requirements, 0).title).not.toBe('A statement reworded for next year');
    // This year's statements are exactly as they were.
    const ais2025 = (rows: typeof before.requirements) =>
      rows.filter((row) => row.frameworkVersionId === thisYear.id);
    expect(ais2025(after.requirements)).toEqual(ais2025(before.requirements));
    expect(ais2025(before.requirements)).toHaveLength(17);
  });
});

describe('invalid standards files', () => {
  let prisma: Db;

  beforeAll(async () => {
    prisma = await emptyDatabase();
  });

  afterEach(async () => {
    // The other files are valid and new, yet nothing of them may be written either.
    await expectNothingWritten(prisma);
  });

  test.each<[string, string, (data: StandardFileInput) => void, RegExp[]]>([
    [
      'a requirement without its title',
      'eds2.json',
      (data) => Reflect.deleteProperty(at(at(data.groups, 1).requirements, 2), 'title'),
      [/groups\[1\]\.requirements\[2\]\.title: is required/],
    ],
    [
      'a duplicate requirement code in another group',
      'ais-2025.json',
      (data) => {
        at(at(data.groups, 2).requirements, 1).code = '1.1';
      },
      [/groups\[2\]\.requirements\[1\]\.code: duplicate requirement code "1\.1"/],
    ],
    [
      'a duplicate group position',
      'ais-2016.json',
      (data) => {
        at(data.groups, 4).position = 1;
      },
      [/groups\[4\]\.position: duplicate group position 1/],
    ],
    [
      'a duplicate level position',
      'eds2.json',
      (data) => {
        at(data.ratingScale.levels, 3).position = 3;
      },
      [/ratingScale\.levels\[3\]\.position: duplicate level position 3/],
    ],
    [
      'overlapping bands',
      'eds-2022.json',
      (data) => {
        at(data.overallRatingBands, 2).minTotal = 20;
      },
      [/overallRatingBands\[2\]\.minTotal: band Achieving \(20-32\) overlaps band Developing \(8-21\)/],
    ],
    [
      'a gap between bands',
      'eds-2022.json',
      (data) => {
        at(data.overallRatingBands, 1).maxTotal = 20;
      },
      [/total 21 falls in no band/],
    ],
    [
      'bands that stop short of the highest total',
      'eds-2022.json',
      (data) => {
        data.overallRatingBands = data.overallRatingBands?.slice(0, 3);
      },
      [/bands must end at the highest possible total 33/],
    ],
    [
      'a due date not every year has',
      'eds-2022.json',
      (data) => {
        data.version.due.day = 29;
      },
      [/version\.due\.day: must be a day every year has in month 2 \(1 to 28\)/],
    ],
    [
      'an unknown field and a wrong type',
      'ais-2016.json',
      (data) => {
        Object.assign(data.version, { publisher: 'someone' });
        Object.assign(data.version.due, { month: 'March' });
      },
      [/version: Unrecognized key: "publisher"/, /version\.due\.month: must be a whole number/],
    ],
  ])('refuses %s, naming the file and the problem', async (_what, file, edit, patterns) => {
    const dir = await copyOfStandards();
    await editStandardFile(dir, file, edit);
    await refusedImport(prisma, dir, [
      new RegExp(`Standards file ${file.replace('.', '\\.')} is invalid`),
      ...patterns,
    ]);
  });

  test('reports the problems of every bad file at once', async () => {
    const dir = await copyOfStandards();
    await editStandardFile(dir, 'ais-2016.json', (data) => {
      at(data.groups, 0).source = ' ';
    });
    await writeFile(join(dir, 'eds2.json'), '{ "framework": ');
    await refusedImport(prisma, dir, [
      /Standards file ais-2016\.json is invalid:\n {2}- groups\[0\]\.source: must name where the fact comes from/,
      /Standards file eds2\.json is invalid:\n {2}- not valid JSON/,
    ]);
  });

  test('refuses two files that describe one framework differently', async () => {
    const dir = await copyOfStandards();
    await editStandardFile(dir, 'ais-2025.json', (data) => {
      data.framework.name = 'Accessible Information Standard (renamed)';
    });
    await refusedImport(prisma, dir, [
      /ais-2016\.json and ais-2025\.json describe framework AIS differently/,
      /name/,
    ]);
  });

  test('refuses two files that hold the same version', async () => {
    const dir = await copyOfStandards();
    await cp(join(dir, 'eds2.json'), join(dir, 'eds2-copy.json'));
    await refusedImport(prisma, dir, [/eds2-copy\.json and eds2\.json both hold version EDS 2/]);
  });
});

describe('concurrent imports', () => {
  test('two app instances importing at once load each version exactly once', async () => {
    const prisma = await emptyDatabase();
    const [first, second] = await Promise.all([
      importStandards(prisma, testLogger),
      importStandards(prisma, testLogger),
    ]);
    const imported = [...first, ...second]
      .filter((entry) => entry.outcome === 'imported')
      .map((entry) => entry.file);
    expect(imported.sort()).toEqual(FILES);
    expect(await prisma.frameworkVersion.count()).toBe(4);
    expect(await prisma.requirement.count()).toBe(17 + 17 + 11 + 18);
  });
});

describe('the per-service rule for EDS 2022 Domain 1 (issue 14)', () => {
  test('a version loaded before the rule gains it as a data correction; once loaded its group and rule are content', async () => {
    const prisma = await emptyDatabase();
    const before = await folderWith({
      'eds-2022.json': { from: 'eds-2022.json', edit: (data) => void (data.version.perService = null) },
    });
    await importStandards(prisma, testLogger, before);
    expect(await loadVersion(prisma, 'EDS', '2022')).toMatchObject({ perServiceGroupCode: null });

    const now = await folderWith({ 'eds-2022.json': { from: 'eds-2022.json', edit: () => undefined } });
    const summary = await importStandards(prisma, testLogger, now);
    expect(outcomes(summary)).toEqual(['eds-2022.json EDS 2022 corrected']);
    expect(await loadVersion(prisma, 'EDS', '2022')).toMatchObject({
      perServiceGroupCode: '1',
      perServiceMinimum: 1,
      perServiceCombine: 'mean',
      perServiceVerified: false,
    });
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { action: 'standard.data_corrected' } });
    expect(JSON.stringify(audit.after)).toContain('perServiceCombine');

    // Its source, verified flag and minimum may be corrected...
    const corrected = await folderWith({
      'eds-2022.json': {
        from: 'eds-2022.json',
        edit: (data) => {
          if (!data.version.perService) throw new Error('EDS 2022 has no per-service rule');
          data.version.perService.minimum = 2;
          data.version.perService.verified = true;
          data.version.perService.source = 'The technical guidance, found later.';
        },
      },
    });
    expect(outcomes(await importStandards(prisma, testLogger, corrected))).toEqual([
      'eds-2022.json EDS 2022 corrected',
    ]);
    expect(await loadVersion(prisma, 'EDS', '2022')).toMatchObject({
      perServiceMinimum: 2,
      perServiceVerified: true,
    });

    // ...but not the group it applies to, which would change every multi-service return's results.
    const moved = await folderWith({
      'eds-2022.json': {
        from: 'eds-2022.json',
        edit: (data) => {
          if (!data.version.perService) throw new Error('EDS 2022 has no per-service rule');
          data.version.perService.groupCode = '2';
        },
      },
    });
    await expectRefusedAndUnchanged(prisma, moved, [/perService\.groupCode "1" vs "2"/, /new version file/]);
  });

  test('a rule naming a group the version does not have is refused with the field named', async () => {
    const prisma = await emptyDatabase();
    const dir = await folderWith({
      'eds-2022.json': {
        from: 'eds-2022.json',
        edit: (data) => {
          if (!data.version.perService) throw new Error('EDS 2022 has no per-service rule');
          data.version.perService.groupCode = '9';
        },
      },
    });
    await refusedImport(prisma, dir, [
      /version\.perService\.groupCode: must be the code of one of the version's groups/,
    ]);
  });
});
