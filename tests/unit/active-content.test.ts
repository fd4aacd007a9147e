import { deflateSync } from 'node:zlib';
import {
  htmlNearStart,
  inspectPdf,
  oleHoldsMacros,
  zipHoldsMacros,
} from '../../src/evidence/active-content.js';
import { createInspections } from '../../src/evidence/inspections.js';
import {
  htmlPdfPolyglot,
  jpegFile,
  oleOfficeFile,
  pdfFile,
  pdfWithAction,
  pdfWithBinaryStream,
  pdfWithScriptInObjectStream,
  pngFile,
  pngHtmlPolyglot,
} from '../support/evidence-files.js';

const pdf = (content: Buffer) => inspectPdf(content, 1024 * 1024, new AbortController().signal);
const NOTHING = { javaScript: false, launch: false, unreadable: false };

describe('Office macros', () => {
  test.each([
    ['word/vbaProject.bin', true],
    ['xl/vbaProject.bin', true],
    ['ppt/VBAPROJECT.BIN', true],
    ['Basic/Standard/Module1.xml', true],
    ['Scripts/python/macro.py', true],
    ['word/document.xml', false],
    ['word/media/vbaProject.bin.png', false],
    ['content/Basic/notes.xml', false],
  ])('a zip entry %s: %s', (name, macros) => {
    expect(zipHoldsMacros(['[Content_Types].xml', name])).toBe(macros);
  });

  test('Word and Excel 97-2003 files with a VBA project storage', () => {
    expect(oleHoldsMacros(oleOfficeFile('WordDocument'))).toBe(false);
    expect(oleHoldsMacros(oleOfficeFile('Workbook'))).toBe(false);
    expect(oleHoldsMacros(oleOfficeFile('WordDocument', [{ name: 'Macros', type: 'storage' }]))).toBe(true);
    expect(oleHoldsMacros(oleOfficeFile('Workbook', [{ name: '_VBA_PROJECT_CUR', type: 'storage' }]))).toBe(
      true,
    );
    expect(oleHoldsMacros(oleOfficeFile('WordDocument', [{ name: '_VBA_PROJECT', type: 'stream' }]))).toBe(
      true,
    );
  });
});

describe('PDF scripts and launch actions', () => {
  test('an ordinary PDF has neither', async () => {
    expect(await pdf(pdfFile())).toEqual(NOTHING);
  });

  test.each([
    ['a JavaScript open action', '/S /JavaScript /JS (app.alert(1))'],
    ['the names written with #xx escapes', '/S /J#61vaScript /J#53 (app.alert(1))'],
    ['a script in a stream of its own', '/S /JavaScript /JS 9 0 R'],
  ])('%s is JavaScript', async (_case, action) => {
    expect(await pdf(pdfWithAction(action))).toMatchObject({ javaScript: true, launch: false });
  });

  test('a launch action', async () => {
    expect(await pdf(pdfWithAction('/S /Launch /F (calc.exe)'))).toMatchObject({
      javaScript: false,
      launch: true,
    });
  });

  test('a script inside a compressed object stream is found', async () => {
    expect(pdfWithScriptInObjectStream().includes('JavaScript')).toBe(false);
    expect(await pdf(pdfWithScriptInObjectStream())).toMatchObject({ javaScript: true, unreadable: false });
  });

  test('bytes inside a picture stream are not taken for names', async () => {
    const picture = Buffer.concat([
      Buffer.from([0xff, 0xd8]),
      Buffer.from(' /JS /Launch /JavaScript '),
      deflateSync('x'),
    ]);
    expect(await pdf(pdfWithBinaryStream(picture))).toEqual(NOTHING);
  });

  test('an object stream that cannot be read is reported (it may hide either)', async () => {
    const unusual = Buffer.from(
      '%PDF-1.5\n2 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /LZWDecode /Length 4 >>\nstream\n\x80\x0b\x60\x50\nendstream\nendobj\n%%EOF\n',
      'latin1',
    );
    expect(await pdf(unusual)).toMatchObject({ unreadable: true });
    const corrupt = Buffer.from(
      '%PDF-1.5\n2 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length 4 >>\nstream\nabcd\nendstream\nendobj\n%%EOF\n',
      'latin1',
    );
    expect(await pdf(corrupt)).toMatchObject({ unreadable: true });
  });

  test('object streams decompress within a budget', async () => {
    expect(await inspectPdf(pdfWithScriptInObjectStream(), 10, new AbortController().signal)).toMatchObject({
      unreadable: true,
    });
  });
});

describe('web page markup near the start (polyglots)', () => {
  test('PDF and PNG files carrying a page are seen', () => {
    expect(htmlNearStart(htmlPdfPolyglot())).toBe(true);
    expect(htmlNearStart(pngHtmlPolyglot())).toBe(true);
  });

  test('ordinary files are not', () => {
    for (const file of [pdfFile(), pngFile(), jpegFile()]) expect(htmlNearStart(file)).toBe(false);
  });
});

describe('inspections', () => {
  test('run a few at a time: eight started at once never have more than two running', async () => {
    const inspections = createInspections({ concurrency: 2, budgetMs: 60_000 });
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const all = Array.from({ length: 8 }, () =>
      inspections.run(async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
      }),
    );
    // Release each running inspection in turn; the queue starts the next.
    for (let released = 0; released < 8; released += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(running).toBeLessThanOrEqual(2);
      releases.shift()?.();
    }
    await Promise.all(all);
    expect(most).toBe(2);
  });

  test('each gets a signal that aborts when its time budget is spent', async () => {
    const inspections = createInspections({ concurrency: 1, budgetMs: 1 });
    const aborted = await inspections.run(
      (signal) =>
        new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(signal.aborted))),
    );
    expect(aborted).toBe(true);
  });
});
