import { Readable } from 'node:stream';
import type { Request } from 'express';
import { asciiFileName, fileNameProblem, tidyFileName } from '../../src/evidence/file-name.js';
import { formatFileSize } from '../../src/evidence/format.js';
import { detectEvidenceMediaType, isPlainText } from '../../src/evidence/media-type.js';
import { readUpload } from '../../src/evidence/multipart-upload.js';
import {
  jpegFile,
  officeOpenXmlFile,
  oleOfficeFile,
  openDocumentFile,
  pdfFile,
  pngFile,
  storedZip,
  windowsExecutable,
} from '../support/evidence-files.js';

describe('fileNameProblem', () => {
  test.each([
    ['../../etc/passwd', 'folder path'],
    ['a\\b.pdf', 'folder path'],
    ['C:\\Users\\lena\\Documents\\policy.docx', 'folder path'],
    ['re\u0000po\u0007rt\u001b.pdf', 'hidden or control characters'],
    ['annual\treport\n2026.pdf', 'hidden or control characters'],
    ['invoice\u202efdp.exe', 'hidden or control characters'],
    [`${'a'.repeat(147)}.pdf`, '150 characters or fewer'],
    [`${'😀'.repeat(146)}.xlsx`, '150 characters or fewer'],
  ])('%j is refused: %s', (original, reason) => {
    expect(fileNameProblem(original)).toContain(reason);
  });

  test.each([
    [`${'a'.repeat(146)}.pdf`],
    [`${'😀'.repeat(145)}.xlsx`], // counted in characters, not UTF-16 units
    ['Café policy.pdf'],
    ['  lots   of    space .pdf  '],
    ['Policy v2.1'],
  ])('%j is accepted', (original) => {
    expect(fileNameProblem(original)).toBeUndefined();
  });
});

describe('tidyFileName', () => {
  test.each([
    ['  lots   of    space .pdf  ', 'lots of space .pdf'],
    ['policy.pdf. . ', 'policy.pdf'],
    ['Cafe\u0301 policy.pdf', 'Café policy.pdf'],
    ['', 'evidence'],
    ['..', 'evidence'],
  ])('%j becomes %j', (original, expected) => {
    expect(tidyFileName(original)).toBe(expected);
  });
});

test('asciiFileName gives a US-ASCII stand-in', () => {
  expect(asciiFileName('Café policy.pdf')).toBe('Cafe policy.pdf');
  expect(asciiFileName('报告.pdf')).toBe('__.pdf');
  expect(asciiFileName('plain.pdf')).toBe('plain.pdf');
});

test('formatFileSize', () => {
  expect(formatFileSize(10)).toBe('1 KB');
  expect(formatFileSize(1024)).toBe('1 KB');
  expect(formatFileSize(12_800)).toBe('13 KB');
  expect(formatFileSize(1_572_864)).toBe('1.5 MB');
  expect(formatFileSize(20 * 1024 * 1024)).toBe('20 MB');
});

