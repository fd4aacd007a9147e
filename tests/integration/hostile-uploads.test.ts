import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import ExcelJS from 'exceljs';
import supertest from 'supertest';
import type { Response as TestResponse } from 'supertest';
import { sha256 } from '../../src/hash.js';
import { pathTo, paths } from '../../src/paths.js';
import {
  buildTestApp,
  csrfTokenFrom,
  signedInAgent,
  testConfig,
  useLoopbackServer,
  type Agent,
} from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  htmlPdfPolyglot,
  linuxExecutable,
  officeOpenXmlFile,
  oleOfficeFile,
  pdfFile,
  pdfWithAction,
  pdfWithScriptInObjectStream,
  pngFile,
  pngHtmlPolyglot,
  storedZip,
  windowsExecutable,
} from '../support/evidence-files.js';
import {
  EICAR,
  EICAR_SIGNATURE,
  MALWARE_MARKER,
  MARKER_SIGNATURE,
  testClamdEnvironment,
} from '../support/clamd.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';

// Files built to hurt: executables and pictures dressed as documents, zip bombs dressed as Word
// files, macros, PDF scripts and launch actions, polyglots, malware, and a body that never ends. Each
// the app can judge itself is refused with its reason on the page, and nothing of it is stored: no
// file, no evidence item, no link, no audit event of an upload. Malware only the virus scanner
// recognises is kept in quarantine, where no one can download it.

// A small limit keeps the hostile files small; the checks scale with it (zip contents may come to 20
// times the limit, 1.25 MB here).
const MAX_BYTES = 64 * 1024;

let db: TestDatabase;
let app: ReturnType<typeof buildTestApp>;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let lead: Agent;
let evidencePage: string;
beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
  app = buildTestApp(db, { config: testConfig({ EVIDENCE_MAX_BYTES: String(MAX_BYTES) }) });
  lead = await signedInAgent(app, world.leadA.id);
  const [first] = world.returnA.responses;
  if (!first) throw new Error('return A has no responses');
  evidencePage = pathTo(paths.evidence.upload, {
    returnId: world.returnA.id,
    requirementId: first.requirementId,
  });
});
afterAll(async () => {
  await db.drop();
});

async function stored() {
  const [files, evidence, links, uploads] = await Promise.all([
    db.prisma.evidenceFile.count(),
    db.prisma.evidence.count(),
    db.prisma.evidenceLink.count(),
    db.prisma.auditEvent.count({ where: { action: { in: ['evidence.uploaded', 'evidence.linked'] } } }),
  ]);
  return { files, evidence, links, uploads };
}

async function upload(content: Buffer, name: string): Promise<TestResponse> {
  const token = csrfTokenFrom((await lead.get(evidencePage).expect(200)).text);
  return lead.post(evidencePage).field('_csrf', token).attach('file', content, name);
}

/** The error summary's messages. */
function problems(html: string): string[] {
  const summary = /<div class="nhsuk-error-summary"[\s\S]*?<\/div>\s*<\/div>/.exec(html)?.[0] ?? '';
  return [...summary.matchAll(/<a href="#file">([^<]*)<\/a>/g)].map((match) => match[1] ?? '');
}

const TYPES_MESSAGE =
  'The selected file must be a PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG file';
const BOMB_MESSAGE =
  'The selected file expands to more than 1.3 MB when opened: reduce its size and upload it again';
const DAMAGED_MESSAGE = 'The selected file is damaged: open it, save it again and upload the new copy';
const MACROS_MESSAGE =
  'The selected file contains macros, which are not accepted: save a copy without macros (for example as .docx or .xlsx) and upload that';
const PDF_JAVASCRIPT_MESSAGE =
  'The selected PDF contains JavaScript, which is not accepted: print it to a new PDF (or save a copy without scripts) and upload that';
const PDF_LAUNCH_MESSAGE =
  'The selected PDF contains an action that starts another program, which is not accepted: print it to a new PDF and upload that';
const WEB_PAGE_MESSAGE =
  'The selected file contains web page code near its start, which is not accepted: save it again from the program that made it and upload the new copy';

