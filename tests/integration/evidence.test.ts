import supertest from 'supertest';
import { evidenceForResponses } from '../../src/evidence/queries.js';
import { sha256 } from '../../src/hash.js';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, signedInAgent, testConfig } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  jpegFile,
  officeOpenXmlFile,
  pdfFile,
  pngFile,
  windowsExecutable,
} from '../support/evidence-files.js';
import {
  createContract,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';

type App = ReturnType<typeof buildTestApp>;
type Agent = ReturnType<typeof supertest.agent>;

let db: TestDatabase;
let app: App;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db);
});
afterAll(async () => {
  await db.drop();
});

const TYPES_MESSAGE =
  'The selected file must be a PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG file';

/** New AIS 2025 returns for both providers (on new contracts), so each test starts clean. */
async function freshReturns(frameworkCode: 'AIS' | 'EDS' = 'AIS', versionCode = '2025') {
  const version = await frameworkVersion(db.prisma, frameworkCode, versionCode);
  const make = async (providerId: string) => {
    const contract = await createContract(db.prisma, providerId, world.manager.id);
    const row = await createReturn(db.prisma, {
      contractId: contract.id,
      providerId,
      frameworkVersionId: version.id,
      periodId: world.period.id,
    });
    const requirementIds = row.responses.map((response) => response.requirementId);
    const responseFor = (requirementId: string) => {
      const response = row.responses.find((candidate) => candidate.requirementId === requirementId);
      if (!response) throw new Error('no response');
      return response.id;
    };
    const [first, second] = requirementIds;
    if (!first || !second) throw new Error('too few requirements');
    return { id: row.id, first, second, responseFor };
  };
  return { a: await make(world.providerA.id), b: await make(world.providerB.id) };
}

const evidencePath = (returnId: string, requirementId: string) =>
  pathTo(paths.evidence.upload, { returnId, requirementId });
const linkPath = (returnId: string, requirementId: string) =>
  pathTo(paths.evidence.link, { returnId, requirementId });
const unlinkPath = (returnId: string, requirementId: string, evidenceId: string) =>
  pathTo(paths.evidence.unlink, { returnId, requirementId, evidenceId });
const downloadPath = (evidenceId: string) => pathTo(paths.evidence.download, { evidenceId });

async function tokenFrom(agent: Agent, path: string = paths.home): Promise<string> {
  return csrfTokenFrom((await agent.get(path).expect(200)).text);
}

interface UploadOptions {
  fields?: Record<string, string>;
  /** Defaults to the token on the evidence page. */
  token?: string;
}

/**
 * Posts the upload form as a browser does: _csrf first, then the file, then the dates. Finish with
 * `.expect(status)` or `.response()`.
 */
function upload(
  agent: Agent,
  returnId: string,
  requirementId: string,
  file: { content: Buffer; name: string } | undefined,
  options: UploadOptions = {},
) {
  const send = async (status?: number) => {
    const path = evidencePath(returnId, requirementId);
    const token = options.token ?? (await tokenFrom(agent, path));
    let request = agent.post(path).field('_csrf', token);
    if (file) request = request.attach('file', file.content, file.name);
    for (const [name, value] of Object.entries(options.fields ?? {})) request = request.field(name, value);
    return status === undefined ? await request : await request.expect(status);
  };
  return { expect: (status: number) => send(status), response: () => send() };
}

/** A multipart body written by hand, for what browsers send but form-data will not (filename*). */
function rawForm(
  parts: ({ name: string; value: string } | { name: string; fileParams: string; content: Buffer })[],
) {
  const boundary = 'raw-form-boundary';
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if ('value' in part) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`,
        ),
      );
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; ${part.fileParams}\r\n` +
            'Content-Type: application/octet-stream\r\n\r\n',
        ),
        part.content,
        Buffer.from('\r\n'),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

async function counts() {
  const [files, evidence, links] = await Promise.all([
    db.prisma.evidenceFile.count(),
    db.prisma.evidence.count(),
    db.prisma.evidenceLink.count(),
  ]);
  return { files, evidence, links };
}

async function evidenceByContent(providerId: string, content: Buffer) {
  return db.prisma.evidence.findUniqueOrThrow({
    where: { providerId_fileSha256: { providerId, fileSha256: sha256(content) } },
    include: { file: { select: { mediaType: true, sizeBytes: true } }, links: true },
  });
}

