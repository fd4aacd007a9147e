import { createInflate } from 'node:zlib';
import { oleEntriesPresent } from './media-type.js';

// Content that runs when a document is opened: Office macros, PDF JavaScript and launch actions. The
// app refuses these itself, whatever the virus scanner says (which of them is configuration), and
// a document that could pass for a web page near its start (a polyglot).

/**
 * An Office Open XML file keeps its VBA project in `vbaProject.bin` (word/, xl/, ppt/); an
 * OpenDocument file its macros under `Basic/` (StarBasic) or `Scripts/` (Python, JavaScript, BeanShell).
 */
export function zipHoldsMacros(entryNames: readonly string[]): boolean {
  return entryNames.some((name) => /(^|\/)vbaProject\.bin$/i.test(name) || /^(Basic|Scripts)\//.test(name));
}

/**
 * Word and Excel 97-2003 keep a VBA project in a storage of their own: `Macros` (Word) or
 * `_VBA_PROJECT_CUR` (Excel), holding `VBA` and its `_VBA_PROJECT` stream. (PowerPoint 97-2003 keeps
 * its project inside the presentation stream, and Excel 4.0 macro sheets are records of the workbook
 * stream: neither is seen here; clamd's OLE2BlockMacros covers them.)
 */
export function oleHoldsMacros(content: Uint8Array): boolean {
  return (
    oleEntriesPresent(content, ['Macros', '_VBA_PROJECT_CUR', 'VBA', '_VBA_PROJECT'], { storages: true })
      .size > 0
  );
}

export interface PdfFindings {
  javaScript: boolean;
  launch: boolean;
  /** An object stream that could not be read (encrypted, an unusual filter, over the budget): it may hide either. */
  unreadable: boolean;
}

/**
 * Looks for the names that make a PDF run something: /JavaScript and /JS (scripts, as an open action
 * or any other), /Launch (start a program). Names may be written with #xx escapes (/J#61vaScript).
 * Dictionaries sit outside streams, or inside compressed object streams (PDF 1.5): those are
 * decompressed (up to `maxInflatedBytes` in all); other streams (pages, pictures, fonts) hold no
 * dictionaries and are skipped, so their bytes cannot be mistaken for names.
 */
export async function inspectPdf(
  content: Buffer,
  maxInflatedBytes: number,
  signal: AbortSignal,
): Promise<PdfFindings> {
  const text = content.toString('latin1');
  const findings: PdfFindings = { javaScript: false, launch: false, unreadable: false };
  const note = (segment: string) => {
    const names = namesIn(segment);
    if (names.has('JavaScript') || names.has('JS')) findings.javaScript = true;
    if (names.has('Launch')) findings.launch = true;
  };
  let budget = maxInflatedBytes;
  let outsideFrom = 0;
  const streamStart = /(?<![A-Za-z])stream(?:\r\n|\n|\r)/g;
  for (let match = streamStart.exec(text); match; match = streamStart.exec(text)) {
    const outside = text.slice(outsideFrom, match.index);
    note(outside);
    const dataStart = match.index + match[0].length;
    const dataEnd = text.indexOf('endstream', dataStart);
    const stop = dataEnd < 0 ? text.length : dataEnd;
    // The stream's own dictionary: from its object's header ("12 0 obj") to the keyword.
    const dictionary = namesIn(outside.slice(outside.lastIndexOf('obj')));
    if (dictionary.has('ObjStm')) {
      const decoded = await decodeObjectStream(content.subarray(dataStart, stop), dictionary, budget, signal);
      if (decoded === undefined) findings.unreadable = true;
      else {
        budget -= decoded.length;
        note(decoded.toString('latin1'));
      }
    }
    outsideFrom = stop;
    streamStart.lastIndex = stop;
  }
  note(text.slice(outsideFrom));
  return findings;
}

/** PDF names in a piece of PDF syntax, #xx escapes decoded. */
function namesIn(segment: string): Set<string> {
  const names = new Set<string>();
  for (const [, raw] of segment.matchAll(/\/((?:[^\s/[\]<>(){}%#]|#[0-9A-Fa-f]{2})+)/g)) {
    if (raw)
      names.add(
        raw.replace(/#([0-9A-Fa-f]{2})/g, (_hex, code: string) => String.fromCharCode(parseInt(code, 16))),
      );
  }
  return names;
}

/**
 * An object stream's text, when it is compressed the usual way (FlateDecode alone, no predictor);
 * undefined when it cannot be read within the budget.
 */
async function decodeObjectStream(
  data: Buffer,
  dictionary: Set<string>,
  budget: number,
  signal: AbortSignal,
): Promise<Buffer | undefined> {
  if (dictionary.has('DecodeParms') || dictionary.has('Crypt')) return undefined;
  const otherFilters = ['ASCIIHexDecode', 'ASCII85Decode', 'LZWDecode', 'RunLengthDecode'];
  if (otherFilters.some((filter) => dictionary.has(filter))) return undefined;
  if (!dictionary.has('FlateDecode')) return dictionary.has('Filter') ? undefined : data;
  return new Promise((resolve) => {
    const inflater = createInflate({ chunkSize: 256 * 1024 });
    const chunks: Buffer[] = [];
    let size = 0;
    const give = (result: Buffer | undefined) => {
      signal.removeEventListener('abort', onAbort);
      resolve(result);
      inflater.destroy();
    };
    const onAbort = () => give(undefined);
    if (signal.aborted) {
      resolve(undefined);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    inflater.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > budget) give(undefined);
      else chunks.push(chunk);
    });
    inflater.on('end', () => give(Buffer.concat(chunks, size)));
    inflater.on('error', () => give(undefined));
    inflater.end(data);
  });
}

/**
 * Browsers (and some mail and file viewers) that guess a type from content look at the first bytes
 * for HTML: a PDF, PNG or JPEG with web page markup there is built to be taken for a page. The window
 * is the "resource header" of the WHATWG MIME sniffing standard.
 */
const SNIFFED_BYTES = 1445;
const HTML_MARKUP =
  /<(?:!doctype\s+html|html|head|body|script|iframe|frame|frameset|object|embed|svg|meta|style|img|base)[\s/>]/i;

export function htmlNearStart(content: Uint8Array): boolean {
  return HTML_MARKUP.test(Buffer.from(content.subarray(0, SNIFFED_BYTES)).toString('latin1'));
}
