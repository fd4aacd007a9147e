import ExcelJS from 'exceljs';
import { computeResults, parseTally, responsesFromTally } from '../../src/frameworks/results.js';
import { findResultsBasis } from '../../src/frameworks/results.queries.js';
import { pathTo, paths } from '../../src/paths.js';
import { readVersionMappings } from '../../src/frameworks/version-mappings.js';
import { STANDARD_MAPPINGS_DIR } from '../../src/project-root.js';
import { findSnapshotSource } from '../../src/returns/queries.js';
import { parseSnapshot } from '../../src/review/snapshot-diff.js';
import { buildReturnSnapshot } from '../../src/returns/snapshot.js';
import { buildTestApp, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createPeriod,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { submitReturn, textOf } from '../support/review-fixtures.js';
import { requirementsInOrder } from './returns-helpers.js';

// Issue 14: an EDS 2022 return assessing two services in Domain 1. Worked by hand:
//   Maternity          1A Excelling 3, 1B Achieving 2, 1C Achieving 2, 1D Developing 1 = 8 of 12
//   Community nursing  1A Developing 1, 1B Developing 1, 1C Undeveloped 0, 1D Developing 1 = 3 of 12
//   Domain 1: the mean of the services' totals, (8 + 3) / 2 = 5.5 out of 12
//   Domain 2: 2A-2D Achieving, 4 x 2 = 8 out of 12; Domain 3: 3A-3C Developing, 3 x 1 = 3 out of 9
//   Overall: 5.5 + 8 + 3 = 16.5 out of 33, in the band 8-21: Developing
// The same figures from the matrix's tally, from a submission's snapshot, on the provider's page and
// in the EDS report.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
});
afterAll(async () => {
  await db.drop();
});

const MATERNITY: Record<string, string> = {
  '1A': 'excelling',
  '1B': 'achieving',
  '1C': 'achieving',
  '1D': 'developing',
};
const COMMUNITY: Record<string, string> = {
  '1A': 'developing',
  '1B': 'developing',
  '1C': 'undeveloped',
  '1D': 'developing',
};