describe('uploading evidence', () => {
  test('a lead uploads a PDF: stored with its hash, detected type and dates, linked and audited', async () => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    const content = pdfFile();
    const response = await upload(
      lead,
      a.id,
      a.first,
      { content, name: 'Équality policy 2025.pdf' },
      {
        fields: {
          'coversFrom-day': '1',
          'coversFrom-month': '4',
          'coversFrom-year': '2025',
          'coversTo-day': '31',
          'coversTo-month': '3',
          'coversTo-year': '2026',
        },
      },
    ).expect(302);
    expect(response.headers.location).toBe(`${evidencePath(a.id, a.first)}?done=uploaded`);

    const evidence = await evidenceByContent(world.providerA.id, content);
    expect(evidence).toMatchObject({
      fileName: 'Équality policy 2025.pdf',
      uploadedById: world.leadA.id,
      coversFrom: new Date('2025-04-01'),
      coversTo: new Date('2026-03-31'),
      file: { mediaType: 'application/pdf', sizeBytes: content.length },
    });
    const stored = await db.prisma.evidenceFile.findUniqueOrThrow({ where: { sha256: sha256(content) } });
    expect(Buffer.from(stored.content).equals(content)).toBe(true);
    expect(evidence.links).toEqual([expect.objectContaining({ responseId: a.responseFor(a.first) })]);

    const audit = await db.prisma.auditEvent.findMany({
      where: { entityId: evidence.id },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((event) => [event.action, event.returnId, event.actorId])).toEqual([
      ['evidence.uploaded', a.id, world.leadA.id],
      ['evidence.linked', a.id, world.leadA.id],
    ]);
    expect(audit[0]?.after).toMatchObject({ sha256: sha256(content), mediaType: 'application/pdf' });

    // The page lists it: name, type, size, period covered, "older" (it ends before 2026/27 starts).
    const page = await lead.get(`${evidencePath(a.id, a.first)}?done=uploaded`).expect(200);
    expect(page.text).toContain('The file has been uploaded and added to this requirement.');
    expect(page.text).toContain('Équality policy 2025.pdf');
    expect(page.text).toContain('(PDF, 1 KB)');
    expect(page.text).toContain('Period covered: 1 April 2025 to 31 March 2026');
    expect(page.text).toContain('Older than this period');
    expect(page.text).toContain(`href="${downloadPath(evidence.id)}"`);
    expect(page.text).toContain(`action="${unlinkPath(a.id, a.first, evidence.id)}"`);
  });

  test.each([
    ['PNG', pngFile(), 'photo.png', 'image/png'],
    ['JPEG', jpegFile(), 'photo.jpg', 'image/jpeg'],
    [
      'DOCX',
      officeOpenXmlFile('docx'),
      'policy.docx',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ],
    ['CSV', Buffer.from(`provider,score\r\nAlpha,${Date.now()}\r\n`), 'scores.csv', 'text/csv'],
    ['text', Buffer.from(`Notes\tchecked ${Date.now()}\n`), 'notes.txt', 'text/plain'],
  ])('%s is accepted, its type taken from its content', async (_kind, content, name, mediaType) => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    await upload(lead, a.id, a.first, { content, name }).expect(302);
    const evidence = await evidenceByContent(world.providerA.id, content);
    expect(evidence.file.mediaType).toBe(mediaType);
    expect(evidence.fileName).toBe(name);
  });

  test('the same file uploaded twice is stored once, and is one evidence item per provider', async () => {
    const { a, b } = await freshReturns();
    const leadA = await signedInAgent(app, world.leadA.id);
    const leadB = await signedInAgent(app, world.leadB.id);
    const content = pngFile();
    const before = await counts();

    await upload(leadA, a.id, a.first, { content, name: 'chart.png' }).expect(302);
    const second = await upload(leadA, a.id, a.second, { content, name: 'chart again.png' }).expect(302);
    expect(second.headers.location).toContain('done=already-in-library');
    expect(await counts()).toEqual({
      files: before.files + 1,
      evidence: before.evidence + 1,
      links: before.links + 2,
    });
    const evidence = await evidenceByContent(world.providerA.id, content);
    expect(evidence.fileName).toBe('chart.png');
    expect(evidence.links.map((link) => link.responseId).sort()).toEqual(
      [a.responseFor(a.first), a.responseFor(a.second)].sort(),
    );

    // Again to the same requirement: nothing new at all.
    const again = await upload(leadA, a.id, a.first, { content, name: 'chart.png' }).expect(302);
    expect(again.headers.location).toContain('done=already-linked');
    expect(await counts()).toEqual({
      files: before.files + 1,
      evidence: before.evidence + 1,
      links: before.links + 2,
    });

    // Another provider's copy of the same bytes: their own evidence item, the same stored file.
    await upload(leadB, b.id, b.first, { content, name: 'their chart.png' }).expect(302);
    expect(await counts()).toEqual({
      files: before.files + 1,
      evidence: before.evidence + 2,
      links: before.links + 3,
    });
  });

  test('evidence can be uploaded before the requirement has a response row', async () => {
    const { a } = await freshReturns();
    await db.prisma.response.delete({ where: { id: a.responseFor(a.first) } });
    const lead = await signedInAgent(app, world.leadA.id);
    const content = pdfFile();
    await upload(lead, a.id, a.first, { content, name: 'early.pdf' }).expect(302);
    const response = await db.prisma.response.findFirstOrThrow({
      where: { returnId: a.id, requirementId: a.first },
      include: { evidenceLinks: true },
    });
    expect(response.evidenceLinks).toHaveLength(1);
  });
});

