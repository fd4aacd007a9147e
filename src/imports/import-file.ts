import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { loadExcelJs } from '../exports/xlsx.js';

// Reading an uploaded spreadsheet, CSV or XLSX, as rows of text. Both are read as streams (csv-parse;
// exceljs's streaming WorkbookReader, first sheet only), so a file's rows are checked one by one and
// never all held as cells. Every cell comes out as text: a cell that looks like a formula ("=...",
// "+...") is kept as the text it is and never evaluated; an XLSX formula cell gives its formula text.
// Dates saved by a spreadsheet program (serial numbers with a date format) come out as YYYY-MM-DD.

export type ImportFileKind = 'csv' | 'xlsx';

export interface FileRow {
  /** The row's number as a spreadsheet program shows it (the header is usually row 1). */
  number: number;
  cells: string[];
}

const ZIP_SIGNATURE = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
// Files that are not text whatever their name: PDF, zip, PNG, JPEG, GIF, old Office (OLE2).
const BINARY_SIGNATURES = [
  Buffer.from('%PDF'),
  ZIP_SIGNATURE,
  Buffer.from([0x89, 0x50, 0x4e, 0x47]),
  Buffer.from([0xff, 0xd8, 0xff]),
  Buffer.from('GIF8'),
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0]),
];

/** What kind of file this is, judged by its content and its name together; undefined: neither. */
export function importFileKind(fileName: string, content: Buffer): ImportFileKind | undefined {
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (extension === 'xlsx') return content.subarray(0, 4).equals(ZIP_SIGNATURE) ? 'xlsx' : undefined;
  if (extension === 'csv' || extension === 'txt') {
    // Text has no NUL bytes and none of the signatures of other kinds of file.
    const binary = BINARY_SIGNATURES.some((signature) =>
      content.subarray(0, signature.length).equals(signature),
    );
    return !binary && !content.subarray(0, 64 * 1024).includes(0) ? 'csv' : undefined;
  }
  return undefined;
}

/** An unreadable file: the message says what to do. */
export class UnreadableFile extends Error {
  override name = 'UnreadableFile';
}

/** The file's rows, in order, each cell as text (blank rows included, so numbers match the file). */
export function readRows(kind: ImportFileKind, content: Buffer): AsyncGenerator<FileRow> {
  return kind === 'csv' ? csvRows(content) : xlsxRows(content);
}

/** CSV text: UTF-8 (with or without a byte order mark), or Windows-1252 as older Excel saves it. */
function decodeText(content: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(content);
  } catch {
    return new TextDecoder('windows-1252').decode(content);
  }
}

async function* csvRows(content: Buffer): AsyncGenerator<FileRow> {
  const parser = Readable.from([decodeText(content)]).pipe(
    parseCsv({ relax_column_count: true, skip_empty_lines: false, bom: true }),
  );
  let number = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      number += 1;
      yield { number, cells: record };
    }
  } catch (error) {
    const where = error instanceof Error && 'lines' in error ? ` near line ${String(error.lines)}` : '';
    throw new UnreadableFile(
      `The file could not be read as CSV${where}: check its quotation marks, or save it again from your spreadsheet program as "CSV UTF-8"`,
    );
  }
}

async function* xlsxRows(content: Buffer): AsyncGenerator<FileRow> {
  const excel = await loadExcelJs();
  const workbook = new excel.stream.xlsx.WorkbookReader(Readable.from([content]), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  try {
    for await (const sheet of workbook) {
      for await (const row of sheet) {
        const values = Array.isArray(row.values) ? row.values : [];
        const cells: string[] = [];
        // row.values is 1-based (index 0 is empty) and sparse.
        for (let index = 1; index < values.length; index += 1) cells.push(cellText(values[index]));
        yield { number: row.number, cells };
      }
      // The first sheet only: the template has one, and other sheets are notes or lists.
      return;
    }
  } catch (error) {
    if (error instanceof UnreadableFile) throw error;
    throw new UnreadableFile(
      'The file could not be read as an Excel workbook: open it in your spreadsheet program and save it again as .xlsx, or as CSV',
    );
  }
}

function isoDay(date: Date): string {
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10);
}

/** A cell's value as text (see the top of this file). */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return isoDay(value);
  if (typeof value === 'object') {
    if ('richText' in value && Array.isArray(value.richText)) {
      return value.richText
        .map((part: unknown) => cellText(part && typeof part === 'object' && 'text' in part ? part.text : ''))
        .join('');
    }
    if ('formula' in value && typeof value.formula === 'string') return `=${value.formula}`;
    if ('sharedFormula' in value) return 'result' in value ? cellText(value.result) : '';
    if ('text' in value) return cellText(value.text);
    if ('error' in value && typeof value.error === 'string') return value.error;
  }
  return '';
}
