import { buildTestApp, csrfTokenFrom, signedInAgent, type Agent } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createProvider,
  createProviderLead,
  createTwoProviderWorld,
  importTestStandards,
} from '../support/fixtures.js';
import { pdfFile, windowsExecutable } from '../support/evidence-files.js';

// Equality publications (issue 17): what a provider owes in a year from its recorded facts, a lead
// recording what it published (with a copy), staff checking it, and who may see and do what.

type World = Awaited<ReturnType<typeof createTwoProviderWorld>>;

// 15 June 2026, in the financial year 2026/27.
const NOW = new Date('2026-06-15T09:00:00Z');

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: World;
let contributorId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db, { clock: () => NOW });
  // A: a large NHS trust without mental health services. B: a small care home.
  await db.prisma.provider.update({
    where: { id: world.providerA.id },
    data: {
      sector: 'nhs_trust',
      headcountBand: 'from_1000',
      turnoverBand: 'from_100m',
      financialYearEndMonth: 3,
      providesMentalHealthServices: false,
    },
  });
  await db.prisma.provider.update({
    where: { id: world.providerB.id },
    data: { sector: 'care_home', headcountBand: 'under_150', turnoverBand: null, financialYearEndMonth: 12 },
  });
  const contributor = await createProviderLead(db.prisma, world.providerA.id, {
    displayName: 'Cleo Contributor',
  });
  await db.prisma.membership.update({
    where: { userId_providerId: { userId: contributor.id, providerId: world.providerA.id } },
    data: { role: 'contributor' },
  });
  contributorId = contributor.id;
});
afterAll(async () => {
  await db.drop();
});

const pageOf = (providerId: string, year?: number) =>
  `/providers/${providerId}/publications${year ? `?year=${year}` : ''}`;
const recordUrl = (providerId: string, code: string, year: number) =>
  `/providers/${providerId}/publications/${code}/${year}`;