describe('a refused upload says why and leaves nothing behind', () => {
  test.each([
    ['an empty file', { content: Buffer.alloc(0), name: 'empty.pdf' }, 'The selected file is empty'],
    ['a Windows program renamed .pdf', { content: windowsExecutable(), name: 'policy.pdf' }, TYPES_MESSAGE],
    [
      'a .txt file with NUL bytes',
      { content: Buffer.from('line\0line\0'), name: 'notes.txt' },
      TYPES_MESSAGE,
    ],
    ['CSV content not named .csv', { content: Buffer.from('a,b\n1,2\n'), name: 'data.xlsx' }, TYPES_MESSAGE],
    [
      'a PNG named .pdf',
      { content: pngFile(), name: 'not-really.pdf' },
      'The selected file is a PNG image file but its name ends in .pdf: rename it to end in .png, or choose the right file',
    ],
    ['no file chosen', undefined, 'Select a file'],
  ])('%s', async (_case, file, message) => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    const before = await counts();
    const response = await upload(lead, a.id, a.first, file).expect(400);
    expect(response.text).toContain('There is a problem');
    expect(response.text).toContain(`<a href="#file">${message}</a>`);
    expect(response.text).toContain('<title>Error: ');
    expect(await counts()).toEqual(before);
  });

  test('a file over the configured limit is refused while streaming (413) and nothing is stored', async () => {
    const smallApp = buildTestApp(db, { config: testConfig({ EVIDENCE_MAX_BYTES: '1024' }) });
    const { a } = await freshReturns();
    const lead = await signedInAgent(smallApp, world.leadA.id);
    const before = await counts();
    const content = Buffer.concat([pdfFile(), Buffer.alloc(4096, 0x20)]);
    const response = await upload(lead, a.id, a.first, { content, name: 'big.pdf' }).expect(413);
    expect(response.text).toContain('The file must be smaller than 1 KB');
    expect(await counts()).toEqual(before);
    // Exactly at the limit is fine.
    const atLimit = Buffer.concat([pdfFile(), Buffer.alloc(1024, 0x20)]).subarray(0, 1024);
    await upload(lead, a.id, a.first, { content: atLimit, name: 'just.pdf' }).expect(302);
  });

  test('the default limit is 20 MB', () => {
    expect(testConfig().evidence.maxBytes).toBe(20 * 1024 * 1024);
  });

  test('a period covered that is not a real date, or ends before it starts, is refused', async () => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    const before = await counts();
    const response = await upload(
      lead,
      a.id,
      a.first,
      { content: pdfFile(), name: 'p.pdf' },
      {
        fields: {
          'coversFrom-day': '31',
          'coversFrom-month': '2',
          'coversFrom-year': '2026',
          'coversTo-day': '1',
          'coversTo-month': '1',
          'coversTo-year': '2020',
        },
      },
    ).expect(400);
    expect(response.text).toContain(
      '<a href="#coversFrom-day">The start of the period covered must be a real date</a>',
    );
    expect(response.text).toContain('value="31"');
    expect(await counts()).toEqual(before);

    const backwards = await upload(
      lead,
      a.id,
      a.first,
      { content: pdfFile(), name: 'p.pdf' },
      {
        fields: {
          'coversFrom-day': '1',
          'coversFrom-month': '4',
          'coversFrom-year': '2026',
          'coversTo-day': '1',
          'coversTo-month': '1',
          'coversTo-year': '2026',
        },
      },
    ).expect(400);
    expect(backwards.text).toContain('The end of the period covered must be the same as or after the start');
    expect(await counts()).toEqual(before);
  });
});