describe('detectEvidenceMediaType: from the content, not the name', () => {
  test.each([
    ['PDF', pdfFile(), 'x.bin', 'application/pdf'],
    ['PNG', pngFile(), 'x.pdf', 'image/png'],
    ['JPEG', jpegFile(), 'x', 'image/jpeg'],
    [
      'DOCX',
      officeOpenXmlFile('docx'),
      'x.docx',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ],
    [
      'XLSX',
      officeOpenXmlFile('xlsx'),
      'x.xlsx',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    ],
    [
      'PPTX',
      officeOpenXmlFile('pptx'),
      'x.pptx',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
    ['ODT', openDocumentFile('text'), 'x.odt', 'application/vnd.oasis.opendocument.text'],
    ['ODS', openDocumentFile('spreadsheet'), 'x.ods', 'application/vnd.oasis.opendocument.spreadsheet'],
    ['ODP', openDocumentFile('presentation'), 'x.odp', 'application/vnd.oasis.opendocument.presentation'],
    ['DOC', oleOfficeFile('WordDocument'), 'x.doc', 'application/msword'],
    ['XLS', oleOfficeFile('Workbook'), 'x.xls', 'application/vnd.ms-excel'],
    ['PPT', oleOfficeFile('PowerPoint Document'), 'x.ppt', 'application/vnd.ms-powerpoint'],
    ['CSV', Buffer.from('provider,score\r\nAlpha,3\r\n'), 'scores.CSV', 'text/csv'],
    ['text', Buffer.from('\ufeffNotes:\tfine — ✓\n'), 'notes.txt', 'text/plain'],
  ])('%s is accepted', async (_kind, content, name, expected) => {
    expect(await detectEvidenceMediaType(content, name)).toBe(expected);
  });

  test.each([
    ['a Windows program named .pdf', windowsExecutable(), 'policy.pdf'],
    ['a plain zip', storedZip([{ name: 'a.txt', content: 'hello' }]), 'policy.docx'],
    ['text with a NUL byte', Buffer.from('line one\0line two'), 'notes.txt'],
    ['text with an escape character', Buffer.from('colour \u001b[31mred'), 'notes.txt'],
    ['text that is not UTF-8', Buffer.from([0x61, 0xff, 0xfe, 0x62]), 'notes.csv'],
    ['clean text not named .csv or .txt', Buffer.from('a,b\n1,2\n'), 'data.pdf'],
    [
      'a compound file without a Word, Excel or PowerPoint stream',
      oleOfficeFile('WordDocument').fill(0, 512),
      'x.doc',
    ],
    ['a GIF', Buffer.from('GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;', 'latin1'), 'x.gif'],
  ])('%s is refused', async (_kind, content, name) => {
    expect(await detectEvidenceMediaType(content, name)).toBeUndefined();
  });

  test('isPlainText allows tab, CR and LF only among controls', () => {
    expect(isPlainText(Buffer.from('a\tb\r\nc\n'))).toBe(true);
    expect(isPlainText(Buffer.from('a\u0085b'))).toBe(false);
    expect(isPlainText(Buffer.from('a\u007fb'))).toBe(false);
  });
});

describe('readUpload: the size limit holds while streaming', () => {
  const boundary = 'test-boundary';

  function fakeRequest(source: Iterable<Buffer>): Request {
    const stream = Readable.from(source, { objectMode: false, highWaterMark: 16 * 1024 });
    return Object.assign(stream, {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    }) as unknown as Request;
  }

  const formStart = (token: string) =>
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n` +
        'Content-Type: application/pdf\r\n\r\n',
    );

  /** A form whose file never ends; counts how much of it was pulled. */
  function* endlessForm(counter: { bytes: number }, token = 'token') {
    yield formStart(token);
    const chunk = Buffer.alloc(16 * 1024, 0x41);
    for (;;) {
      counter.bytes += chunk.length;
      if (counter.bytes > 50 * 1024 * 1024) throw new Error('read without end');
      yield chunk;
    }
  }

  test('stops reading one chunk past the limit and does not read the rest', async () => {
    const counter = { bytes: 0 };
    const maxBytes = 100 * 1024;
    const result = await readUpload(fakeRequest(endlessForm(counter)), {
      maxBytes,
      fileField: 'file',
      beforeFile: () => undefined,
    });
    expect(result.outcome).toBe('too-large');
    expect(result.fields).toEqual({ _csrf: 'token' });
    // What the stream had buffered ahead, at most: nothing like the endless rest.
    expect(counter.bytes).toBeLessThan(maxBytes + 128 * 1024);
  });

  test('refusing before the file (the CSRF check) reads none of it', async () => {
    const counter = { bytes: 0 };
    const seen: Record<string, string>[] = [];
    await expect(
      readUpload(fakeRequest(endlessForm(counter, 'wrong')), {
        maxBytes: 1024 * 1024,
        fileField: 'file',
        beforeFile: (fields) => {
          seen.push(fields);
          throw new Error('invalid csrf token');
        },
      }),
    ).rejects.toThrow('invalid csrf token');
    expect(seen).toEqual([{ _csrf: 'wrong' }]);
    expect(counter.bytes).toBeLessThan(128 * 1024);
  });

  test('a complete file is hashed and counted', async () => {
    const content = pdfFile();
    function* form() {
      yield formStart('t');
      yield content;
      yield Buffer.from(
        `\r\n--${boundary}\r\nContent-Disposition: form-data; name="coversFrom-day"\r\n\r\n1\r\n--${boundary}--\r\n`,
      );
    }
    const result = await readUpload(fakeRequest(form()), {
      maxBytes: 1024 * 1024,
      fileField: 'file',
      beforeFile: () => undefined,
    });
    expect(result).toEqual(
      expect.objectContaining({
        outcome: 'file',
        file: expect.objectContaining({ name: 'big.pdf', sizeBytes: content.length }) as unknown,
        fields: { _csrf: 't', 'coversFrom-day': '1' },
      }),
    );
    if (result.outcome !== 'file') throw new Error('no file');
    expect(result.file.content.equals(content)).toBe(true);
    const { createHash } = await import('node:crypto');
    expect(result.file.sha256).toBe(createHash('sha256').update(content).digest('hex'));
  });
});