/** Deflates to a few kilobytes, decompresses to many megabytes. */
const zeros = (megabytes: number) => Buffer.alloc(megabytes * 1024 * 1024);

describe('refused with the reason, nothing stored', () => {
  test.each<[string, () => Buffer, string, string]>([
    ['a Linux program renamed .pdf', linuxExecutable, 'policy.pdf', TYPES_MESSAGE],
    ['a Windows program renamed .pdf', windowsExecutable, 'policy.pdf', TYPES_MESSAGE],
    ['a shell script renamed .pdf', () => Buffer.from('#!/bin/sh\nrm -rf /\n'), 'policy.pdf', TYPES_MESSAGE],
    [
      'an SVG picture (it can carry script) renamed .png',
      () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
      'chart.png',
      TYPES_MESSAGE,
    ],
    [
      'a picture named .pdf',
      () => pngFile(),
      'board report.pdf',
      'The selected file is a PNG image file but its name ends in .pdf: rename it to end in .png, or choose the right file',
    ],
    [
      'a PDF named .exe',
      () => pdfFile(),
      'setup.exe',
      'The selected file is a PDF file but its name ends in .exe: rename it to end in .pdf, or choose the right file',
    ],
    [
      'a Word document named .xlsx',
      () => officeOpenXmlFile('docx'),
      'scores.xlsx',
      'The selected file is a Word file but its name ends in .xlsx: rename it to end in .docx, or choose the right file',
    ],
    [
      'a zip bomb dressed as .docx that says how big it is',
      () =>
        officeOpenXmlFile('docx', undefined, [
          { name: 'word/media/fill.bin', content: zeros(8), deflate: true },
        ]),
      'policy.docx',
      BOMB_MESSAGE,
    ],
    [
      'a zip bomb dressed as .docx that claims to be small',
      () =>
        officeOpenXmlFile('docx', undefined, [
          { name: 'word/media/fill.bin', content: zeros(8), deflate: true, declaredSize: 1024 },
        ]),
      'policy.docx',
      DAMAGED_MESSAGE,
    ],
    [
      'a zip bomb dressed as .xlsx made of many small entries',
      () =>
        officeOpenXmlFile(
          'xlsx',
          undefined,
          Array.from({ length: 40 }, (_unused, index) => ({
            name: `xl/media/fill${String(index)}.bin`,
            content: zeros(0.25),
            deflate: true,
          })),
        ),
      'scores.xlsx',
      BOMB_MESSAGE,
    ],
    [
      'a .docx whose entries point past its end',
      () => {
        const file = officeOpenXmlFile('docx');
        // The second local header's offset in the central directory, moved beyond the file.
        const central = file.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
        file.writeUInt32LE(file.length + 1000, central + 42);
        return file;
      },
      'policy.docx',
      DAMAGED_MESSAGE,
    ],
    [
      'a .docx carrying a VBA project',
      () => officeOpenXmlFile('docx', undefined, [{ name: 'word/vbaProject.bin', content: 'VBA' }]),
      'policy.docx',
      MACROS_MESSAGE,
    ],
    [
      'an .xlsx carrying a VBA project',
      () =>
        officeOpenXmlFile('xlsx', undefined, [{ name: 'xl/vbaProject.bin', content: 'VBA', deflate: true }]),
      'scores.xlsx',
      MACROS_MESSAGE,
    ],
    [
      'an old .doc with macro storages',
      () =>
        oleOfficeFile('WordDocument', [
          { name: 'Macros', type: 'storage' },
          { name: 'VBA', type: 'storage' },
        ]),
      'policy.doc',
      MACROS_MESSAGE,
    ],
    [
      'an old .xls with a VBA project storage',
      () => oleOfficeFile('Workbook', [{ name: '_VBA_PROJECT_CUR', type: 'storage' }]),
      'scores.xls',
      MACROS_MESSAGE,
    ],
    [
      'an OpenDocument text with StarBasic macros',
      () =>
        storedZip([
          { name: 'mimetype', content: 'application/vnd.oasis.opendocument.text' },
          { name: 'content.xml', content: '<office:document-content/>' },
          { name: 'Basic/Standard/Module1.xml', content: '<script:module/>' },
        ]),
      'policy.odt',
      MACROS_MESSAGE,
    ],
    [
      'a PDF with a JavaScript /OpenAction',
      () => pdfWithAction('/S /JavaScript /JS (app.launchURL("https://example.com"))'),
      'policy.pdf',
      PDF_JAVASCRIPT_MESSAGE,
    ],
    [
      'a PDF hiding /JavaScript behind #xx escapes',
      () => pdfWithAction('/S /J#61v#61Script /J#53 (app.alert(1))'),
      'policy.pdf',
      PDF_JAVASCRIPT_MESSAGE,
    ],
    [
      'a PDF hiding its script in a compressed object stream',
      pdfWithScriptInObjectStream,
      'policy.pdf',
      PDF_JAVASCRIPT_MESSAGE,
    ],
    [
      'a PDF with a launch action',
      () => pdfWithAction('/S /Launch /Win << /F (cmd.exe) /P (/c calc) >>'),
      'policy.pdf',
      PDF_LAUNCH_MESSAGE,
    ],
    ['an HTML/PDF polyglot', htmlPdfPolyglot, 'report.pdf', WEB_PAGE_MESSAGE],
    ['a PNG/HTML polyglot', pngHtmlPolyglot, 'poster.png', WEB_PAGE_MESSAGE],
    ['an empty file', () => Buffer.alloc(0), 'policy.pdf', 'The selected file is empty'],
  ])('%s', async (_case, content, name, message) => {
    const before = await stored();
    const response = await upload(content(), name);
    expect(response.status).toBe(400);
    expect(problems(response.text)).toEqual([message]);
    expect(response.text).toContain('<title>Error: ');
    expect(await stored()).toEqual(before);
  });
});