describe('file names', () => {
  test.each([
    ['a path', `filename*=UTF-8''..%2F..%2Fetc%2Fpasswd`, 'contains a folder path'],
    ['a Windows path', `filename*=UTF-8''a%5Cb.pdf`, 'contains a folder path'],
    ['control characters', `filename*=UTF-8''re%00po%07rt%1B%0A2026.pdf`, 'hidden or control characters'],
    ['a right-to-left override', `filename*=UTF-8''invoice%E2%80%AEfdp.pdf`, 'hidden or control characters'],
    ['300 characters', `filename="${'a'.repeat(296)}.pdf"`, 'must be 150 characters or fewer'],
  ])('with %s: refused with the reason, nothing stored', async (_case, fileParams, reason) => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    const before = await counts();
    const form = rawForm([
      { name: '_csrf', value: await tokenFrom(lead, evidencePath(a.id, a.first)) },
      { name: 'file', fileParams, content: pdfFile() },
    ]);
    const response = await lead
      .post(evidencePath(a.id, a.first))
      .set('Content-Type', form.type)
      .send(form.body)
      .expect(400);
    expect(response.text).toContain('nhsuk-error-summary');
    expect(response.text).toContain(reason);
    expect(await counts()).toEqual(before);
  });

  test.each([
    ['spaces', `filename="  annual   report .pdf "`, 'annual report .pdf'],
    ['only dots', `filename*=UTF-8''..`, 'evidence'],
    ['150 characters', `filename="${'a'.repeat(146)}.pdf"`, `${'a'.repeat(146)}.pdf`],
  ])('with %s: kept, tidied', async (_case, fileParams, expected) => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    const content = pdfFile();
    const form = rawForm([
      { name: '_csrf', value: await tokenFrom(lead, evidencePath(a.id, a.first)) },
      { name: 'file', fileParams, content },
    ]);
    await lead.post(evidencePath(a.id, a.first)).set('Content-Type', form.type).send(form.body).expect(302);
    expect((await evidenceByContent(world.providerA.id, content)).fileName).toBe(expected);
  });
});

describe('CSRF on the multipart upload', () => {
  test.each([
    ['no token', (): Record<string, string> => ({})],
    ['a wrong token', (token: string): Record<string, string> => ({ _csrf: `${token.slice(0, -4)}0000` })],
  ])('%s: refused with 403 and nothing stored', async (_case, fields) => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    const token = await tokenFrom(lead, evidencePath(a.id, a.first));
    const before = await counts();
    let request = lead.post(evidencePath(a.id, a.first));
    for (const [name, value] of Object.entries(fields(token))) request = request.field(name, value);
    await request.attach('file', pdfFile(), 'p.pdf').expect(403);
    expect(await counts()).toEqual(before);
  });

  test('a token after the file is too late: refused before the file is read', async () => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    const token = await tokenFrom(lead, evidencePath(a.id, a.first));
    const before = await counts();
    await lead
      .post(evidencePath(a.id, a.first))
      .attach('file', pdfFile(), 'p.pdf')
      .field('_csrf', token)
      .expect(403);
    expect(await counts()).toEqual(before);
  });

  test('a form with no file and no token is refused with 403, not "Select a file"', async () => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    await lead.post(evidencePath(a.id, a.first)).field('coversFrom-day', '1').expect(403);
    await lead.post(evidencePath(a.id, a.first)).type('form').send({ x: '1' }).expect(403);
  });

  test('another session’s token does not work', async () => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    const otherSession = await signedInAgent(app, world.leadA.id);
    const token = await tokenFrom(otherSession);
    const before = await counts();
    await upload(lead, a.id, a.first, { content: pdfFile(), name: 'p.pdf' }, { token }).expect(403);
    expect(await counts()).toEqual(before);
  });
});

