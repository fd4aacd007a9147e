import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { batchesOf, dateCell } from '../../src/exports/requirement-export.js';
import { fileNamePart } from '../../src/exports/exports.routes.js';
import { writeXlsx } from '../../src/exports/xlsx.js';

describe('batchesOf', () => {
  const returns = (...sizes: number[]) => sizes.map((answers, index) => ({ id: `r${index}`, answers }));

  it('fills each batch up to the row budget without splitting a return', () => {
    expect(batchesOf(returns(400, 400, 400, 100), 1000)).toEqual([
      ['r0', 'r1'],
      ['r2', 'r3'],
    ]);
  });

  it('gives a return larger than the budget a batch of its own', () => {
    expect(batchesOf(returns(10, 5000, 10), 1000)).toEqual([['r0'], ['r1'], ['r2']]);
  });

  it('makes no batch for no returns', () => {
    expect(batchesOf([], 1000)).toEqual([]);
  });
});

describe('cells and names', () => {
  it('writes calendar dates as YYYY-MM-DD and nothing for none', () => {
    expect(dateCell(new Date('2027-03-31T00:00:00Z'))).toBe('2027-03-31');
    expect(dateCell(null)).toBe('');
  });

  it('makes safe file name parts', () => {
    expect(fileNamePart('2026/27')).toBe('2026-27');
    expect(fileNamePart('Café Hôpital / "Ward" 7')).toBe('cafe-hopital-ward-7');
    expect(fileNamePart('///')).toBe('export');
  });
});

describe('writeXlsx', () => {
  it('writes a workbook that opens, with control characters removed and formulas kept as text', async () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    await writeXlsx(stream, [
      {
        name: 'Sheet one',
        header: ['Text', 'Number', 'Date'],
        rows: [
          ['bell\u0007 and tab\t', 3, new Date('2027-01-02T03:04:05Z')],
          ['=1+1', null, undefined],
        ],
      },
    ]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.concat(chunks) as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Sheet one');
    expect(sheet?.getRow(2).getCell(1).value).toBe('bell and tab\t');
    expect(sheet?.getRow(2).getCell(2).value).toBe(3);
    expect(sheet?.getRow(2).getCell(3).value).toEqual(new Date('2027-01-02T03:04:05Z'));
    expect(sheet?.getRow(3).getCell(1).type).toBe(ExcelJS.ValueType.String);
    expect(sheet?.getRow(3).getCell(1).value).toBe('=1+1');
  });
});
