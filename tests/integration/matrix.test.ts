import { once } from 'node:events';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import pg from 'pg';
import supertest from 'supertest';
import { paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, signedInAgent, signedInCookie } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  createContract,
  createProvider,
  createReturn,
  createTwoProviderWorld,
  frameworkVersion,
  importTestStandards,
} from '../support/fixtures.js';
import { answerReturn, submitReturn } from '../support/review-fixtures.js';
import { statementsDuring } from '../support/statements.js';

// The compliance matrix: providers x standards for a period, its filters, sort, search, counts and
// results, who may see it, and a constant number of SQL statements whatever the number of providers.
const NOW = new Date('2027-04-10T12:00:00.000Z'); // the fixtures' returns fall due on 31 March 2027

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let managerAgent: Awaited<ReturnType<typeof signedInAgent>>;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  app = buildTestApp(db, { clock: () => NOW });
  world = await createTwoProviderWorld(db.prisma);
  // Provider A: AIS fully answered and submitted, EDS 2022 answered (in progress, not overdue thanks to
  // an extension). Provider B: AIS not started and overdue.
  await answerReturn(db.prisma, world.returnA.id, world.leadA.id);
  await submitReturn(db.prisma, world.returnA.id, world.leadA.id, NOW);
  const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
  const edsA = await createReturn(
    db.prisma,
    {
      contractId: world.contractA.id,
      providerId: world.providerA.id,
      frameworkVersionId: eds.id,
      periodId: world.period.id,
    },
    { status: 'in_progress', dueDate: new Date('2027-06-30') },
  );
  await answerReturn(db.prisma, edsA.id, world.leadA.id);
  managerAgent = await signedInAgent(app, world.manager.id);
});
afterAll(async () => {
  await db.drop();
});

/** The text of the body of the row whose header names the provider. */
function rowText(html: string, providerName: string): string {
  const rows = html.split('<tr>').slice(1);
  const row = rows.find((item) => new RegExp(`scope="row"><a [^>]*>${providerName}</a>`).test(item));
  if (!row) throw new Error(`No row for ${providerName}`);
  return row
    .slice(0, row.indexOf('</tr>'))
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}

function providerOrder(html: string): string[] {
  return [...html.matchAll(/scope="row"><a [^>]*>([^<]+)<\/a>/g)].map((match) => match[1] ?? '');
}

describe('who may see the matrix', () => {
  test('anonymous visitors go to sign-in', async () => {
    const response = await supertest(app).get(paths.matrix.show).expect(302);
    expect(response.headers.location).toBe(paths.signIn);
  });

  test('provider leads are refused; viewers, managers and admins see it', async () => {
    const lead = await signedInAgent(app, world.leadA.id);
    await lead.get(paths.matrix.show).expect(403);
    await lead.get(paths.matrix.export).expect(403);
    for (const userId of [world.viewer.id, world.admin.id]) {
      const agent = await signedInAgent(app, userId);
      expect((await agent.get(paths.matrix.show).expect(200)).text).toContain('<h1>Compliance matrix</h1>');
    }
  });

  test('staff land on what needs attention and the matrix; provider leads keep their home page', async () => {
    const staffHome = (await managerAgent.get(paths.home).expect(200)).text;
    expect(staffHome).toMatch(/<h1[^>]*>Your work<\/h1>/);
    expect(staffHome).toMatch(/<h2[^>]*>Compliance matrix<\/h2>/);
    expect(staffHome).toContain('id="matrix"');
    // The table scrolls inside its labelled, focusable region, never the page; the caption naming
    // both sits above the region, so it wraps on a narrow screen instead of being cut off.
    expect(staffHome).toMatch(
      /<p [^>]*id="matrix-caption">Compliance in [^<]*<\/p>\s*<section class="app-table-scroll" aria-labelledby="matrix-caption" tabindex="0">\s*<table class="nhsuk-table" id="matrix" aria-labelledby="matrix-caption">/,
    );
    const lead = await signedInAgent(app, world.leadA.id);
    const home = (await lead.get(paths.home).expect(200)).text;
    expect(home).not.toContain('Compliance matrix');
    expect(home).toContain('Alpha Hospitals NHS Trust');
  });
});