describe('one evidence item backs several requirements, across standards', () => {
  test('a policy uploaded for AIS is linked to an EDS 2022 requirement of the same provider', async () => {
    const { a: ais } = await freshReturns('AIS', '2025');
    const { a: eds } = await freshReturns('EDS', '2022');
    const lead = await signedInAgent(app, world.leadA.id);
    const content = pdfFile();
    await upload(lead, ais.id, ais.first, { content, name: 'Equality policy.pdf' }).expect(302);
    const evidence = await evidenceByContent(world.providerA.id, content);

    // The EDS page offers it from the provider's library.
    const page = await lead.get(evidencePath(eds.id, eds.first)).expect(200);
    expect(page.text).toContain('Add evidence from your library');
    expect(page.text).toContain(`value="${evidence.id}"`);
    const linked = await lead
      .post(linkPath(eds.id, eds.first))
      .type('form')
      .send({ _csrf: csrfTokenFrom(page.text), evidenceId: evidence.id })
      .expect(302);
    expect(linked.headers.location).toBe(`${evidencePath(eds.id, eds.first)}?done=linked`);

    const byResponse = await evidenceForResponses(db.prisma, [
      ais.responseFor(ais.first),
      eds.responseFor(eds.first),
      eds.responseFor(eds.second),
    ]);
    expect(byResponse.get(ais.responseFor(ais.first))?.map((item) => item.id)).toEqual([evidence.id]);
    expect(byResponse.get(eds.responseFor(eds.first))).toEqual([
      {
        id: evidence.id,
        fileName: 'Equality policy.pdf',
        sizeBytes: content.length,
        mediaType: 'application/pdf',
        sha256: sha256(content),
        uploadedAt: evidence.uploadedAt,
        coversFrom: null,
        coversTo: null,
        // This app has no scanner (tests/integration/evidence-scanning.test.ts has one).
        scanStatus: 'unscanned',
        scanSignature: null,
      },
    ]);
    expect(byResponse.get(eds.responseFor(eds.second))).toEqual([]);
    expect(await db.prisma.evidenceLink.count({ where: { evidenceId: evidence.id } })).toBe(2);
    expect(await db.prisma.evidenceFile.count({ where: { sha256: sha256(content) } })).toBe(1);

    // Linking again changes nothing.
    const again = await lead
      .post(linkPath(eds.id, eds.first))
      .type('form')
      .send({ _csrf: csrfTokenFrom(page.text), evidenceId: evidence.id })
      .expect(302);
    expect(again.headers.location).toContain('done=already-linked');
    expect(await db.prisma.evidenceLink.count({ where: { evidenceId: evidence.id } })).toBe(2);
  });

  test('evidenceForResponses answers for every id asked, and nothing for none', async () => {
    expect(await evidenceForResponses(db.prisma, [])).toEqual(new Map());
    const { a } = await freshReturns();
    const result = await evidenceForResponses(db.prisma, [a.responseFor(a.first)]);
    expect(result).toEqual(new Map([[a.responseFor(a.first), []]]));
  });

  test('choosing nothing to link says so', async () => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    const token = await tokenFrom(lead, evidencePath(a.id, a.first));
    const response = await lead.post(linkPath(a.id, a.first)).type('form').send({ _csrf: token }).expect(400);
    expect(response.text).toContain('Select the evidence to add');
  });
});

