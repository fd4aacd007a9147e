import { inspectZip } from '../../src/evidence/zip-archive.js';
import { nameMismatchMessage } from '../../src/evidence/media-type.js';
import { officeOpenXmlFile, pdfFile, storedZip } from '../support/evidence-files.js';

const LIMITS = { maxEntries: 10, maxUncompressedBytes: 1024 * 1024 };
const verdictOf = async (zip: Buffer) => (await inspectZip(zip, LIMITS)).verdict;
const megabytes = (count: number) => Buffer.alloc(count * 1024 * 1024);

/**
 * The one-entry archive given, its central directory rewritten the ZIP64 way: both sizes 0xFFFFFFFF
 * in the entry, the real ones in a ZIP64 extra field (as some streaming writers do for any size).
 */
function withZip64Sizes(zip: Buffer): Buffer {
  const end = zip.length - 22;
  const directoryOffset = zip.readUInt32LE(end + 16);
  const directorySize = zip.readUInt32LE(end + 12);
  const entry = Buffer.from(zip.subarray(directoryOffset, directoryOffset + directorySize));
  const extra = Buffer.alloc(20);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(16, 2);
  extra.writeBigUInt64LE(BigInt(entry.readUInt32LE(24)), 4);
  extra.writeBigUInt64LE(BigInt(entry.readUInt32LE(20)), 12);
  entry.writeUInt32LE(0xffffffff, 20);
  entry.writeUInt32LE(0xffffffff, 24);
  entry.writeUInt16LE(extra.length, 30);
  const record = Buffer.from(zip.subarray(end));
  record.writeUInt32LE(directorySize + extra.length, 12);
  return Buffer.concat([zip.subarray(0, directoryOffset), entry, extra, record]);
}

describe('inspectZip', () => {
  test('an ordinary Office file, stored or deflated, is fine', async () => {
    expect(await verdictOf(officeOpenXmlFile('docx'))).toBe('ok');
    const deflated = storedZip([{ name: 'a.xml', content: '<a/>'.repeat(1000), deflate: true }]);
    expect(await verdictOf(deflated)).toBe('ok');
  });

  test('contents over the limit are refused from what the archive declares, before decompressing', async () => {
    const honest = await inspectZip(
      storedZip([{ name: 'a.bin', content: megabytes(2), deflate: true }]),
      LIMITS,
    );
    expect(honest).toMatchObject({ verdict: 'too-large', inflatedBytes: 0 });
    // Many entries each under the limit, together over it.
    const spread = storedZip(
      Array.from({ length: 5 }, (_unused, index) => ({
        name: `part${String(index)}.bin`,
        content: megabytes(0.25),
        deflate: true,
      })),
    );
    expect(await verdictOf(spread)).toBe('too-large');
  });

  test('an entry that inflates past the size it declares is refused at once, with bounded work', async () => {
    // 64 MB of zeros claiming to be 10 bytes: refused after one output chunk, not 64 MB.
    const lying = await inspectZip(
      storedZip([{ name: 'a.bin', content: megabytes(64), deflate: true, declaredSize: 10 }]),
      { maxEntries: 10, maxUncompressedBytes: 1024 * 1024 * 1024 },
    );
    expect(lying.verdict).toBe('damaged');
    expect(lying.inflatedBytes).toBeLessThanOrEqual(256 * 1024);
    // Many entries each lying a little: the first one gives it away.
    const spread = await inspectZip(
      storedZip(
        Array.from({ length: 5 }, (_unused, index) => ({
          name: `part${String(index)}.bin`,
          content: megabytes(0.25),
          deflate: true,
          declaredSize: 1,
        })),
      ),
      LIMITS,
    );
    expect(spread.verdict).toBe('damaged');
    expect(spread.inflatedBytes).toBeLessThanOrEqual(256 * 1024);
  });

  test('inspection stops when its time budget is spent', async () => {
    const spent = new AbortController();
    spent.abort();
    const zip = storedZip([{ name: 'a.bin', content: megabytes(1), deflate: true }]);
    expect(
      await inspectZip(zip, { maxEntries: 10, maxUncompressedBytes: 2 * 1024 * 1024 }, spent.signal),
    ).toMatchObject({
      verdict: 'too-slow',
      inflatedBytes: 0,
    });
  });

  test('the entries are named, folders and all', async () => {
    const zip = officeOpenXmlFile('docx', 'marker', [{ name: 'word/vbaProject.bin', content: 'vba' }]);
    expect((await inspectZip(zip, LIMITS)).names).toEqual([
      '[Content_Types].xml',
      'word/document.xml',
      'word/vbaProject.bin',
    ]);
  });

  test('more entries than allowed are refused before anything is decompressed', async () => {
    const many = storedZip(
      Array.from({ length: 11 }, (_unused, index) => ({ name: String(index), content: '' })),
    );
    expect(await verdictOf(many)).toBe('too-many-entries');
  });

  test('ZIP64 sizes are read from the extra field', async () => {
    const small = withZip64Sizes(storedZip([{ name: 'a.xml', content: '<a/>'.repeat(100), deflate: true }]));
    expect(await verdictOf(small)).toBe('ok');
    const big = withZip64Sizes(storedZip([{ name: 'a.bin', content: megabytes(2), deflate: true }]));
    expect(await verdictOf(big)).toBe('too-large');
  });

  test('what is not a readable zip archive is damaged', async () => {
    expect(await verdictOf(pdfFile())).toBe('damaged');
    const zip = storedZip([{ name: 'a.xml', content: '<a/>', deflate: true }]);
    // An unknown compression method, in the central directory.
    const unknownMethod = Buffer.from(zip);
    unknownMethod.writeUInt16LE(99, unknownMethod.readUInt32LE(zip.length - 22 + 16) + 10);
    expect(await verdictOf(unknownMethod)).toBe('damaged');
    // Deflated data that is not deflate.
    const garbage = Buffer.from(zip);
    garbage.fill(0xff, 30 + 'a.xml'.length, 30 + 'a.xml'.length + 4);
    expect(await verdictOf(garbage)).toBe('damaged');
  });
});

describe('nameMismatchMessage', () => {
  test.each([
    ['application/pdf', 'policy.pdf'],
    ['application/pdf', 'POLICY.PDF'],
    ['application/pdf', 'Policy v2.1'],
    ['application/pdf', 'evidence'],
    ['image/jpeg', 'photo.jpeg'],
    ['image/jpeg', 'photo.jpg'],
  ])('%s named %s is fine', (mediaType, name) => {
    expect(nameMismatchMessage(mediaType, name)).toBeUndefined();
  });

  test.each([
    ['image/png', 'report.pdf', 'The selected file is a PNG image file but its name ends in .pdf'],
    ['application/pdf', 'setup.exe', 'The selected file is a PDF file but its name ends in .exe'],
    ['application/vnd.ms-excel', 'data.doc', 'The selected file is an Excel file but its name ends in .doc'],
  ])('%s named %s is refused', (mediaType, name, message) => {
    expect(nameMismatchMessage(mediaType, name)?.slice(0, message.length)).toBe(message);
  });
});