test('Domain 1 is the mean of two services’ totals: 5.5 of 12, overall 16.5 of 33, Developing', async () => {
  const w = await createTwoProviderWorld(db.prisma);
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const period = await createPeriod(db.prisma);
  const ret = await createReturn(db.prisma, {
    contractId: w.contractA.id,
    providerId: w.providerA.id,
    frameworkVersionId: eds.id,
    periodId: period.id,
  });
  // A new return's Domain 1 answers start on one service, "All services": the lead renames it and adds one.
  const [first, ...others] = await db.prisma.returnService.findMany({ where: { returnId: ret.id } });
  expect(first?.name).toBe('All services');
  expect(others).toEqual([]);
  if (!first) throw new Error('no service');
  const maternity = await db.prisma.returnService.update({
    where: { id: first.id },
    data: { name: 'Maternity', whyChosen: 'Patients told us waiting times differ' },
  });
  const community = await db.prisma.returnService.create({
    data: { returnId: ret.id, name: 'Community nursing', whyChosen: 'Complaints rose', position: 2 },
  });
  for (const requirement of await requirementsInOrder(db.prisma, eds.id)) {
    const level = (code: string) => {
      const found = requirement.ratingScale.levels.find((candidate) => candidate.code === code);
      if (!found) throw new Error(`no level ${code}`);
      return found.id;
    };
    const narrative = `Evidence for ${requirement.code}`;
    if (requirement.group.code === '1') {
      await db.prisma.response.updateMany({
        where: { returnId: ret.id, requirementId: requirement.id, serviceId: maternity.id },
        data: { ratingLevelId: level(MATERNITY[requirement.code] ?? ''), narrative },
      });
      await db.prisma.response.create({
        data: {
          returnId: ret.id,
          requirementId: requirement.id,
          serviceId: community.id,
          ratingLevelId: level(COMMUNITY[requirement.code] ?? ''),
          narrative: `Community ${narrative}`,
        },
      });
    } else {
      await db.prisma.response.updateMany({
        where: { returnId: ret.id, requirementId: requirement.id },
        data: {
          ratingLevelId: level(requirement.group.code === '2' ? 'achieving' : 'developing'),
          narrative,
        },
      });
    }
  }
  const basis = await findResultsBasis(db.prisma, eds.id);
  if (!basis) throw new Error('no basis');

  // From the tally, as the compliance matrix and the provider's page compute it.
  const perGroup = new Map([
    ['1', 4],
    ['2', 4],
    ['3', 3],
  ]);
  const tally = await db.prisma.returnTally.findUniqueOrThrow({ where: { returnId: ret.id } });
  const fromTally = computeResults(responsesFromTally(perGroup, parseTally(tally.tally)), basis);
  expect(fromTally).toMatchObject({
    kind: 'total-score',
    complete: true,
    total: 16.5,
    exactTotal: { numerator: 33, denominator: 2 },
    maximum: 33,
    band: { label: 'Developing' },
    totalText: '16.5 out of 33',
  });

  // From a submission's snapshot: each service's subtotal by name, in the lead's order.
  const snapshot = buildReturnSnapshot(
    await findSnapshotSource(db.prisma, ret.id, await readVersionMappings(STANDARD_MAPPINGS_DIR)),
  );
  expect(snapshot.services).toEqual([
    { serviceId: maternity.id, name: 'Maternity', whyChosen: 'Patients told us waiting times differ' },
    { serviceId: community.id, name: 'Community nursing', whyChosen: 'Complaints rose' },
  ]);
  const results = computeResults(snapshot.responses, basis);
  if (results.kind !== 'total-score') throw new Error('not scored');
  expect(results.totalText).toBe('16.5 out of 33');
  expect(results.ratingText).toBe('Developing');
  expect(results.groups.map((group) => group.scoreText)).toEqual([
    '5.5 out of 12 (mean of 2 services)',
    '8 out of 12',
    '3 out of 9',
  ]);
  expect(results.groups[0]?.services?.map((service) => [service.name, service.subtotal])).toEqual([
    ['Maternity', 8],
    ['Community nursing', 3],
  ]);

  // The provider's page (from the tally; staff see it) and the EDS report (from the live answers).
  const staff = await signedInAgent(buildTestApp(db), w.manager.id);
  const hub = await staff.get(pathTo(paths.providers.show, { providerId: w.providerA.id })).expect(200);
  expect(hub.text).toContain('Score 16.5 out of 33');
  expect(hub.text).toContain('Domain 1: 5.5 out of 12 (mean of 2 services)');
  const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
  const report = await lead.get(pathTo(paths.returns.edsReport, { returnId: ret.id })).expect(200);
  expect(report.text).toContain('Domain 1 score: 5.5 out of 12 (mean of 2 services)');
  expect(report.text).toContain('1A (Maternity)');
  expect(report.text).toContain('1D (Community nursing)');
  expect(report.text).toContain('Community Evidence for 1C');
  expect(report.text).toContain('16.5 out of 33');
  expect(report.text).toContain('Developing');

  // The answers export names each Domain 1 answer's service, in the lead's order of services.
  const csv = await staff
    .get(
      `${paths.exports.requirements}?${new URLSearchParams({ periodId: period.id, format: 'csv' }).toString()}`,
    )
    .expect(200);
  const codes = [...csv.text.matchAll(/,(1[A-D](?: \([^)]*\))?),/g)].map((match) => match[1]);
  expect(codes).toEqual([
    '1A (Maternity)',
    '1B (Maternity)',
    '1C (Maternity)',
    '1D (Maternity)',
    '1A (Community nursing)',
    '1B (Community nursing)',
    '1C (Community nursing)',
    '1D (Community nursing)',
  ]);

  // The workbook has one row per outcome: a return with several services is refused, saying why.
  const workbook = await lead.get(pathTo(paths.returns.workbook, { returnId: ret.id }));
  expect(workbook.status).toBe(409);
  expect(workbook.text).toContain('more than one service in Domain 1');

  // The reviewer sees each service's answers apart, named by the service.
  await submitReturn(db.prisma, ret.id, w.leadA.id);
  const review = await staff.get(pathTo(paths.review.show, { returnId: ret.id })).expect(200);
  expect(review.text).toContain('id="requirement-1A-service-1"');
  expect(review.text).toContain('1A (Maternity)');
  expect(review.text).toContain('1A (Community nursing)');
  expect(review.text).toContain('Community Evidence for 1C');
  expect(review.text).toContain('16.5 out of 33');
  expect(review.text).toContain('5.5 out of 12 (mean of 2 services)');
  // The matrix reads the same tally: the provider's cell gives the combined score.
  const matrix = textOf(
    (await staff.get(`${paths.matrix.show}?period=${period.id}&obligation=none`).expect(200)).text,
  );
  expect(matrix).toContain('Score 16.5 out of 33');
  // The heat map: one cell per outcome, the weakest service's level, saying so (1A: Excelling and
  // Developing; 1C: Achieving and Undeveloped), never whichever service's answer came last.
  const heatmap = textOf(
    (await staff.get(`${paths.heatmap}?standard=${eds.id}&period=${period.id}`).expect(200)).text,
  );
  expect(heatmap).toContain('Developing (1), lowest of 2 services');
  expect(heatmap).toContain('Undeveloped (0), lowest of 2 services');
  // As trends and the review read it back from the database: the services survive the round trip.
  const stored = await db.prisma.returnSubmission.findFirstOrThrow({ where: { returnId: ret.id } });
  expect(computeResults(parseSnapshot(stored.snapshot).responses, basis)).toMatchObject({
    total: 16.5,
    band: { label: 'Developing' },
  });
});