describe('removing evidence from a requirement', () => {
  test('unlinks it, keeps it in the library, and audits it', async () => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    const content = pdfFile();
    await upload(lead, a.id, a.first, { content, name: 'old.pdf' }).expect(302);
    await upload(lead, a.id, a.second, { content, name: 'old.pdf' }).expect(302);
    const evidence = await evidenceByContent(world.providerA.id, content);
    const token = await tokenFrom(lead, evidencePath(a.id, a.first));

    const removed = await lead
      .post(unlinkPath(a.id, a.first, evidence.id))
      .type('form')
      .send({ _csrf: token })
      .expect(302);
    expect(removed.headers.location).toBe(`${evidencePath(a.id, a.first)}?done=removed`);
    const fromRequirementPage = await lead
      .post(unlinkPath(a.id, a.second, evidence.id))
      .type('form')
      .send({ _csrf: token, returnTo: 'requirement' })
      .expect(302);
    expect(fromRequirementPage.headers.location).toBe(
      pathTo(paths.returns.requirement, { returnId: a.id, requirementId: a.second }),
    );

    expect(await db.prisma.evidenceLink.count({ where: { evidenceId: evidence.id } })).toBe(0);
    expect(await db.prisma.evidence.count({ where: { id: evidence.id } })).toBe(1);
    const unlinked = await db.prisma.auditEvent.count({
      where: { entityId: evidence.id, action: 'evidence.unlinked', returnId: a.id },
    });
    expect(unlinked).toBe(2);
    // Still offered from the library.
    const page = await lead.get(evidencePath(a.id, a.first)).expect(200);
    expect(page.text).toContain(`value="${evidence.id}"`);
  });
});

