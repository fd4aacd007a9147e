import { parse } from 'csv-parse/sync';
import { REQUIREMENT_EXPORT_HEADER } from '../../src/exports/requirement-export.js';
import { computeResults, type MaturityResults } from '../../src/frameworks/results.js';
import { findResultsBasis } from '../../src/frameworks/results.queries.js';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, signedInAgent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { submitReturn } from '../support/review-fixtures.js';
import {
  answerEveryRequirement,
  answerFields,
  postForm,
  requirementPath,
  requirementsInOrder,
  type World,
} from './returns-helpers.js';

// Issue 14: "not applicable" where the standard's data allows it (AIS 1.2 and 4.1), always with a
// reason; left out of results by the version's rule; shown to the reviewer, who can return it; in the
// matrix's tallies and in exports.

let db: TestDatabase;
let w: World;
const NA = 'not-applicable:';

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  w = await createTwoProviderWorld(db.prisma);
});
afterAll(async () => {
  await db.drop();
});

async function requirement(code: string) {
  const found = (await requirementsInOrder(db.prisma, w.ais.id)).find((item) => item.code === code);
  if (!found) throw new Error(`No AIS 2025 requirement ${code}`);
  return found;
}

function response(requirementId: string) {
  return db.prisma.response.findFirstOrThrow({
    where: { returnId: w.returnA.id, requirementId },
  });
}

describe('answering "not applicable"', () => {
  test('is offered only where the data allows it, and needs a reason even as a draft', async () => {
    const carers = await requirement('1.2');
    const asking = await requirement('1.1');
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);

    const allowed = await lead.get(requirementPath(w.returnA.id, carers.id)).expect(200);
    expect(allowed.text).toContain(`value="${NA}"`);
    expect(allowed.text).toContain('If not applicable, why not?');
    const notAllowed = await lead.get(requirementPath(w.returnA.id, asking.id)).expect(200);
    expect(notAllowed.text).not.toContain(`value="${NA}"`);

    const refused = await postForm(
      lead,
      requirementPath(w.returnA.id, asking.id),
      requirementPath(w.returnA.id, asking.id),
      {
        ...answerFields({ rating: NA, notApplicableReason: 'We do not ask.', action: 'draft' }),
        version: '1',
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('Select a rating from the list for requirement 1.1');

    const url = requirementPath(w.returnA.id, carers.id);
    const noReason = await postForm(lead, url, url, {
      ...answerFields({ rating: NA, action: 'draft' }),
      version: '1',
    });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain(
      '<a href="#notApplicableReason">Enter why requirement 1.2 does not apply to you</a>',
    );
    expect(await response(carers.id)).toMatchObject({ notApplicable: false, version: 1 });
  });

  test('with a reason it completes the requirement without a rating or narrative, and is audited', async () => {
    const carers = await requirement('1.2');
    const lead = await signedInAgent(buildTestApp(db), w.leadA.id);
    const url = requirementPath(w.returnA.id, carers.id);
    const saved = await postForm(lead, url, url, {
      ...answerFields({
        rating: NA,
        notApplicableReason: 'Adults only; no carers or parents receive information.',
      }),
      version: '1',
    });
    expect(saved.status).toBe(302);
    const row = await response(carers.id);
    expect(row).toMatchObject({
      notApplicable: true,
      notApplicableReason: 'Adults only; no carers or parents receive information.',
      ratingLevelId: null,
    });
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { entityId: row.id, action: 'response.saved' },
    });
    expect(event.after).toMatchObject({ notApplicable: true });
    const page = await lead.get(url).expect(200);
    expect(page.text).toMatch(new RegExp(`value="${NA}" checked`));
    const taskList = await lead.get(pathTo(paths.returns.show, { returnId: w.returnA.id })).expect(200);
    const carersRow = taskList.text.slice(taskList.text.indexOf('Carers and parents are asked'));
    expect(carersRow.slice(0, 1500)).toContain('Completed');
  });

  test('the database refuses "not applicable" with a rating or without a reason', async () => {
    const carers = await requirement('1.2');
    const level = carers.ratingScale.levels[0];
    await expect(
      db.prisma.response.update({
        where: { id: (await response(carers.id)).id },
        data: { ratingLevelId: level?.id ?? null },
      }),
    ).rejects.toThrow();
    await expect(
      db.prisma.response.update({
        where: { id: (await response(carers.id)).id },
        data: { notApplicableReason: ' ' },
      }),
    ).rejects.toThrow();
  });
});

