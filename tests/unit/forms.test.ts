import { z } from 'zod';
import { dateFromParts, errorSummary, parseForm, partsFromDate, readDateFields } from '../../src/forms.js';

describe('parseForm', () => {
  const schema = z.object({
    name: z.string().trim().min(1, 'Enter the provider name'),
    odsCode: z.string().regex(/^[A-Z0-9]+$/, 'ODS code must only include letters and numbers'),
  });

  test('returns the parsed data when valid', () => {
    expect(parseForm(schema, { name: ' Trust ', odsCode: 'RX1' })).toEqual({
      ok: true,
      data: { name: 'Trust', odsCode: 'RX1' },
    });
  });

  test('returns one message per field, keyed by field name', () => {
    expect(parseForm(schema, { name: '', odsCode: 'r-1' })).toEqual({
      ok: false,
      errors: { name: 'Enter the provider name', odsCode: 'ODS code must only include letters and numbers' },
    });
  });

  test('the error summary links to each field, and to the day input of a date', () => {
    expect(errorSummary({ name: 'Enter the name', dueDate: 'Enter the due date' }, ['dueDate'])).toEqual([
      { text: 'Enter the name', href: '#name' },
      { text: 'Enter the due date', href: '#dueDate-day' },
    ]);
  });
});

describe('dates', () => {
  test('reads the three posted parts, trimmed', () => {
    expect(
      readDateFields({ 'dueDate-day': ' 28 ', 'dueDate-month': '2', 'dueDate-year': '2027' }, 'dueDate'),
    ).toEqual({
      day: '28',
      month: '2',
      year: '2027',
    });
  });

  test.each([
    [{ day: '28', month: '2', year: '2027' }, { date: new Date('2027-02-28T00:00:00Z') }],
    [{ day: '', month: '', year: '' }, { error: 'Enter due date' }],
    [{ day: '28', month: '', year: '' }, { error: 'Due date must include a month and year' }],
    [{ day: '30', month: '2', year: '2027' }, { error: 'Due date must be a real date' }],
    [{ day: 'x', month: '2', year: '2027' }, { error: 'Due date must be a real date' }],
    [{ day: '1', month: '2', year: '27' }, { error: 'Due date must be a real date' }],
  ])('%j gives %j', (parts, expected) => {
    expect(dateFromParts(parts, 'Due date')).toEqual(expected);
  });

  test('an optional date may be left empty', () => {
    expect(dateFromParts({ day: '', month: '', year: '' }, 'Action date', false)).toEqual({});
  });

  test('a stored date goes back into the same parts', () => {
    expect(partsFromDate(new Date('2027-03-31T00:00:00Z'))).toEqual({ day: '31', month: '3', year: '2027' });
    expect(partsFromDate(null)).toEqual({ day: '', month: '', year: '' });
  });
});