test('eight zip bombs at once are all refused, each as soon as an entry outgrows its declared size', async () => {
  const bomb = () =>
    officeOpenXmlFile('docx', undefined, [
      { name: 'word/media/fill.bin', content: zeros(32), deflate: true, declaredSize: 1024 },
    ]);
  const before = await stored();
  const responses = await Promise.all(Array.from({ length: 8 }, () => upload(bomb(), 'policy.docx')));
  expect(responses.map((response) => [response.status, problems(response.text)])).toEqual(
    Array.from({ length: 8 }, () => [400, [DAMAGED_MESSAGE]]),
  );
  expect(await stored()).toEqual(before);
});

test('each kind of active content is refused or allowed by configuration', async () => {
  const lenient = buildTestApp(db, {
    config: testConfig({
      EVIDENCE_MAX_BYTES: String(MAX_BYTES),
      EVIDENCE_REFUSE_OFFICE_MACROS: 'false',
      EVIDENCE_REFUSE_PDF_JAVASCRIPT: 'false',
    }),
  });
  const agent = await signedInAgent(lenient, world.leadA.id);
  const send = async (content: Buffer, name: string) => {
    const token = csrfTokenFrom((await agent.get(evidencePage).expect(200)).text);
    return agent.post(evidencePage).field('_csrf', token).attach('file', content, name);
  };
  const macros = officeOpenXmlFile('docx', undefined, [{ name: 'word/vbaProject.bin', content: 'VBA' }]);
  expect((await send(macros, 'macros.docx')).status).toBe(302);
  expect((await send(pdfWithAction('/S /JavaScript /JS (app.alert(1))'), 'script.pdf')).status).toBe(302);
  const launch = await send(pdfWithAction('/S /Launch /F (calc.exe)'), 'launch.pdf');
  expect(problems(launch.text)).toEqual([PDF_LAUNCH_MESSAGE]);
  // Polyglots are refused whatever the configuration.
  expect(problems((await send(htmlPdfPolyglot(), 'page.pdf')).text)).toEqual([WEB_PAGE_MESSAGE]);
});

