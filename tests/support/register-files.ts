import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';

// Register files as people make them: CSV text, an XLSX saved the way spreadsheet programs save
// (shared strings, dates as serial numbers with a date format), and one written by exceljs's streaming
// writer (inline strings).

export type Cell = string | number | Date | null;

/** CSV text with RFC 4180 quoting (a cell with a comma, quote or line break is quoted). */
export function csvFile(rows: readonly (readonly Cell[])[], lineEnd = '\r\n'): Buffer {
  const quote = (cell: Cell) => {
    const text = cell === null ? '' : cell instanceof Date ? cell.toISOString().slice(0, 10) : String(cell);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return Buffer.from(rows.map((row) => row.map(quote).join(',')).join(lineEnd) + lineEnd, 'utf8');
}

/**
 * An XLSX as a spreadsheet program saves it: text in the shared strings table, dates as serial day
 * numbers formatted as dates.
 */
export async function savedXlsx(
  rows: readonly (readonly Cell[])[],
  sheetName = 'Providers',
): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(sheetName);
  for (const row of rows) {
    const added = sheet.addRow([...row]);
    added.eachCell((cell) => {
      if (cell.value instanceof Date) cell.numFmt = 'dd/mm/yyyy';
    });
  }
  const buffer = await workbook.xlsx.writeBuffer({ useSharedStrings: true });
  return Buffer.from(buffer);
}

/** An XLSX from exceljs's streaming writer: strings inline in each cell, no shared strings table. */
export async function streamedXlsx(rows: readonly (readonly Cell[])[]): Promise<Buffer> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream,
    useSharedStrings: false,
    useStyles: true,
  });
  const sheet = workbook.addWorksheet('Providers');
  for (const row of rows) sheet.addRow([...row]).commit();
  sheet.commit();
  await workbook.commit();
  return Buffer.concat(chunks);
}

/** Whether an XLSX holds a shared strings part (what spreadsheet programs write). */
export function hasSharedStrings(xlsx: Buffer): boolean {
  return xlsx.includes(Buffer.from('xl/sharedStrings.xml'));
}
