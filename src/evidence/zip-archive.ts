import { createInflateRaw } from 'node:zlib';

// Word, Excel and PowerPoint (.docx, .xlsx, .pptx) and OpenDocument files are zip archives. A zip
// bomb disguised as one is small on upload and huge (or endless) for whoever opens it. Before such a
// file is accepted, every entry is really decompressed, counting bytes and throwing them away: the
// declared total must be under a limit, and an entry that inflates past the size it declares is
// refused at once (a valid archive never does), so the work is bounded by what the archive admits
// to. Decompression runs on libuv's thread pool in large chunks, off the request thread, and stops
// when `signal` aborts (the caller's time budget).

export interface ZipLimits {
  maxEntries: number;
  maxUncompressedBytes: number;
}

export type ZipVerdict = 'ok' | 'too-many-entries' | 'too-large' | 'damaged' | 'too-slow';

export interface ZipInspection {
  verdict: ZipVerdict;
  /** The entries' names (folders and all), when the central directory could be read. */
  names: string[];
  /** Bytes decompressed to reach the verdict (the work it took). */
  inflatedBytes: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const ZIP64_EXTRA_FIELD = 0x0001;
const STORED = 0;
const DEFLATED = 8;
/** The end record is 22 bytes plus a comment of up to 65,535. */
const END_SEARCH_BYTES = 22 + 0xffff;

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** Checks a zip archive's entry count and the real size of its decompressed contents. */
export async function inspectZip(
  content: Buffer,
  limits: ZipLimits,
  signal: AbortSignal = new AbortController().signal,
): Promise<ZipInspection> {
  const entries = readCentralDirectory(content, limits.maxEntries);
  if (typeof entries === 'string') return { verdict: entries, names: [], inflatedBytes: 0 };
  const names = entries.map((entry) => entry.name);
  let inflatedBytes = 0;
  const result = (verdict: ZipVerdict): ZipInspection => ({ verdict, names, inflatedBytes });
  // What the archive declares first: a bomb that admits its size costs nothing to refuse.
  const declared = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  if (!Number.isSafeInteger(declared)) return result('damaged');
  if (declared > limits.maxUncompressedBytes) return result('too-large');

  for (const entry of entries) {
    const data = entryData(content, entry);
    if (!data) return result('damaged');
    let size: InflatedSize;
    if (entry.method === STORED) size = data.length;
    else if (entry.method === DEFLATED) size = await inflatedSize(data, entry.uncompressedSize, signal);
    else return result('damaged');
    if (typeof size !== 'number') {
      inflatedBytes += size.inflated;
      return result(size.verdict);
    }
    inflatedBytes += size;
    // More than it declared: the archive lies about its sizes (and its declared total meant nothing).
    if (size > entry.uncompressedSize) return result('damaged');
  }
  return result('ok');
}

function readCentralDirectory(content: Buffer, maxEntries: number): Entry[] | ZipVerdict {
  const end = findEndRecord(content);
  if (end < 0) return 'damaged';
  const entryCount = content.readUInt16LE(end + 10);
  let offset = content.readUInt32LE(end + 16);
  // ZIP64 archives (over 65,535 entries or 4 GB) are far beyond any evidence file.
  if (entryCount === 0xffff || entryCount > maxEntries) return 'too-many-entries';
  if (offset === 0xffffffff) return 'damaged';
  const entries: Entry[] = [];
  for (let index = 0; index < entryCount; index += 1) {
    if (offset + 46 > content.length || content.readUInt32LE(offset) !== CENTRAL_DIRECTORY_ENTRY) {
      return 'damaged';
    }
    const nameLength = content.readUInt16LE(offset + 28);
    const extraLength = content.readUInt16LE(offset + 30);
    const commentLength = content.readUInt16LE(offset + 32);
    const entry: Entry = {
      name: content.toString('utf8', offset + 46, offset + 46 + nameLength),
      method: content.readUInt16LE(offset + 10),
      compressedSize: content.readUInt32LE(offset + 20),
      uncompressedSize: content.readUInt32LE(offset + 24),
      localHeaderOffset: content.readUInt32LE(offset + 42),
    };
    const extraStart = offset + 46 + nameLength;
    if (extraStart + extraLength > content.length) return 'damaged';
    applyZip64Sizes(entry, content.subarray(extraStart, extraStart + extraLength));
    entries.push(entry);
    offset = extraStart + extraLength + commentLength;
  }
  return entries;
}

/** Fields too big for 32 bits are 0xFFFFFFFF in the entry and follow, in this order, in its ZIP64 extra field. */
function applyZip64Sizes(entry: Entry, extra: Buffer): void {
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (id === ZIP64_EXTRA_FIELD) {
      let field = at + 4;
      const next = () => {
        const value = field + 8 <= at + 4 + size ? Number(extra.readBigUInt64LE(field)) : Number.NaN;
        field += 8;
        return value;
      };
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    at += 4 + size;
  }
}

function findEndRecord(content: Buffer): number {
  const earliest = Math.max(0, content.length - END_SEARCH_BYTES);
  for (let at = content.length - 22; at >= earliest; at -= 1) {
    if (content.readUInt32LE(at) === END_OF_CENTRAL_DIRECTORY) return at;
  }
  return -1;
}

/** The compressed bytes of an entry, found through its local header, or undefined when out of bounds. */
function entryData(content: Buffer, entry: Entry): Buffer | undefined {
  const header = entry.localHeaderOffset;
  if (!Number.isSafeInteger(header) || !Number.isSafeInteger(entry.compressedSize)) return undefined;
  if (header + 30 > content.length || content.readUInt32LE(header) !== LOCAL_FILE_HEADER) return undefined;
  const start = header + 30 + content.readUInt16LE(header + 26) + content.readUInt16LE(header + 28);
  const stop = start + entry.compressedSize;
  return stop <= content.length ? content.subarray(start, stop) : undefined;
}

/** Large output chunks: a callback per 16 KB (zlib's default) made inflating eight times slower. */
const INFLATE_CHUNK_BYTES = 256 * 1024;

type InflatedSize = number | { verdict: 'damaged' | 'too-slow'; inflated: number };

/**
 * Decompresses, keeping only the count; stops as soon as the count passes `declared` (a lie: the
 * archive is damaged, or built to hurt), or when `signal` aborts.
 */
function inflatedSize(data: Buffer, declared: number, signal: AbortSignal): Promise<InflatedSize> {
  return new Promise((resolve) => {
    const inflater = createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES });
    let size = 0;
    const stop = (verdict: 'damaged' | 'too-slow') => {
      resolve({ verdict, inflated: size });
      inflater.destroy();
    };
    const onAbort = () => stop('too-slow');
    if (signal.aborted) {
      resolve({ verdict: 'too-slow', inflated: 0 });
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    inflater.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > declared) stop('damaged');
    });
    inflater.on('close', () => signal.removeEventListener('abort', onAbort));
    inflater.on('end', () => resolve(size));
    inflater.on('error', () => stop('damaged'));
    inflater.end(data);
  });
}
