import { loadExcelJs } from '../exports/xlsx.js';
import { cellText } from '../imports/import-file.js';
import { ANSWERS_SHEET, READ_ONLY_COLUMNS, TOKEN_SHEET, WORKBOOK_COLUMNS } from './workbook-file.js';

// Reading a return workbook back (workbook-file.ts wrote it): the token from the hidden sheet and
// each row of the Answers sheet as text, its columns found by their headers (case and spaces aside).
// A return has tens of rows, so the file (already limited in size) is read whole; a sheet with more
// rows than the import limit is refused before its rows are read.

export interface WorkbookRow {
  /** The row's number as a spreadsheet program shows it. */
  number: number;
  code: string;
  rating: string;
  notApplicableReason: string;
  narrative: string;
}

/** The token is '' when the workbook has none (a blank template for a past period's answers). */
export type WorkbookRead = { ok: true; token: string; rows: WorkbookRow[] } | { ok: false; error: string };

const normalise = (header: string) => header.toLowerCase().replace(/\s+/g, ' ').trim();

export async function readReturnWorkbook(content: Buffer, maxRows: number): Promise<WorkbookRead> {
  const workbook = new (await loadExcelJs()).Workbook();
  try {
    await workbook.xlsx.load(content as unknown as ArrayBuffer);
  } catch {
    return {
      ok: false,
      error:
        'The file could not be read as an Excel workbook: open it in your spreadsheet program and save it again as .xlsx',
    };
  }
  const sheet = workbook.getWorksheet(ANSWERS_SHEET);
  const tokenSheet = workbook.getWorksheet(TOKEN_SHEET);
  const token = tokenSheet ? cellText(tokenSheet.getCell('A2').value).trim() : '';
  if (!sheet)
    return {
      ok: false,
      error: `This workbook has no "${ANSWERS_SHEET}" sheet, so it is not one downloaded from this service: download the workbook and fill that in`,
    };
  const headers = new Map<string, number>();
  sheet.getRow(1).eachCell((cell, column) => {
    headers.set(normalise(cellText(cell.value)), column);
  });
  const columnOf = Object.fromEntries(
    Object.entries(WORKBOOK_COLUMNS).map(([key, header]) => [key, headers.get(normalise(header))]),
  ) as Record<keyof typeof WORKBOOK_COLUMNS, number | undefined>;
  const missing = Object.entries(WORKBOOK_COLUMNS)
    .filter(([key]) => {
      const column = key as keyof typeof WORKBOOK_COLUMNS;
      return !READ_ONLY_COLUMNS.includes(column) && columnOf[column] === undefined;
    })
    .map(([, header]) => `"${header}"`);
  if (missing.length > 0)
    return {
      ok: false,
      error: `The Answers sheet has no ${missing.join(', ')} column: put the columns back as they were downloaded`,
    };
  // actualRowCount counts the rows with a value, the header among them.
  if (sheet.actualRowCount - 1 > maxRows)
    return {
      ok: false,
      error: `The Answers sheet has more than ${maxRows.toLocaleString('en-GB')} rows: a return has one row for each requirement. Download the workbook again and fill that in`,
    };
  const rows: WorkbookRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    if (number === 1) return;
    const value = (key: keyof typeof WORKBOOK_COLUMNS) => {
      const column = columnOf[key];
      return column === undefined ? undefined : row.getCell(column).value;
    };
    const text = (key: keyof typeof WORKBOOK_COLUMNS) => cellText(value(key)).trim();
    const parsed: WorkbookRow = {
      number,
      code: text('code'),
      rating: text('rating'),
      notApplicableReason: text('notApplicableReason'),
      narrative: text('narrative'),
    };
    const empty = Object.entries(parsed).every(([key, cell]) => key === 'number' || cell === '');
    if (!empty) rows.push(parsed);
  });
  return { ok: true, token, rows };
}
