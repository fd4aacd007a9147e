import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { create as contentDisposition } from 'content-disposition';
import { stringify, type Stringifier } from 'csv-stringify';
import type { Response } from 'express';
import { asciiFileName } from '../evidence/file-name.js';

// CSV for spreadsheets: RFC 4180 quoting (csv-stringify), a UTF-8 byte order mark so Excel reads the
// encoding, and a guard against formula injection: a cell a spreadsheet would run as a formula gets a
// leading single quote, so "=HYPERLINK(...)" typed into a narrative shows as text, never as a link.

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

export type CsvCell = string | number | boolean | Date | null | undefined;
export type CsvRow = readonly CsvCell[];

/** Characters that make Excel, LibreOffice or Google Sheets treat a cell as a formula (OWASP). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell made safe to open in a spreadsheet. */
export function guardCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * A transform stream from rows (arrays of cells) to CSV text, the header first. Text is guarded;
 * numbers stay numbers; dates are ISO 8601 (UTC); empty cells are empty.
 */
export function csvStringifier(header: readonly string[]): Stringifier {
  return stringify({
    bom: true,
    header: true,
    columns: header.map((name) => guardCell(name)),
    record_delimiter: 'windows',
    cast: {
      string: (value) => guardCell(value),
      date: (value) => value.toISOString(),
      boolean: (value) => (value ? 'true' : 'false'),
    },
  });
}

/** Whole-file helper (tests, small exports): the CSV text of the rows, BOM included. */
export async function toCsv(
  header: readonly string[],
  rows: Iterable<CsvRow> | AsyncIterable<CsvRow>,
): Promise<string> {
  const chunks: string[] = [];
  const stringifier = csvStringifier(header);
  stringifier.on('data', (chunk: Buffer | string) => chunks.push(chunk.toString()));
  await pipeline(Readable.from(rows, { objectMode: true }), stringifier);
  return chunks.join('');
}

/** The attachment header for a download, with a plain-ASCII fallback name. */
export function attachmentHeader(fileName: string): string {
  return contentDisposition(fileName, { fallback: asciiFileName(fileName) });
}

/**
 * Streams rows to the response as a CSV download. The rows are pulled only as fast as the client
 * reads (pipeline back-pressure), so a generator reading the database in batches keeps memory flat.
 * If the source fails after the first byte the response is cut short (the client sees a broken
 * download, never a complete-looking partial file) and the error is rethrown for the error handler.
 */
export async function sendCsv(
  res: Response,
  fileName: string,
  header: readonly string[],
  rows: Iterable<CsvRow> | AsyncIterable<CsvRow>,
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', CSV_CONTENT_TYPE);
  res.setHeader('Content-Disposition', attachmentHeader(fileName));
  res.setHeader('Cache-Control', 'no-store');
  await pipeline(Readable.from(rows, { objectMode: true }), csvStringifier(header), res);
}