test('a mean that is not a whole number of tenths: the report workbook’s cell says 7.3, as the words beside it', async () => {
  // Three services: 8, 3 and 11 of 12; Domain 1 is 22/3 = 7.333..., shown "7.3 out of 12".
  const w = await createTwoProviderWorld(db.prisma);
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const ret = await createReturn(db.prisma, {
    contractId: w.contractA.id,
    providerId: w.providerA.id,
    frameworkVersionId: eds.id,
    periodId: (await createPeriod(db.prisma)).id,
  });
  const [first] = await db.prisma.returnService.findMany({ where: { returnId: ret.id } });
  if (!first) throw new Error('no service');
  const services = [
    { id: first.id, ratings: MATERNITY },
    {
      id: (
        await db.prisma.returnService.create({ data: { returnId: ret.id, name: 'Community', position: 2 } })
      ).id,
      ratings: COMMUNITY,
    },
    {
      id: (
        await db.prisma.returnService.create({
          data: { returnId: ret.id, name: 'Mental health', position: 3 },
        })
      ).id,
      ratings: { '1A': 'excelling', '1B': 'excelling', '1C': 'excelling', '1D': 'achieving' } as Record<
        string,
        string
      >,
    },
  ];
  for (const requirement of await requirementsInOrder(db.prisma, eds.id)) {
    const level = (code: string) =>
      requirement.ratingScale.levels.find((candidate) => candidate.code === code)?.id;
    if (requirement.group.code !== '1') {
      await db.prisma.response.updateMany({
        where: { returnId: ret.id, requirementId: requirement.id },
        data: { ratingLevelId: level('achieving'), narrative: 'Evidence' },
      });
      continue;
    }
    for (const service of services) {
      const data = { ratingLevelId: level(service.ratings[requirement.code] ?? ''), narrative: 'Evidence' };
      const updated = await db.prisma.response.updateMany({
        where: { returnId: ret.id, requirementId: requirement.id, serviceId: service.id },
        data,
      });
      if (updated.count === 0)
        await db.prisma.response.create({
          data: { returnId: ret.id, requirementId: requirement.id, serviceId: service.id, ...data },
        });
    }
  }

  const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
  const page = await lead.get(pathTo(paths.returns.edsReport, { returnId: ret.id })).expect(200);
  expect(page.text).toContain('Domain 1 score: 7.3 out of 12 (mean of 3 services)');
  const res = await lead
    .get(pathTo(paths.returns.edsReportXlsx, { returnId: ret.id }))
    .buffer(true)
    .parse((response, callback) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => callback(null, Buffer.concat(chunks)));
    })
    .expect(200);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(res.body as ArrayBuffer);
  const sheet = workbook.getWorksheet('Domain 1');
  if (!sheet) throw new Error('no Domain 1 sheet');
  const total = sheet.getRow(sheet.rowCount);
  expect(total.getCell(3).type).toBe(ExcelJS.ValueType.Number);
  expect(total.getCell(3).value).toBe(7.3);
  expect(total.getCell(4).value).toBe('7.3 out of 12 (mean of 3 services)');
  // Overall: 22/3 + 8 + 6 = 64/3, shown to one decimal place as well.
  const overall = workbook.getWorksheet('Overall rating');
  const rows: unknown[][] = [];
  overall?.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  expect(Object.fromEntries(rows as [string, string][])['Total score']).toBe('21.3 out of 33');
});