describe('malware the virus scanner finds (a real clamd) is kept in quarantine, never offered', () => {
  let scanned: Agent;
  beforeAll(async () => {
    const scanningApp = buildTestApp(db, {
      config: testConfig({ EVIDENCE_MAX_BYTES: String(MAX_BYTES), ...testClamdEnvironment() }),
    });
    scanned = await signedInAgent(scanningApp, world.leadA.id);
  });

  test.each<[string, () => Buffer, string, string]>([
    ['the EICAR test file as .txt', () => Buffer.from(EICAR), 'notes.txt', EICAR_SIGNATURE],
    [
      'the EICAR test file inside a Word document',
      () =>
        officeOpenXmlFile('docx', undefined, [
          { name: 'word/embeddings/readme.txt', content: EICAR, deflate: true },
        ]),
      'policy.docx',
      EICAR_SIGNATURE,
    ],
    ['a PDF matching a custom signature', () => pdfFile(MALWARE_MARKER), 'policy.pdf', MARKER_SIGNATURE],
    ['a PNG matching a custom signature', () => pngFile(MALWARE_MARKER), 'poster.png', MARKER_SIGNATURE],
  ])('%s', async (_case, content, name, signature) => {
    const file = content();
    const token = csrfTokenFrom((await scanned.get(evidencePage).expect(200)).text);
    const response = await scanned.post(evidencePage).field('_csrf', token).attach('file', file, name);
    expect(response.status).toBe(302);
    expect(response.headers.location).toMatch(/\?done=blocked$/);
    const row = await db.prisma.evidenceFile.findUniqueOrThrow({ where: { sha256: sha256(file) } });
    expect(row).toMatchObject({ scanStatus: 'infected', scanSignature: signature });
    const evidence = await db.prisma.evidence.findFirstOrThrow({ where: { fileSha256: sha256(file) } });
    const page = (await scanned.get(`${evidencePage}?done=blocked`).expect(200)).text;
    expect(page).toContain(`Blocked: ${signature}`);
    expect(page).toContain('The file was blocked');
    expect(page).not.toContain(pathTo(paths.evidence.download, { evidenceId: evidence.id }));
    const download = await scanned.get(pathTo(paths.evidence.download, { evidenceId: evidence.id }));
    expect(download.status).toBe(409);
    expect(download.text).toContain(`the virus check found ${signature} in it`);
  });
});

test('an archive of more parts than any real document is refused (at the default size limit)', async () => {
  const defaultApp = buildTestApp(db);
  const agent = await signedInAgent(defaultApp, world.leadA.id);
  const parts = Array.from({ length: 10_001 }, (_unused, index) => ({
    name: `p/${String(index)}`,
    content: '',
  }));
  const before = await stored();
  const token = csrfTokenFrom((await agent.get(evidencePage).expect(200)).text);
  const response = await agent
    .post(evidencePage)
    .field('_csrf', token)
    .attach('file', officeOpenXmlFile('pptx', undefined, parts), 'slides.pptx');
  expect(response.status).toBe(400);
  expect(problems(response.text)).toEqual([
    'The selected file holds more than 10,000 parts when opened: reduce its size and upload it again',
  ]);
  expect(await stored()).toEqual(before);
});

describe('still accepted', () => {
  test('Office files with deflated parts, including a workbook written by a real spreadsheet library', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Scores');
    for (let row = 1; row <= 200; row += 1) sheet.addRow([`Provider ${String(row)}`, row, new Date()]);
    const xlsx = Buffer.from(await workbook.xlsx.writeBuffer());
    const docx = officeOpenXmlFile('docx', undefined, [
      { name: 'word/styles.xml', content: '<styles/>'.repeat(500), deflate: true },
    ]);
    for (const [content, name] of [
      [xlsx, 'scores.xlsx'],
      [docx, 'policy.docx'],
    ] as const) {
      const response = await upload(content, name);
      expect({ name, status: response.status, problems: problems(response.text) }).toEqual({
        name,
        status: 302,
        problems: [],
      });
    }
  });

  test('a name without an extension, or ending in a version number, is left to the content', async () => {
    await upload(pdfFile(), 'Policy v2.1').then((response) => expect(response.status).toBe(302));
    await upload(pdfFile(), 'POLICY.PDF').then((response) => expect(response.status).toBe(302));
  });
});