describe('downloading evidence', () => {
  test('sends the stored bytes as an attachment with the stored type, nosniff and no caching', async () => {
    const { a } = await freshReturns();
    const lead = await signedInAgent(app, world.leadA.id);
    const content = pdfFile();
    await upload(lead, a.id, a.first, { content, name: 'Équality plan.pdf' }).expect(302);
    const evidence = await evidenceByContent(world.providerA.id, content);

    const response = await lead.get(downloadPath(evidence.id)).responseType('blob').expect(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="Equality plan.pdf"; filename*=UTF-8''%C3%89quality%20plan.pdf`,
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toBe('private, no-store');
    expect(Buffer.isBuffer(response.body)).toBe(true);
    expect((response.body as Buffer).equals(content)).toBe(true);
  });

  test('a text file keeps its type; staff of the commissioner may download; others get 404', async () => {
    const { a } = await freshReturns();
    const leadA = await signedInAgent(app, world.leadA.id);
    const content = Buffer.from(`a,b\n${Date.now()},2\n`);
    await upload(leadA, a.id, a.first, { content, name: 'scores.csv' }).expect(302);
    const evidence = await evidenceByContent(world.providerA.id, content);

    for (const userId of [world.viewer.id, world.manager.id, world.admin.id]) {
      const staff = await signedInAgent(app, userId);
      const response = await staff.get(downloadPath(evidence.id)).responseType('blob').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/csv/);
      // An ASCII name needs no filename* (and, being a token, no quotes).
      expect(response.headers['content-disposition']).toBe('attachment; filename=scores.csv');
      expect((response.body as Buffer).equals(content)).toBe(true);
    }
    const leadB = await signedInAgent(app, world.leadB.id);
    await leadB.get(downloadPath(evidence.id)).expect(404);
    await leadB.get(downloadPath('not-a-uuid')).expect(404);
    await leadA.get(downloadPath('00000000-0000-4000-8000-000000000000')).expect(404);
  });
});

describe('who may do what', () => {
  async function withEvidence() {
    const { a, b } = await freshReturns();
    const leadA = await signedInAgent(app, world.leadA.id);
    const content = pdfFile();
    await upload(leadA, a.id, a.first, { content, name: 'a.pdf' }).expect(302);
    return { a, b, leadA, evidence: await evidenceByContent(world.providerA.id, content) };
  }

  test('a lead of another provider gets 404 for every evidence route, and nothing changes', async () => {
    const { a, b, evidence } = await withEvidence();
    const leadB = await signedInAgent(app, world.leadB.id);
    const token = await tokenFrom(leadB);
    const before = await counts();

    await leadB.get(evidencePath(a.id, a.first)).expect(404);
    await upload(leadB, a.id, a.first, { content: pdfFile(), name: 'b.pdf' }, { token }).expect(404);
    // Another provider's evidence, linked to B's own return, or to A's.
    await leadB
      .post(linkPath(b.id, b.first))
      .type('form')
      .send({ _csrf: token, evidenceId: evidence.id })
      .expect(404);
    await leadB
      .post(linkPath(a.id, a.first))
      .type('form')
      .send({ _csrf: token, evidenceId: evidence.id })
      .expect(404);
    await leadB
      .post(unlinkPath(a.id, a.first, evidence.id))
      .type('form')
      .send({ _csrf: token })
      .expect(404);
    await leadB
      .post(unlinkPath(b.id, b.first, evidence.id))
      .type('form')
      .send({ _csrf: token })
      .expect(404);
    await leadB.get(downloadPath(evidence.id)).expect(404);

    expect(await counts()).toEqual(before);
    // B's own evidence page does not offer A's evidence.
    const own = await leadB.get(evidencePath(b.id, b.first)).expect(200);
    expect(own.text).not.toContain(evidence.id);
  });

  test('staff may look but not change: 403 for upload, link and unlink', async () => {
    const { a, evidence } = await withEvidence();
    for (const userId of [world.manager.id, world.admin.id, world.viewer.id]) {
      const staff = await signedInAgent(app, userId);
      const page = await staff.get(evidencePath(a.id, a.first)).expect(200);
      expect(page.text).toContain('a.pdf');
      expect(page.text).not.toContain('enctype="multipart/form-data"');
      expect(page.text).not.toContain('Remove<span');
      const token = csrfTokenFrom(page.text);
      const before = await counts();
      await upload(staff, a.id, a.first, { content: pdfFile(), name: 's.pdf' }, { token }).expect(403);
      await staff
        .post(linkPath(a.id, a.second))
        .type('form')
        .send({ _csrf: token, evidenceId: evidence.id })
        .expect(403);
      await staff
        .post(unlinkPath(a.id, a.first, evidence.id))
        .type('form')
        .send({ _csrf: token })
        .expect(403);
      expect(await counts()).toEqual(before);
    }
  });

  test('anonymous visitors are sent to sign in', async () => {
    const { a, evidence } = await withEvidence();
    const anonymous = supertest(app);
    await anonymous.get(evidencePath(a.id, a.first)).expect(302).expect('Location', paths.signIn);
    await anonymous.get(downloadPath(evidence.id)).expect(302).expect('Location', paths.signIn);
    const before = await counts();
    await anonymous
      .post(evidencePath(a.id, a.first))
      .attach('file', pdfFile(), 'x.pdf')
      .expect(302)
      .expect('Location', paths.signIn);
    expect(await counts()).toEqual(before);
  });

  test.each(['submitted', 'accepted'] as const)(
    'a %s return refuses upload, link and unlink (409) and nothing changes',
    async (status) => {
      const { a, leadA, evidence } = await withEvidence();
      const token = await tokenFrom(leadA, evidencePath(a.id, a.first));
      await db.prisma.return.update({ where: { id: a.id }, data: { status, submittedAt: new Date() } });
      const before = await counts();

      const refused = await upload(
        leadA,
        a.id,
        a.first,
        { content: pdfFile(), name: 'late.pdf' },
        { token },
      ).response();
      expect(refused.status).toBe(409);
      expect(refused.text).toContain(status === 'submitted' ? 'has been submitted' : 'has been accepted');
      await leadA
        .post(linkPath(a.id, a.second))
        .type('form')
        .send({ _csrf: token, evidenceId: evidence.id })
        .expect(409);
      await leadA
        .post(unlinkPath(a.id, a.first, evidence.id))
        .type('form')
        .send({ _csrf: token })
        .expect(409);
      expect(await counts()).toEqual(before);

      // The page still lists the evidence, without the forms.
      const page = await leadA.get(evidencePath(a.id, a.first)).expect(200);
      expect(page.text).toContain('a.pdf');
      expect(page.text).not.toContain('enctype="multipart/form-data"');
      expect(page.text).toContain('its evidence cannot be changed');
    },
  );

  test('a requirement of another standard, or ids that are not ids, are not found', async () => {
    const { a } = await freshReturns();
    const { a: eds } = await freshReturns('EDS', '2022');
    const lead = await signedInAgent(app, world.leadA.id);
    await lead.get(evidencePath(a.id, eds.first)).expect(404);
    await lead.get(evidencePath('nope', a.first)).expect(404);
    await lead.get(evidencePath(a.id, 'nope')).expect(404);
  });
});