describe('results, matrix tallies, review and exports', () => {
  test('leave it out of the step level, count it, show it to the reviewer, who can return it', async () => {
    // Every other requirement rated at the top level; 1.2 not applicable.
    await answerEveryRequirement(db.prisma, w.returnB, w.leadB.id);
    const requirements = await requirementsInOrder(db.prisma, w.ais.id);
    for (const item of requirements) {
      const top = item.ratingScale.levels.at(-1);
      await db.prisma.response.updateMany({
        where: { returnId: w.returnB.id, requirementId: item.id },
        data:
          item.code === '1.2'
            ? { ratingLevelId: null, notApplicable: true, notApplicableReason: 'No carers or parents.' }
            : { ratingLevelId: top?.id ?? null },
      });
    }
    const tally = await db.prisma.returnTally.findUniqueOrThrow({ where: { returnId: w.returnB.id } });
    expect(JSON.parse(tally.tally)).toContainEqual(['1', ':not-applicable', 1]);

    const submission = await submitReturn(db.prisma, w.returnB.id, w.leadB.id);
    const snapshot = submission.snapshot as {
      responses: {
        requirementCode: string;
        notApplicable?: boolean;
        notApplicableReason?: string;
        ratingLevelCode: string | null;
      }[];
    };
    const carers = snapshot.responses.find((item) => item.requirementCode === '1.2');
    expect(carers).toMatchObject({
      notApplicable: true,
      notApplicableReason: 'No carers or parents.',
      ratingLevelCode: null,
    });
    // Answers that are not "not applicable" carry no new keys (earlier snapshots keep their digests).
    expect(
      Object.keys(snapshot.responses.find((item) => item.requirementCode === '1.1') ?? {}),
    ).not.toContain('notApplicable');

    const basis = await findResultsBasis(db.prisma, w.ais.id);
    if (!basis) throw new Error('AIS 2025 not loaded');
    expect(basis.notApplicableRule).toBe('exclude');
    const results = computeResults(
      snapshot.responses.map((item) => ({
        groupCode: item.requirementCode.split('.')[0] ?? '',
        requirementTitle: '',
        ...item,
      })),
      basis,
    ) as MaturityResults;
    expect(results.complete).toBe(true);
    expect(results.steps[0]).toMatchObject({ text: 'Exemplar', ratedCount: 2, requirementCount: 2 });
    expect(results.counts.at(-1)).toEqual({ level: null, label: 'Not applicable', count: 1 });

    const manager = await signedInAgent(buildTestApp(db), w.manager.id);
    const review = await manager.get(pathTo(paths.review.show, { returnId: w.returnB.id })).expect(200);
    expect(review.text).toContain('Why not applicable');
    expect(review.text).toContain('No carers or parents.');
    const carersId = requirements.find((item) => item.code === '1.2')?.id ?? '';
    const url = pathTo(paths.review.requirement, { returnId: w.returnB.id, requirementId: carersId });
    const form = await manager.get(url).expect(200);
    await manager
      .post(url)
      .type('form')
      .send({
        _csrf: csrfTokenFrom(form.text),
        decision: 'returned',
        reason: 'You run a children’s clinic: parents do receive letters.',
      })
      .expect(302);
    expect(
      await db.prisma.requirementReview.findFirstOrThrow({
        where: { submissionId: submission.id, requirementId: carersId },
      }),
    ).toMatchObject({ decision: 'returned' });

    const csv = await manager
      .get(
        `${paths.exports.requirements}?${new URLSearchParams({ periodId: w.period.id, format: 'csv' }).toString()}`,
      )
      .expect(200);
    const rows: string[][] = parse(csv.text, { bom: true });
    const column = (name: (typeof REQUIREMENT_EXPORT_HEADER)[number]) =>
      REQUIREMENT_EXPORT_HEADER.indexOf(name);
    const exported = rows.find(
      (row) => row[column('Provider')] === 'Bravo Care Home' && row[column('Requirement code')] === '1.2',
    );
    expect(exported?.[column('Rating')]).toBe('Not applicable');
    expect(exported?.[column('Why not applicable')]).toBe('No carers or parents.');
  });
});