describe('a body larger than the limit', () => {
  const server = useLoopbackServer(() => app);

  /** A session of its own, signed in over the server's real port, and its token. */
  async function sessionOverLoopback(): Promise<{ cookie: string; token: string }> {
    const web = supertest(server());
    const sessionCookie = (response: TestResponse) =>
      (response.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
    const chooser = await web.get(paths.localSignIn).expect(200);
    const signedIn = await web
      .post(paths.localSignIn)
      .set('Cookie', sessionCookie(chooser))
      .type('form')
      .send({ _csrf: csrfTokenFrom(chooser.text), userId: world.leadA.id })
      .expect(302);
    const cookie = sessionCookie(signedIn);
    const token = csrfTokenFrom((await web.get(evidencePage).set('Cookie', cookie).expect(200)).text);
    return { cookie, token };
  }

  /**
   * An upload that never ends, sent a chunk at a time (each waiting for the socket to take it) until
   * the answer comes; then it stops, or with `keepSending` goes on until the server closes the
   * connection. A connection reset before the answer is read fails it (EPIPE, ECONNRESET).
   */
  function endlessUpload(session: { cookie: string; token: string }, keepSending: boolean) {
    const { port } = server().address() as AddressInfo;
    const boundary = 'hostile-upload-boundary';
    let sent = 0;
    let sentWhenAnswered = 0;
    const state = { answered: false };
    const request = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: evidencePage,
      headers: { Cookie: session.cookie, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    });
    const closed = new Promise<void>((resolve) => request.once('close', resolve));
    const answer = new Promise<{ status: number; text: string; sentWhenAnswered: number }>(
      (resolve, reject) => {
        request.on('response', (res: IncomingMessage) => {
          state.answered = true;
          sentWhenAnswered = sent;
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            resolve({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString(),
              sentWhenAnswered,
            });
          });
        });
        // The server closing the connection on us is expected once it has answered.
        request.on('error', (error) => {
          if (!state.answered) reject(error);
        });
      },
    );
    const write = (chunk: Buffer | string) =>
      new Promise<void>((resolveWrite) => {
        sent += Buffer.byteLength(chunk);
        if (request.write(chunk)) resolveWrite();
        else {
          request.once('drain', resolveWrite);
          request.once('close', resolveWrite);
        }
      });
    void (async () => {
      await write(
        `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${session.token}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.pdf"\r\n` +
          'Content-Type: application/pdf\r\n\r\n',
      );
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      while ((keepSending || !state.answered) && !request.destroyed && sent < PLANNED_BYTES) {
        await write(chunk);
        await new Promise((resolveTick) => setImmediate(resolveTick));
      }
      if (!request.destroyed) request.end(`\r\n--${boundary}--\r\n`);
    })();
    return { answer, closed, sentAfterAnswer: () => sent - sentWhenAnswered };
  }
  const PLANNED_BYTES = 64 * 1024 * 1024;

  test('is cut off at the limit: the answer comes while the client is still sending, nothing stored', async () => {
    const before = await stored();
    const response = await endlessUpload(await sessionOverLoopback(), false).answer;
    expect(response.status).toBe(413);
    expect(response.text).toContain('The file must be smaller than 64 KB');
    // The server stopped reading: its answer came long before the client had sent the whole body.
    expect(response.sentWhenAnswered).toBeLessThan(PLANNED_BYTES / 4);
    expect(await stored()).toEqual(before);
  });

  test('a client that goes on sending after the answer is disconnected, not read to the end', async () => {
    const upload = endlessUpload(await sessionOverLoopback(), true);
    expect((await upload.answer).status).toBe(413);
    // What it sends meanwhile is read and thrown away (a close with unread bytes would reset the
    // connection under the answer), for a short linger only.
    await upload.closed;
    expect(upload.sentAfterAnswer()).toBeLessThan(PLANNED_BYTES / 2);
  });
});
