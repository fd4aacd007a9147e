import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { formatDate } from '../format.js';
import {
  dateFromParts,
  listField,
  readDateFields,
  textField,
  type FieldErrors,
  type FormBody,
  type FormResult,
} from '../forms.js';
import { GRADING_GROUPS_FILE } from '../project-root.js';
import type { GradingData } from './queries.js';

// Issue 14: who graded a return. EDS (EDS2 and EDS 2022) is graded by panels of patients, community
// groups, staff networks and others, so its returns record who graded and how scores were agreed.
//
// Which standards need it is decided here, by framework, not by a field in the standards' data: a data
// correction may change only `source`, `verified`, `due` and `statements` of a loaded version (README,
// "Correcting a standard's data"), so a new field would need new version files for EDS2 and EDS 2022.

const GRADED_BY_PANELS: readonly string[] = ['EDS'];

/** Whether returns of this framework record who graded them (and cannot be submitted without it). */
export function needsGradingRecord(frameworkCode: string): boolean {
  return GRADED_BY_PANELS.includes(frameworkCode);
}

const groupsFile = z.object({
  source: z.string().min(1),
  verified: z.boolean(),
  groups: z.array(z.object({ code: z.string().regex(/^[a-z-]+$/), label: z.string().min(1) })).min(1),
});

/** The groups a provider can say took part: data/grading/groups.json. */
export const GRADING_GROUPS = groupsFile.parse(JSON.parse(readFileSync(GRADING_GROUPS_FILE, 'utf8'))).groups;

/** A group's label for pages and exports (a code no longer in the list is shown as it was stored). */
export function gradingGroupLabel(code: string): string {
  return GRADING_GROUPS.find((group) => group.code === code)?.label ?? code;
}

export const GRADING_TEXT_MAX = 5_000;

export interface GradingRecordFacts {
  firstDate: Date;
  lastDate: Date | null;
  groups: string[];
  howAgreed: string;
  dissent: string;
}

/** "12 January 2026" or "12 January 2026 to 3 February 2026". */
export function gradingDatesText(record: GradingRecordFacts): string {
  return record.lastDate && record.lastDate.getTime() !== record.firstDate.getTime()
    ? `${formatDate(record.firstDate)} to ${formatDate(record.lastDate)}`
    : formatDate(record.firstDate);
}

/** The record as labelled lines, the same on the check-answers page, the review page and in exports. */
export function gradingRecordLines(record: GradingRecordFacts): { key: string; value: string }[] {
  return [
    { key: 'Date of grading', value: gradingDatesText(record) },
    { key: 'Who took part', value: record.groups.map(gradingGroupLabel).join(', ') },
    { key: 'How the scores were agreed', value: record.howAgreed },
    { key: 'Dissent', value: record.dissent || 'None recorded' },
  ];
}

export interface GradingValues {
  firstDate: { day: string; month: string; year: string };
  lastDate: { day: string; month: string; year: string };
  groups: string[];
  howAgreed: string;
  dissent: string;
}

/** Exactly what was posted, kept when the form comes back with errors. */
export function gradingValuesFromBody(body: FormBody): GradingValues {
  return {
    firstDate: readDateFields(body, 'firstDate'),
    lastDate: readDateFields(body, 'lastDate'),
    groups: listField(body, 'groups'),
    howAgreed: textField(body, 'howAgreed'),
    dissent: textField(body, 'dissent'),
  };
}

const text = (empty: string | undefined, label: string) =>
  empty === undefined
    ? z.string().trim().max(GRADING_TEXT_MAX, `${label} must be ${GRADING_TEXT_MAX} characters or fewer`)
    : z
        .string()
        .trim()
        .min(1, empty)
        .max(GRADING_TEXT_MAX, `${label} must be ${GRADING_TEXT_MAX} characters or fewer`);

const gradingFields = z.object({
  groups: z
    .array(
      z.enum(
        GRADING_GROUPS.map((group) => group.code) as [string, ...string[]],
        'Select the groups that took part',
      ),
    )
    .min(1, 'Select the groups that took part in grading'),
  howAgreed: text('Enter how the scores were agreed', 'How the scores were agreed'),
  dissent: text(undefined, 'Dissent'),
});

/** The grading form: the date (or first and last dates), the groups, how scores were agreed, dissent. */
export function readGradingForm(body: FormBody): FormResult<GradingData> {
  const values = gradingValuesFromBody(body);
  const errors: FieldErrors = {};
  const first = dateFromParts(values.firstDate, 'Date of grading');
  const last = dateFromParts(values.lastDate, 'Last date of grading', false);
  if (first.error) errors.firstDate = first.error;
  if (last.error) errors.lastDate = last.error;
  else if (first.date && last.date && last.date < first.date)
    errors.lastDate = 'Last date of grading must be the same as or after the date of grading';
  const fields = gradingFields.safeParse({
    groups: [...new Set(values.groups)],
    howAgreed: values.howAgreed,
    dissent: values.dissent,
  });
  if (!fields.success) {
    for (const issue of fields.error.issues) errors[String(issue.path[0])] ??= issue.message;
  }
  if (!fields.success || !first.date || Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    data: {
      firstDate: first.date,
      lastDate: last.date ?? null,
      groups: fields.data.groups,
      howAgreed: fields.data.howAgreed,
      dissent: fields.data.dissent,
    },
  };
}

/** A grading record as frozen in a submission's snapshot (dates as YYYY-MM-DD) back to its facts. */
export function gradingFactsFromSnapshot(grading: {
  firstDate: string;
  lastDate: string | null;
  groups: string[];
  howAgreed: string;
  dissent: string;
}): GradingRecordFacts {
  const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
  return {
    ...grading,
    firstDate: day(grading.firstDate),
    lastDate: grading.lastDate ? day(grading.lastDate) : null,
  };
}
