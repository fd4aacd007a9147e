import { formatDate, formatDateTime } from '../../src/format.js';

// Dates and times as NHS pages write them, in UK time: "11am on 28 November 2026".

test.each([
  ['2026-11-28T11:00:00Z', '11am on 28 November 2026'],
  ['2026-11-28T11:05:00Z', '11:05am on 28 November 2026'],
  ['2026-11-28T12:00:00Z', 'midday on 28 November 2026'],
  ['2026-11-28T00:00:00Z', 'midnight on 28 November 2026'],
  ['2026-11-28T15:30:00Z', '3:30pm on 28 November 2026'],
  // British Summer Time: 08:00 UTC is 9am in the UK.
  ['2027-06-01T08:00:00Z', '9am on 1 June 2027'],
  // 23:30 UTC on 30 June is 12:30am on 1 July in the UK.
  ['2027-06-30T23:30:00Z', '12:30am on 1 July 2027'],
])('%s is written %s', (instant, text) => {
  expect(formatDateTime(new Date(instant))).toBe(text);
});

test('a calendar date has no time', () => {
  expect(formatDate(new Date('2027-03-31T00:00:00Z'))).toBe('31 March 2027');
});
