import type ExcelJS from 'exceljs';
import type { Writable } from 'node:stream';
import type { Response } from 'express';
import { attachmentHeader, type CsvCell, type CsvRow } from './csv.js';

// XLSX downloads written as they are read: exceljs's streaming WorkbookWriter zips each committed
// row straight into the response, so a sheet of any length never sits in memory. Text cells are
// written as text (never as formulas), so a hostile "=HYPERLINK(...)" stays a string.

/**
 * exceljs, loaded the first time a workbook is read or written: it is a tenth of a server's memory at
 * start (about 28 MB), and a server may run for days without a workbook.
 */
export async function loadExcelJs(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Excel's limit on the characters in one cell. */
const MAX_CELL_LENGTH = 32_767;
// Control characters other than tab and line breaks: XML 1.0 cannot carry most of them (a workbook
// containing them will not open), and none means anything in a cell.
const XML_INVALID = /[^\P{Cc}\t\n\r]|[\uFFFE\uFFFF]/gu;

export interface XlsxSheet {
  name: string;
  header: readonly string[];
  rows: Iterable<CsvRow> | AsyncIterable<CsvRow>;
  /** Column widths in characters (optional; the rest use Excel's default). */
  widths?: readonly number[];
}

function cellValue(value: CsvCell): ExcelJS.CellValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value.replace(XML_INVALID, '').slice(0, MAX_CELL_LENGTH);
  return value;
}

/** Waits until the stream wants more, or is gone (a client that hangs up never drains). */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Writes the sheets, one after another, to a writable stream as one workbook. */
export async function writeXlsx(stream: Writable, sheets: readonly XlsxSheet[]): Promise<void> {
  const excel = await loadExcelJs();
  const workbook = new excel.stream.xlsx.WorkbookWriter({
    stream,
    useStyles: true,
    useSharedStrings: false,
  });
  for (const sheet of sheets) {
    const worksheet = workbook.addWorksheet(sheet.name, { views: [{ state: 'frozen', ySplit: 1 }] });
    if (sheet.widths) {
      worksheet.columns = sheet.header.map((_name, index) => ({ width: sheet.widths?.[index] ?? 12 }));
    }
    const headerRow = worksheet.addRow(sheet.header.map(cellValue));
    headerRow.font = { bold: true };
    headerRow.commit();
    for await (const row of sheet.rows) {
      if (stream.destroyed) return;
      worksheet.addRow(row.map(cellValue)).commit();
      // Let a slow client catch up before reading on (back-pressure through the zip stream).
      if (stream.writableNeedDrain) await drained(stream);
    }
    worksheet.commit();
  }
  await workbook.commit();
}

/** Streams a workbook to the response as a download. */
export async function sendXlsx(res: Response, fileName: string, sheets: readonly XlsxSheet[]): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
  res.setHeader('Content-Disposition', attachmentHeader(fileName));
  res.setHeader('Cache-Control', 'no-store');
  try {
    await writeXlsx(res, sheets);
  } catch (error) {
    // Cut the download short rather than end a workbook that looks complete but is not.
    res.destroy();
    throw error;
  }
}
