import { parse } from 'csv-parse/sync';
import { guardCell, toCsv } from '../../src/exports/csv.js';

describe('guardCell', () => {
  it.each(['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://x","y")'])(
    'quotes %j so a spreadsheet shows it as text',
    (value) => {
      expect(guardCell(value)).toBe(`'${value}`);
    },
  );

  it.each(['plain', '', ' =not first', "'already", '1-2'])('leaves %j alone', (value) => {
    expect(guardCell(value)).toBe(value);
  });
});

describe('toCsv', () => {
  it('starts with a UTF-8 byte order mark and ends rows with CRLF', async () => {
    const text = await toCsv(['A', 'B'], [['x', 'y']]);
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).toBe('\uFEFFA,B\r\nx,y\r\n');
  });

  it('quotes commas, quotes and line breaks, and reads back exactly', async () => {
    const hostile = ['a,b', 'say "hi"', 'line 1\nline 2', 'ünïcødé £'];
    const text = await toCsv(['One', 'Two', 'Three', 'Four'], [hostile]);
    const rows: string[][] = parse(text, { bom: true });
    expect(rows).toEqual([['One', 'Two', 'Three', 'Four'], hostile]);
  });

  it('guards formulas, keeps numbers, writes dates as ISO and empties as empty', async () => {
    const text = await toCsv(
      ['Text', 'Number', 'Date', 'Empty', 'Null', 'Bool'],
      [['=HYPERLINK("http://evil","click")', -3, new Date('2026-04-01T09:30:00Z'), undefined, null, true]],
    );
    const rows: string[][] = parse(text, { bom: true });
    expect(rows[1]).toEqual([
      '\'=HYPERLINK("http://evil","click")',
      '-3',
      '2026-04-01T09:30:00.000Z',
      '',
      '',
      'true',
    ]);
  });

  it('accepts an async iterable of rows', async () => {
    async function* rows() {
      for (let i = 0; i < 3; i++) {
        await Promise.resolve();
        yield [i, `row ${i}`];
      }
    }
    const text = await toCsv(['N', 'Label'], rows());
    expect(parse(text, { bom: true })).toEqual([
      ['N', 'Label'],
      ['0', 'row 0'],
      ['1', 'row 1'],
      ['2', 'row 2'],
    ]);
  });
});
