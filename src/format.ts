// Dates as NHS pages write them: "31 March 2027", and times as "11am on 28 November 2026" or
// "3:05pm on 12 March 2027" (UK time); a sentence puts "at" before it ("returned it at 11am on ...").

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** A calendar date stored as UTC midnight (a `@db.Date` column). */
export function formatDate(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()] ?? ''} ${date.getUTCFullYear()}`;
}

const UK_PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hourCycle: 'h23',
});

function ukParts(instant: Date): { year: number; month: number; day: number; hour: number; minute: number } {
  const parts = Object.fromEntries(UK_PARTS.formatToParts(instant).map((part) => [part.type, part.value]));
  const number = (name: string) => Number(parts[name] ?? 0);
  return {
    year: number('year'),
    month: number('month'),
    day: number('day'),
    hour: number('hour'),
    minute: number('minute'),
  };
}

/** A day of the year with no year: "28 February". */
export function formatDayMonth(month: number, day: number): string {
  return `${day} ${MONTHS[month - 1] ?? ''}`;
}

/**
 * A time of day as the NHS style guide writes it: "11am", "3:05pm", "midday", "midnight" (12am and
 * 12pm are ambiguous to many readers).
 */
function formatTime(hour: number, minute: number): string {
  if (minute === 0 && hour === 0) return 'midnight';
  if (minute === 0 && hour === 12) return 'midday';
  const hour12 = hour % 12 === 0 ? 12 : hour % 12;
  const minutes = minute === 0 ? '' : `:${String(minute).padStart(2, '0')}`;
  return `${hour12}${minutes}${hour < 12 ? 'am' : 'pm'}`;
}

/** A moment in UK time: "11am on 28 November 2026", "3:05pm on 12 March 2027". */
export function formatDateTime(instant: Date): string {
  const { year, month, day, hour, minute } = ukParts(instant);
  return `${formatTime(hour, minute)} on ${day} ${MONTHS[month - 1] ?? ''} ${year}`;
}

/** Today's date in the UK as a UTC-midnight Date, comparable with `@db.Date` columns. */
export function ukToday(now: Date): Date {
  const { year, month, day } = ukParts(now);
  return new Date(Date.UTC(year, month - 1, day));
}

/** YYYY-MM-DD, as audit events and snapshots record dates. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
