import { promisify } from 'node:util';
import zlib from 'node:zlib';

// A gzip body built from parts deflated apart: a large part kept between requests (the national
// matrix's table) is compressed once, and the small parts around it (the page, with its CSRF token and
// the request's own filters) are sent per request as stored blocks. Deflate blocks may follow each other
// freely once a part ends byte-aligned (a sync flush), and a part compressed on its own refers to
// nothing before it. Stored blocks also keep the page's secrets out of any compression, so the size of
// a response tells nothing about them (the BREACH attack needs a secret compressed beside what the
// attacker chose).

const deflateRaw = promisify(zlib.deflateRaw);

/** A part of a gzip body: its deflate blocks, ending byte-aligned and not final. */
export interface DeflatedPart {
  /** The part as it is (for the CRC of the whole body and its length). */
  bytes: Buffer;
  deflated: Buffer;
}

/** Compresses a part (level 6) or wraps it in stored blocks (`compress` false: no compression). */
export async function deflatePart(bytes: Buffer, compress: boolean): Promise<DeflatedPart> {
  const deflated = await deflateRaw(bytes, {
    level: compress ? 6 : 0,
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  return { bytes, deflated };
}

// The gzip member header (RFC 1952): magic, deflate, no flags, no time, no extra flags, unknown OS.
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
// An empty final stored block: ends the deflate stream after the last part.
const LAST_BLOCK = Buffer.from([1, 0, 0, 0xff, 0xff]);

/** The gzip body of the parts in order, as the buffers to write (the parts' deflated bytes are not copied). */
export function gzipOf(parts: readonly DeflatedPart[]): Buffer[] {
  let crc = 0;
  let length = 0;
  for (const part of parts) {
    // Node's crc32 answers 0 for some empty buffers whatever the CRC so far: skip them.
    if (part.bytes.length > 0) crc = zlib.crc32(part.bytes, crc);
    length += part.bytes.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  // ISIZE is the length modulo 2^32 (RFC 1952).
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return [HEADER, ...parts.map((part) => part.deflated), LAST_BLOCK, trailer];
}