/** The table row of one obligation on a provider's page, as text without markup. */
function rowText(html: string, code: string): string {
  const match = new RegExp(`<tr[^>]*id="obligation-${code}"[^>]*>([\\s\\S]*?)</tr>`).exec(html);
  if (!match?.[1]) throw new Error(`no row for ${code}`);
  return match[1]
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

async function recordWithFile(
  agent: Agent,
  url: string,
  fields: Record<string, string>,
  file?: { content: Buffer; name: string },
) {
  const token = csrfTokenFrom((await agent.get(url).expect(200)).text);
  let request = agent.post(url).field('_csrf', token);
  for (const [name, value] of Object.entries(fields)) request = request.field(name, value);
  request = file
    ? request.attach('file', file.content, file.name)
    : request.attach('file', Buffer.alloc(0), '');
  return request;
}

const published = (day: string, month: string, year: string) => ({
  'publishedOn-day': day,
  'publishedOn-month': month,
  'publishedOn-year': year,
});

describe('what a provider owes in a year', () => {
  test('the lead sees each obligation with its due date, its state as text, and why one does not apply', async () => {
    const agent = await signedInAgent(app, world.leadA.id);
    const page = await agent.get(pageOf(world.providerA.id)).expect(200);
    expect(page.text).toContain('Equality publications, 2026/27');
    expect(rowText(page.text, 'wdes-report')).toContain('31 October 2026 Status Due');
    expect(rowText(page.text, 'health-inequalities-statement')).toContain('31 July 2026');
    expect(rowText(page.text, 'gender-pay-gap')).toContain('30 March 2027');
    expect(rowText(page.text, 'modern-slavery-statement')).toContain(
      'Not applicable Applies to companies, partnerships and charities supplying goods or services with a total turnover of £36 million or more (not to public bodies). It is recorded as: NHS trust.',
    );
    expect(rowText(page.text, 'pcref-plan')).toContain('It does not provide mental health services.');
    expect(rowText(page.text, 'equality-objectives')).toContain(
      'Next due 6 April 2028 Status Not due this year',
    );
    // Uncertain rules say so, with their source.
    expect(rowText(page.text, 'wres-report')).toContain('Not yet confirmed from a published source');
    // A past year: what fell due and was not recorded is overdue.
    const past = await agent.get(pageOf(world.providerA.id, 2025)).expect(200);
    expect(rowText(past.text, 'wdes-report')).toContain('31 October 2025 Status Overdue');
  });

  test('a provider whose facts are missing is told what to record', async () => {
    const agent = await signedInAgent(app, world.leadB.id);
    const page = await agent.get(pageOf(world.providerB.id)).expect(200);
    expect(rowText(page.text, 'modern-slavery-statement')).toContain(
      'Not known Applies to companies, partnerships and charities supplying goods or services with a total turnover of £36 million or more (not to public bodies). Its annual turnover is not recorded. Record it on the provider page.',
    );
    expect(rowText(page.text, 'gender-pay-gap')).toContain('It has fewer than 150 employees.');
  });
});

describe('recording and checking a publication', () => {
  test('the lead records a modern slavery statement with a copy; staff check it; a change needs a new check', async () => {
    const lead = await signedInAgent(app, world.leadA.id);
    const url = recordUrl(world.providerA.id, 'modern-slavery-statement', 2026);
    const form = await lead.get(url).expect(200);
    expect(form.text).toContain('Modern slavery statement, 2026/27');
    expect(form.text).toContain('enctype="multipart/form-data"');

    const saved = await recordWithFile(
      lead,
      url,
      { url: 'www.alpha.example.nhs.uk/modern-slavery', ...published('1', '6', '2026') },
      { content: pdfFile(), name: 'Modern slavery statement 2025-26.pdf' },
    );
    expect(saved.status).toBe(302);
    expect(saved.headers.location).toBe(`${pageOf(world.providerA.id)}?year=2026&done=recorded`);
    const record = await db.prisma.publication.findUniqueOrThrow({
      where: {
        providerId_obligationCode_year: {
          providerId: world.providerA.id,
          obligationCode: 'modern-slavery-statement',
          year: 2026,
        },
      },
      include: { evidence: true },
    });
    expect(record).toMatchObject({
      status: 'published',
      url: 'https://www.alpha.example.nhs.uk/modern-slavery',
      publishedOn: new Date('2026-06-01'),
      recordedById: world.leadA.id,
      obligationVersion: 1,
      checkedById: null,
    });
    // The copy is in the provider's evidence library, like any upload.
    expect(record.evidence).toMatchObject({
      providerId: world.providerA.id,
      fileName: 'Modern slavery statement 2025-26.pdf',
    });

    const page = await lead.get(`${pageOf(world.providerA.id)}?year=2026&done=recorded`).expect(200);
    expect(page.text).toContain('The publication has been recorded.');
    const row = rowText(page.text, 'modern-slavery-statement');
    expect(row).toContain('Published, not checked yet');
    expect(row).toContain('https://www.alpha.example.nhs.uk/modern-slavery');
    expect(row).toContain('On 1 June 2026. Recorded by Lena Lead-A');
    const download = /href="(\/evidence\/[^"]+\/download)"/.exec(page.text)?.[1];
    if (!download) throw new Error('no download link');
    const file = await lead.get(download).expect(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(page.text).not.toContain('Mark as checked');

    // Staff check it.
    const manager = await signedInAgent(app, world.manager.id);
    const staffPage = await manager.get(pageOf(world.providerA.id, 2026)).expect(200);
    expect(staffPage.text).toContain('Mark as checked');
    const check = await manager
      .post(`${url}/check`)
      .type('form')
      .send({ _csrf: csrfTokenFrom(staffPage.text) });
    expect(check.status).toBe(302);
    const checkedPage = await manager.get(pageOf(world.providerA.id, 2026)).expect(200);
    expect(rowText(checkedPage.text, 'modern-slavery-statement')).toContain(
      'Checked Checked by Cora Manager at 10am on 15 June 2026',
    );
    const again = await manager
      .post(`${url}/check`)
      .type('form')
      .send({ _csrf: csrfTokenFrom(checkedPage.text) });
    expect(again.status).toBe(409);

    // The lead changes the address: it goes back to be checked, and keeps its copy.
    const changed = await recordWithFile(lead, url, {
      url: 'https://www.alpha.example.nhs.uk/msa',
      ...published('2', '6', '2026'),
    });
    expect(changed.status).toBe(302);
    const after = await db.prisma.publication.findUniqueOrThrow({ where: { id: record.id } });
    expect(after).toMatchObject({
      status: 'published',
      checkedById: null,
      checkedAt: null,
      url: 'https://www.alpha.example.nhs.uk/msa',
      evidenceId: record.evidenceId,
    });
    const events = await db.prisma.auditEvent.findMany({
      where: { entityType: 'publication', entityId: record.id },
      orderBy: { id: 'asc' },
    });
    expect(events.map((event) => [event.action, event.actorId])).toEqual([
      ['publication.recorded', world.leadA.id],
      ['publication.checked', world.manager.id],
      ['publication.recorded', world.leadA.id],
    ]);
    expect(events[2]?.before).toMatchObject({
      status: 'checked',
      url: 'https://www.alpha.example.nhs.uk/modern-slavery',
    });
  });

  test('every refusal comes back with an error summary and the input kept; nothing is saved', async () => {
    const lead = await signedInAgent(app, world.leadA.id);
    const url = recordUrl(world.providerA.id, 'wdes-report', 2026);
    const cases: [
      Record<string, string>,
      { content: Buffer; name: string } | undefined,
      [string, string][],
    ][] = [
      [
        { url: '', ...published('', '', '') },
        undefined,
        [
          ['url', 'Enter the web address where it is published'],
          ['publishedOn-day', 'Enter date published'],
        ],
      ],
      [
        { url: 'javascript:alert(1)', ...published('31', '2', '2026') },
        undefined,
        [
          ['url', 'Enter the web address in the correct format, like www.example.nhs.uk/equality'],
          ['publishedOn-day', 'Date published must be a real date'],
        ],
      ],
      [
        { url: 'www.alpha.example.nhs.uk/wdes', ...published('16', '6', '2026') },
        undefined,
        [['publishedOn-day', 'Date published must be today or in the past']],
      ],
      [
        { url: 'www.alpha.example.nhs.uk/wdes', ...published('1', '6', '') },
        undefined,
        [['publishedOn-day', 'Date published must include a year']],
      ],
      [
        { url: 'www.alpha.example.nhs.uk/wdes', ...published('1', '6', '2026') },
        { content: windowsExecutable(), name: 'report.pdf' },
        [['file', expect.stringMatching(/^The selected file must be/)]],
      ],
    ];
    for (const [fields, file, problems] of cases) {
      const response = await recordWithFile(lead, url, fields, file);
      expect(response.status).toBe(400);
      expect(response.text).toContain('<title>Error: ');
      const summary = [...response.text.matchAll(/<a href="#([^"]+)">([^<]*)<\/a>/g)].map((match) => [
        match[1],
        match[2],
      ]);
      expect(summary).toEqual(problems);
      if (fields.url) expect(response.text).toContain(`value="${fields.url.replace('&', '&amp;')}"`);
    }
    expect(
      await db.prisma.publication.count({
        where: { providerId: world.providerA.id, obligationCode: 'wdes-report' },
      }),
    ).toBe(0);
  });

  test('an upload with a wrong token is refused before the file is read', async () => {
    const lead = await signedInAgent(app, world.leadA.id);
    const response = await lead
      .post(recordUrl(world.providerA.id, 'eds-report', 2026))
      .field('_csrf', 'not-the-token')
      .field('url', 'www.alpha.example.nhs.uk/eds')
      .attach('file', pdfFile(), 'EDS report.pdf');
    expect(response.status).toBe(403);
    expect(await db.prisma.publication.count({ where: { obligationCode: 'eds-report' } })).toBe(0);
    expect(await db.prisma.evidence.count({ where: { fileName: 'EDS report.pdf' } })).toBe(0);
  });

  test('a year out of range or an unknown obligation is not found', async () => {
    const lead = await signedInAgent(app, world.leadA.id);
    await lead.get(recordUrl(world.providerA.id, 'wdes-report', 2028)).expect(404);
    await lead.get(recordUrl(world.providerA.id, 'wdes-report', 2019)).expect(404);
    await lead.get(recordUrl(world.providerA.id, 'no-such-duty', 2026)).expect(404);
    await lead.get(`/providers/${world.providerA.id}/publications/wdes-report/twenty`).expect(404);
  });
});