/** A GET's headers and body as sent (not inflated), asking for the encodings given. */
async function rawGet(url: string, cookie: string, acceptEncoding: string) {
  return new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    httpGet(url, { headers: { cookie, 'accept-encoding': acceptEncoding } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('sent compressed to browsers', () => {
  test('the matrix and the staff home page: the table compressed, the page around it (its CSRF token) as it is, the same page as without compression', async () => {
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
      const cookie = await signedInCookie(base, world.manager.id);
      const tableOf = (html: string) => html.slice(html.indexOf('<table'), html.indexOf('</table>'));
      for (const path of [paths.matrix.show, paths.home]) {
        const plain = await rawGet(`${base}${path}`, cookie, 'identity');
        const gzipped = await rawGet(`${base}${path}`, cookie, 'gzip, deflate, br, zstd');
        for (const response of [plain, gzipped]) {
          expect(response.headers.vary).toMatch(/Accept-Encoding/);
          expect(Number(response.headers['content-length'])).toBe(response.body.length);
        }
        expect(plain.headers['content-encoding']).toBeUndefined();
        expect(gzipped.headers['content-encoding']).toBe('gzip');
        const html = zlib.gunzipSync(gzipped.body).toString();
        expect(tableOf(html)).toContain('Alpha Hospitals NHS Trust');
        expect(tableOf(html)).toBe(tableOf(plain.body.toString()));
        expect(html).toMatch(/<\/html>\s*$/);
        // The table shrinks; the page's secret is sent as it is, never compressed beside what the
        // request chose (the filters it echoes), so a response's size says nothing of it.
        expect(gzipped.body.length).toBeLessThan(Buffer.byteLength(html));
        expect(gzipped.body.includes(csrfTokenFrom(html))).toBe(true);
      }
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});

describe('the matrix page', () => {
  test('shows each return state as text, overdue days, the results and a link to each return', async () => {
    // The standards alone (publications have their own test below).
    const html = (await managerAgent.get(`${paths.matrix.show}?obligation=none`).expect(200)).text;
    expect(html).toContain(`Compliance in ${world.period.label}: 2 providers, sorted by Provider, ascending`);
    const alpha = rowText(html, 'Alpha Hospitals NHS Trust');
    expect(alpha).toContain('Submitted');
    expect(alpha).toContain('6 of 6 steps rated; lowest: Exemplar');
    expect(alpha).toContain('In progress');
    expect(alpha).toContain('Overall: Excelling');
    expect(alpha).toContain('Score 33 out of 33');
    expect(alpha).not.toContain('Overdue');
    // A contract manager goes to the review page of a submitted return.
    expect(html).toContain(`href="/returns/${world.returnA.id}/review"`);
    const bravo = rowText(html, 'Bravo Care Home');
    expect(bravo).toContain('Not started');
    expect(bravo).toContain('Overdue by 10 days');
    expect(bravo).toContain('No return due');
    expect(html).toContain(`href="/returns/${world.returnB.id}"`);
  });

  test('a viewer is linked to the return page, not the review', async () => {
    const viewer = await signedInAgent(app, world.viewer.id);
    const html = (await viewer.get(paths.matrix.show).expect(200)).text;
    expect(html).toContain(`href="/returns/${world.returnA.id}"`);
    expect(html).not.toContain(`href="/returns/${world.returnA.id}/review"`);
  });

  test('counts the returns per state above the table', async () => {
    const html = (await managerAgent.get(paths.matrix.show).expect(200)).text;
    const counts = html.slice(
      html.indexOf('id="matrix-counts"'),
      html.indexOf('</ul>', html.indexOf('id="matrix-counts"')),
    );
    expect(counts).toContain('Not started: 1');
    expect(counts).toContain('In progress: 1');
    expect(counts).toContain('Submitted: 1');
    expect(counts).toContain('Accepted: 0');
    expect(counts).toContain('Overdue: 1');
    expect(counts).toContain('No return due: 1');
  });

  test('filters by state, overdue, provider type, standard, contract manager and search', async () => {
    const names = async (query: string) =>
      providerOrder((await managerAgent.get(`${paths.matrix.show}?${query}`).expect(200)).text);
    expect(await names('state=submitted')).toEqual(['Alpha Hospitals NHS Trust']);
    expect(await names('overdue=yes')).toEqual(['Bravo Care Home']);
    expect(await names('type=care_home')).toEqual(['Bravo Care Home']);
    expect(await names('standard=EDS')).toEqual(['Alpha Hospitals NHS Trust']);
    expect(await names('standard=EDS&state=not_started')).toEqual([]);
    expect(await names(`manager=${world.manager.id}`)).toEqual([
      'Alpha Hospitals NHS Trust',
      'Bravo Care Home',
    ]);
    expect(await names(`manager=${world.admin.id}`)).toEqual([]);
    expect(await names('q=bravo')).toEqual(['Bravo Care Home']);
    expect(await names(`q=${world.providerA.odsCode.toLowerCase()}`)).toEqual(['Alpha Hospitals NHS Trust']);
    // Nonsense in the URL is ignored, never an error.
    expect(await names('state=nonsense&type=x&manager=1&sort=zzz&order=up')).toHaveLength(2);
  });

  test('keeps the filters in the form and in the sort links, so a view can be shared', async () => {
    const html = (await managerAgent.get(`${paths.matrix.show}?type=care_home&q=Bravo`).expect(200)).text;
    expect(html).toContain('<option value="care_home" selected>');
    expect(html).toContain('value="Bravo"');
    expect(html).toMatch(/href="\/matrix\?period=[0-9a-f-]+&amp;type=care_home&amp;q=Bravo&amp;sort=ods"/);
  });

  test('sorts by any column, marking the sorted header with aria-sort and saying so in the caption', async () => {
    const byName = await managerAgent.get(`${paths.matrix.show}?order=desc`).expect(200);
    expect(providerOrder(byName.text)).toEqual(['Bravo Care Home', 'Alpha Hospitals NHS Trust']);
    expect(byName.text).toContain('sorted by Provider, descending');
    expect(byName.text).toMatch(/aria-sort="descending"><a class="nhsuk-link" href="[^"]*">Provider/);

    const byAis = await managerAgent.get(`${paths.matrix.show}?sort=standard-AIS`).expect(200);
    // Work still owed first: not started (Bravo) before submitted (Alpha).
    expect(providerOrder(byAis.text)).toEqual(['Bravo Care Home', 'Alpha Hospitals NHS Trust']);
    expect(byAis.text).toContain('sorted by Accessible Information Standard, ascending');
    expect(byAis.text.match(/aria-sort=/g)).toHaveLength(1);

    const byType = await managerAgent.get(`${paths.matrix.show}?sort=type&order=desc`).expect(200);
    expect(providerOrder(byType.text)).toEqual(['Bravo Care Home', 'Alpha Hospitals NHS Trust']);
  });

  test('heads each standard with its code, its full name hidden for screen readers and spelt out in the key', async () => {
    const { text } = await managerAgent.get(paths.matrix.show).expect(200);
    // The visible label first (so it is in the link's name, WCAG 2.5.3), then the full name.
    expect(text).toMatch(
      /<a class="nhsuk-link" href="[^"]*sort=standard-AIS[^"]*">AIS<span class="nhsuk-u-visually-hidden"> \(Accessible Information Standard\)<\/span>/,
    );
    expect(text).toMatch(/>EDS<span class="nhsuk-u-visually-hidden"> \(Equality Delivery System\)<\/span>/);
    const key = /<p class="nhsuk-body-s" id="matrix-key">([^<]*)<\/p>/.exec(text)?.[1];
    expect(key).toBe(
      'Column headings: AIS is the Accessible Information Standard, EDS is the Equality Delivery System, ' +
        'WDES is the Workforce Disability Equality Standard return, owed and due as its report is, ' +
        'WRES is the Workforce Race Equality Standard return, owed and due as its report is. ' +
        'The columns after them are the provider’s equality publications for the period’s financial year.',
    );
  });

  test('exports the filtered view as CSV', async () => {
    const response = await managerAgent.get(`${paths.matrix.export}?type=care_home`).expect(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toContain('attachment');
    const lines = response.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toContain('Provider,ODS code,Provider type');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('Bravo Care Home');
    expect(lines[1]).toContain('Not started,10');
  });
});

describe('the number of SQL statements', () => {
  async function addProviders(count: number): Promise<void> {
    const ais = await frameworkVersion(db.prisma, 'AIS', '2025');
    for (let index = 0; index < count; index += 1) {
      const provider = await createProvider(db.prisma, {
        name: `Bulk Provider ${String(index).padStart(3, '0')}`,
      });
      const contract = await createContract(db.prisma, provider.id, world.manager.id);
      await createReturn(db.prisma, {
        contractId: contract.id,
        providerId: provider.id,
        frameworkVersionId: ais.id,
        periodId: world.period.id,
      });
    }
  }

  test('do not grow with the number of providers (10 vs 200), whether the data just changed or not', async () => {
    const agent = await signedInAgent(app, world.manager.id);
    await agent.get(paths.matrix.show).expect(200); // the session is loaded alike every time
    /** Statements and rows of a view just after the data changed (read afresh), then of the next one. */
    const view = async () => {
      let rows = 0;
      const statements = await statementsDuring(async () => {
        rows = providerOrder((await agent.get(paths.matrix.show).expect(200)).text).length;
      });
      return { statements: statements.length, rows };
    };
    await addProviders(8);
    const changedTen = await view();
    const sameTen = await view();
    expect([changedTen.rows, sameTen.rows]).toEqual([10, 10]);
    await addProviders(190);
    const changedTwoHundred = await view();
    const sameTwoHundred = await view();
    expect([changedTwoHundred.rows, sameTwoHundred.rows]).toEqual([200, 200]);
    expect(changedTwoHundred.statements).toBe(changedTen.statements);
    expect(sameTwoHundred.statements).toBe(sameTen.statements);
    expect(changedTen.statements).toBeLessThan(20);
    // Unchanged data is not read again: only its fingerprint (and the session) is.
    expect(sameTen.statements).toBeLessThan(changedTen.statements);
  });
});

describe('data kept between requests', () => {
  test('every change to what the matrix shows appears on the next view', async () => {
    const show = async () => (await managerAgent.get(paths.matrix.show).expect(200)).text;
    await show();

    await db.prisma.provider.update({ where: { id: world.providerB.id }, data: { name: 'Bravo House' } });
    let html = await show();
    expect(rowText(html, 'Bravo House')).toContain('Not started');
    expect(html).not.toContain('Bravo Care Home');

    await db.prisma.return.update({ where: { id: world.returnB.id }, data: { status: 'in_progress' } });
    expect(rowText(await show(), 'Bravo House')).toContain('In progress');

    // A rating taken back changes the tally, hence the result shown.
    const eds = await frameworkVersion(db.prisma, 'EDS', '2022');
    const edsA = await db.prisma.return.findFirstOrThrow({
      where: { providerId: world.providerA.id, frameworkVersionId: eds.id },
    });
    const answer = await db.prisma.response.findFirstOrThrow({ where: { returnId: edsA.id } });
    await db.prisma.response.update({ where: { id: answer.id }, data: { ratingLevelId: null } });
    html = await show();
    expect(rowText(html, 'Alpha Hospitals NHS Trust')).toContain('Overall: not available yet');

    await db.prisma.user.update({
      where: { id: world.manager.id },
      data: { displayName: 'Renamed Manager' },
    });
    expect(await show()).toContain('>Renamed Manager</option>');

    await db.prisma.provider.delete({
      where: { id: (await createProvider(db.prisma, { name: 'Gone' })).id },
    });
    await createProvider(db.prisma, { name: 'Charlie Clinic' });
    html = await show();
    expect(rowText(html, 'Charlie Clinic')).toContain('No return due');
    expect(html).not.toContain('>Gone</th>');
  });

  test('a change committed after a later one still appears (writers committing out of order)', async () => {
    const show = async () => (await managerAgent.get(paths.matrix.show).expect(200)).text;
    const early = new pg.Client({ connectionString: db.url });
    const late = new pg.Client({ connectionString: db.url });
    await Promise.all([early.connect(), late.connect()]);
    try {
      await early.query('BEGIN');
      await early.query("UPDATE providers SET name = 'Alpha Renamed First' WHERE id = $1", [
        world.providerA.id,
      ]);
      await late.query("UPDATE providers SET name = 'Bravo Renamed Second' WHERE id = $1", [
        world.providerB.id,
      ]);
      // Read while the earlier writer is still open: the matrix keeps this view.
      expect(await show()).toContain('Bravo Renamed Second');
      await early.query('COMMIT');
      expect(await show()).toContain('Alpha Renamed First');
    } finally {
      await Promise.all([early.end(), late.end()]);
    }
  });
});

describe('equality obligations as columns', () => {
  test('each obligation is a column of text states linking to the publications, filtered like the standards, and in the CSV', async () => {
    // A small care home: the WRES report and the AIS publication apply, the gender pay gap does not.
    const home = await createProvider(db.prisma, {
      name: 'Heron Lodge Care Home',
      type: 'care_home',
      sector: 'care_home',
      headcountBand: 'under_150',
      turnoverBand: 'under_10m',
      financialYearEndMonth: 3,
      providesMentalHealthServices: false,
    });
    const publications = `/providers/${home.id}/publications?year=2026`;
    const first = await managerAgent.get(`${paths.matrix.show}?period=${world.period.id}`).expect(200);
    expect(first.text).toContain(
      '>Gender pay gap<span class="nhsuk-u-visually-hidden"> (publication)</span></th>',
    );
    const row = rowText(first.text, 'Heron Lodge Care Home');
    // Not applicable in words; who the duty applies to is said once, in the key under the table
    // (each provider's own reason is on its publications page, and in the CSV below).
    expect(row).toContain('Not applicable');
    expect(row).not.toContain('Applies to');
    expect(first.text.match(/Applies to employers with 250 or more employees/g)).toHaveLength(1);
    const key = first.text.slice(first.text.indexOf('id="matrix-publications-key"'));
    expect(key.replace(/<[^>]+>/g, '')).toContain(
      'Gender pay gap: Gender pay gap report. Applies to employers with 250 or more employees.',
    );
    // The AIS publication fell due on 31 March 2027: 10 days before NOW.
    expect(row).toContain('Overdue 10 days since it was due on 31 March 2027');
    expect(row).toContain('Overdue 161 days since it was due on 31 October 2026');
    expect(first.text).toContain(`href="${publications}"`);

    // Recorded: the next view shows it (the matrix's kept data follows publications).
    await db.prisma.publication.create({
      data: {
        providerId: home.id,
        obligationCode: 'wres-report',
        obligationVersion: 1,
        year: 2026,
        status: 'published',
        url: 'https://www.heron.example.org/wres',
        publishedOn: new Date('2026-10-01'),
        recordedById: world.manager.id,
        recordedAt: NOW,
      },
    });
    const second = await managerAgent.get(`${paths.matrix.show}?period=${world.period.id}`).expect(200);
    expect(rowText(second.text, 'Heron Lodge Care Home')).toContain(
      'Published, not checked yet Published on 1 October 2026',
    );

    // One obligation: its column only, and the providers it applies to.
    const payGap = await managerAgent
      .get(`${paths.matrix.show}?period=${world.period.id}&obligation=gender-pay-gap`)
      .expect(200);
    expect(payGap.text).not.toContain('Heron Lodge Care Home');
    expect(payGap.text).not.toContain('>WRES report<span');
    const ais = await managerAgent
      .get(
        `${paths.matrix.show}?period=${world.period.id}&obligation=ais-self-assessment&publication=overdue`,
      )
      .expect(200);
    expect(rowText(ais.text, 'Heron Lodge Care Home')).toContain(
      'Overdue 10 days since it was due on 31 March 2027',
    );
    expect(ais.text).toContain('<option value="ais-self-assessment" selected>');
    const none = await managerAgent
      .get(`${paths.matrix.show}?period=${world.period.id}&obligation=none`)
      .expect(200);
    expect(none.text).not.toContain('(publication)</span></th>');
    expect(none.text).toContain('Heron Lodge Care Home');

    const csv = await managerAgent
      .get(`${paths.matrix.export}?period=${world.period.id}&q=heron`)
      .expect(200);
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    const wres = 'Workforce Race Equality Standard (WRES) report';
    expect(lines[0]).toContain(
      [
        `${wres}: state`,
        `${wres}: detail`,
        `${wres}: published at`,
        `${wres}: date published`,
        `${wres}: checked by`,
        `${wres}: checked at`,
      ].join(','),
    );
    expect(lines).toHaveLength(2);
    // The record itself: where and when it was published, and (not yet) who checked it and when.
    expect(lines[1]).toContain(
      '"Published, not checked yet",Published on 1 October 2026,https://www.heron.example.org/wres,2026-10-01,,',
    );
    expect(lines[1]).toContain('Overdue,10 days since it was due on 31 March 2027');
    // The reason the page's cell leaves to the key and the publications page, in full.
    expect(lines[1]).toContain(
      'Not applicable,Applies to employers with 250 or more employees. It has fewer than 150 employees.',
    );

    // Checked: who checked it and when.
    await db.prisma.publication.updateMany({
      where: { providerId: home.id, obligationCode: 'wres-report' },
      data: { status: 'checked', checkedById: world.manager.id, checkedAt: NOW },
    });
    const checked = await managerAgent
      .get(`${paths.matrix.export}?period=${world.period.id}&q=heron`)
      .expect(200);
    const checker = await db.prisma.user.findUniqueOrThrow({ where: { id: world.manager.id } });
    expect(checked.text).toContain(
      `Checked,Published on 1 October 2026,https://www.heron.example.org/wres,2026-10-01,${checker.displayName},${NOW.toISOString()}`,
    );
  });
});

describe('WRES and WDES returns as columns', () => {
  test('each provider’s return status for the year, overdue after its report’s due date, not applicable where its rule says, filtered and in the CSV', async () => {
    // An NHS trust owes both (due 31 October 2026, 161 days before NOW); a GP practice neither.
    const trust = await createProvider(db.prisma, { name: 'Kestrel NHS Trust', sector: 'nhs_trust' });
    await createProvider(db.prisma, { name: 'Lark Surgery', sector: 'gp_practice' });
    await createProvider(db.prisma, { name: 'Merlin Clinic', sector: null });
    const wres = await db.prisma.workforceReturn.create({
      data: {
        providerId: trust.id,
        standardCode: 'WRES',
        standardVersion: '2025',
        year: 2026,
        status: 'submitted',
        createdById: world.leadA.id,
      },
      select: { id: true },
    });
    const page = await managerAgent.get(`${paths.matrix.show}?period=${world.period.id}`).expect(200);
    // Headed by a sort link, like a standard's column.
    expect(page.text).toMatch(
      /<a class="nhsuk-link" href="[^"]*sort=standard-WRES">WRES<span class="nhsuk-u-visually-hidden"> \(Workforce Race Equality Standard return\)<\/span>/,
    );
    const kestrel = rowText(page.text, 'Kestrel NHS Trust');
    // Submitted (no longer overdue), linked to its review for a contract manager; WDES not started.
    expect(kestrel).toContain('Submitted View WRES return of Kestrel NHS Trust');
    expect(page.text).toContain(`href="/workforce/returns/${wres.id}/review"`);
    expect(kestrel).toContain('Not started Overdue by 161 days');
    const lark = rowText(page.text, 'Lark Surgery');
    expect(lark).toMatch(
      /^ Lark Surgery Publications of Lark Surgery \S+ [^<]*?No return due No return due Not applicable Not applicable /,
    );
    // Facts not recorded: not known, never a guess.
    expect(rowText(page.text, 'Merlin Clinic')).toContain('No return due No return due Not known Not known');

    // Filtered like the standards: the WRES column alone, the providers that owe or have one.
    const names = async (query: string) =>
      providerOrder(
        (await managerAgent.get(`${paths.matrix.show}?period=${world.period.id}&${query}`).expect(200)).text,
      );
    const wresOnly = (await managerAgent.get(`${paths.matrix.show}?standard=WRES`).expect(200)).text;
    expect(wresOnly).toContain('<option value="WRES" selected>');
    expect(wresOnly).not.toContain('>WDES<span');
    expect(wresOnly).not.toContain('>AIS<span');
    expect(providerOrder(wresOnly)).toContain('Kestrel NHS Trust');
    expect(providerOrder(wresOnly)).not.toContain('Lark Surgery');
    expect(await names('standard=WRES&state=submitted')).toEqual(['Kestrel NHS Trust']);
    expect(await names('standard=WDES&overdue=yes')).toContain('Kestrel NHS Trust');
    expect(await names('standard=WRES&overdue=yes')).not.toContain('Kestrel NHS Trust');

    // Sorted by the WRES return: work still owed first (in progress before submitted), then none owed
    // or not known, by name; the other way round when sorted descending.
    const wren = await createProvider(db.prisma, { name: 'Wren NHS Trust', sector: 'nhs_trust' });
    await db.prisma.workforceReturn.create({
      data: {
        providerId: wren.id,
        standardCode: 'WRES',
        standardVersion: '2025',
        year: 2026,
        status: 'in_progress',
        createdById: world.leadA.id,
      },
    });
    const ours = ['Wren NHS Trust', 'Kestrel NHS Trust', 'Lark Surgery', 'Merlin Clinic'];
    const sorted = await managerAgent
      .get(`${paths.matrix.show}?period=${world.period.id}&sort=standard-WRES`)
      .expect(200);
    expect(providerOrder(sorted.text).filter((name) => ours.includes(name))).toEqual(ours);
    expect(sorted.text).toContain('sorted by Workforce Race Equality Standard return, ascending');
    expect(sorted.text).toMatch(/aria-sort="ascending"><a class="nhsuk-link" href="[^"]*order=desc">WRES</);
    expect((await names('sort=standard-WRES&order=desc')).filter((name) => ours.includes(name))).toEqual(
      [...ours].reverse(),
    );

    // In the CSV: state, days overdue, due date.
    const csv = await managerAgent
      .get(`${paths.matrix.export}?period=${world.period.id}&q=kestrel`)
      .expect(200);
    const [header, line] = csv.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(header).toContain(
      'Workforce Race Equality Standard return: state,Workforce Race Equality Standard return: days overdue,Workforce Race Equality Standard return: due date',
    );
    expect(line).toContain('Not started,161,2026-10-31');
    expect(line).toContain('Submitted,,2026-10-31');

    // A decision shows on the next view (the matrix's kept data follows workforce returns).
    await db.prisma.workforceReturn.update({ where: { id: wres.id }, data: { status: 'accepted' } });
    const after = await managerAgent.get(`${paths.matrix.show}?period=${world.period.id}`).expect(200);
    expect(rowText(after.text, 'Kestrel NHS Trust')).toContain(
      'Accepted View WRES return of Kestrel NHS Trust',
    );
    expect(after.text).toContain(`href="/workforce/returns/${wres.id}"`);
    expect(rowText(after.text, 'Lark Surgery')).not.toContain('View');
  });
});
