import { once } from 'node:events';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { deflatePart, gzipOf } from '../../src/gzip-parts.js';

// A gzip body stitched from parts deflated apart (the matrix's kept table between the page's head and
// tail): every decoder reads the whole, the stored parts travel as they are, the compressed one shrinks.
const head = Buffer.from('<!DOCTYPE html><html><head></head><body><input name="_csrf" value="s3cret-token">');
const table = Buffer.from('<tr><td>Provider</td><td>In progress</td></tr>\n'.repeat(3_000));
const tail = Buffer.from('</body></html>');

async function stitched(parts: { bytes: Buffer; compress: boolean }[]) {
  return Buffer.concat(
    gzipOf(await Promise.all(parts.map((part) => deflatePart(part.bytes, part.compress)))),
  );
}

test('the parts read back in order with zlib, whole or streamed', async () => {
  const body = await stitched([
    { bytes: head, compress: false },
    { bytes: table, compress: true },
    { bytes: tail, compress: false },
  ]);
  const whole = Buffer.concat([head, table, tail]);
  expect(zlib.gunzipSync(body).equals(whole)).toBe(true);
  const gunzip = Readable.from([body.subarray(0, 100), body.subarray(100)]).pipe(zlib.createGunzip());
  const chunks: Buffer[] = [];
  gunzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(gunzip, 'end');
  expect(Buffer.concat(chunks).equals(whole)).toBe(true);
});

test('a stored part is sent as it is; a compressed one shrinks', async () => {
  const storedHead = await deflatePart(head, false);
  const compressedTable = await deflatePart(table, true);
  expect(storedHead.deflated.includes(head)).toBe(true);
  expect(compressedTable.deflated.length).toBeLessThan(table.length / 20);
  const body = Buffer.concat(gzipOf([storedHead, compressedTable]));
  expect(body.includes(Buffer.from('s3cret-token'))).toBe(true);
  expect(body.length).toBeLessThan(head.length + table.length / 20);
});

test('the trailer holds the CRC and length of the whole; empty and large stored parts are fine', async () => {
  const large = Buffer.alloc(200_000, 'x'); // more than one stored block (65,535 bytes each)
  const parts = [
    { bytes: Buffer.alloc(0), compress: false },
    { bytes: large, compress: false },
    { bytes: table, compress: true },
    { bytes: Buffer.alloc(0), compress: true },
  ];
  const body = await stitched(parts);
  const whole = Buffer.concat([large, table]);
  expect(body.readUInt32LE(body.length - 8)).toBe(zlib.crc32(whole));
  expect(body.readUInt32LE(body.length - 4)).toBe(whole.length);
  expect(zlib.gunzipSync(body).equals(whole)).toBe(true);
});

test('a body of one part, or of none, is a valid gzip body', async () => {
  expect(zlib.gunzipSync(await stitched([{ bytes: tail, compress: true }])).toString()).toBe(tail.toString());
  expect(zlib.gunzipSync(Buffer.concat(gzipOf([]))).length).toBe(0);
});