describe('who may see and do what', () => {
  test('another provider’s lead finds nothing of provider A, and sees only their own provider', async () => {
    const other = await signedInAgent(app, world.leadB.id);
    await other.get(pageOf(world.providerA.id)).expect(404);
    await other.get(recordUrl(world.providerA.id, 'wdes-report', 2026)).expect(404);
    const token = csrfTokenFrom((await other.get(pageOf(world.providerB.id)).expect(200)).text);
    const post = await other
      .post(recordUrl(world.providerA.id, 'wdes-report', 2026))
      .type('form')
      .send({ _csrf: token, url: 'www.evil.example.com', ...published('1', '6', '2026') });
    expect(post.status).toBe(404);
    const check = await other
      .post(`${recordUrl(world.providerA.id, 'modern-slavery-statement', 2026)}/check`)
      .type('form')
      .send({ _csrf: token });
    expect(check.status).toBe(404);
    // A lead of one provider is taken to their own provider's page (the year kept), with no way back
    // to an overview of one row.
    const overview = await other.get('/publications?year=2025').expect(302);
    expect(overview.headers.location).toBe(pageOf(world.providerB.id, 2025));
    const own = await other.get(pageOf(world.providerB.id, 2025)).expect(200);
    expect(own.text).toContain(world.providerB.name);
    expect(own.text).not.toContain(world.providerA.name);
    expect(own.text).not.toContain('alpha.example.nhs.uk');
    expect(own.text).not.toContain('Back to equality publications');
    expect(await db.prisma.publication.count({ where: { url: { contains: 'evil' } } })).toBe(0);
  });

  test('a lead of two providers gets the overview of those two only; staff get every provider and the way back', async () => {
    const third = await createProvider(db.prisma, { name: 'Charlie Community Care' });
    const both = await createProviderLead(db.prisma, world.providerB.id, { displayName: 'Bea Both' });
    await db.prisma.membership.create({ data: { userId: both.id, providerId: third.id } });
    const lead = await signedInAgent(app, both.id);
    const overview = (await lead.get('/publications').expect(200)).text;
    expect(overview).toContain(world.providerB.name);
    expect(overview).toContain('Charlie Community Care');
    expect(overview).not.toContain(world.providerA.name);
    expect((await lead.get(pageOf(third.id)).expect(200)).text).toContain('Back to equality publications');
    const manager = await signedInAgent(app, world.manager.id);
    await manager.get('/publications').expect(200);
    expect((await manager.get(pageOf(world.providerB.id)).expect(200)).text).toContain(
      'Back to equality publications',
    );
  });

  test('a contributor and a viewer read but cannot record; only staff editors check', async () => {
    const contributor = await signedInAgent(app, contributorId);
    const page = await contributor.get(pageOf(world.providerA.id)).expect(200);
    expect(page.text).not.toMatch(/>Record<span/);
    await contributor.get(recordUrl(world.providerA.id, 'wdes-report', 2026)).expect(403);
    const viewer = await signedInAgent(app, world.viewer.id);
    const viewerPage = await viewer.get(pageOf(world.providerA.id)).expect(200);
    expect(viewerPage.text).not.toMatch(/>Record<span/);
    expect(viewerPage.text).not.toContain('Mark as checked');
    await viewer.get(recordUrl(world.providerA.id, 'wdes-report', 2026)).expect(403);
    const lead = await signedInAgent(app, world.leadA.id);
    const token = csrfTokenFrom((await lead.get(pageOf(world.providerA.id)).expect(200)).text);
    const check = await lead
      .post(`${recordUrl(world.providerA.id, 'modern-slavery-statement', 2026)}/check`)
      .type('form')
      .send({ _csrf: token });
    expect(check.status).toBe(403);
  });

  test('staff see every active provider across the obligations, not applicable with its reason', async () => {
    const manager = await signedInAgent(app, world.manager.id);
    const overview = await manager.get('/publications?year=2026').expect(200);
    expect(overview.text).toContain(world.providerA.name);
    expect(overview.text).toContain(world.providerB.name);
    expect(overview.text).toContain('Modern slavery');
    expect(overview.text).toContain('It is recorded as: care home.');
    expect(overview.text).toMatch(/Overdue: \d+/);
    const csv = await manager.get('/publications/export.csv?year=2026').expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.text).toContain(
      `${world.providerA.name},${world.providerA.odsCode},2026/27,Modern slavery statement,"Published, not checked yet",,,https://www.alpha.example.nhs.uk/msa,2026-06-02,,,yes`,
    );
    expect(csv.text).toContain(
      `${world.providerB.name},${world.providerB.odsCode},2026/27,Workforce Disability Equality Standard (WDES) report,Not applicable,,`,
    );
    // A lead's export holds only their own provider.
    const leadCsv = await (
      await signedInAgent(app, world.leadB.id)
    )
      .get('/publications/export.csv')
      .expect(200);
    expect(leadCsv.text).toContain(world.providerB.name);
    expect(leadCsv.text).not.toContain(world.providerA.name);
    const provider = await manager.get(`/providers/${world.providerA.id}`).expect(200);
    expect(provider.text).toContain(`href="/providers/${world.providerA.id}/publications"`);
  });
});
