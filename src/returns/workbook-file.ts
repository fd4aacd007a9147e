import { loadExcelJs } from '../exports/xlsx.js';
import type { VersionRequirement } from '../frameworks/version-content.js';
import type { AnswerRow } from './queries.js';

// The return as a workbook a care-home manager can fill in offline: instructions first, then one row
// per requirement on the "Answers" sheet, the rating picked from a drop-down of its scale's levels
// (with "Not applicable" where the standard allows it). A hidden sheet holds the signed token
// (workbook-token.ts) that the upload checks. Text cells are written as text, never as formulas.

export const ANSWERS_SHEET = 'Answers';
export const TOKEN_SHEET = 'Do not change';
const LISTS_SHEET = 'Rating choices';
export const NOT_APPLICABLE_LABEL = 'Not applicable';

/** The Answers sheet's columns, in order (the upload finds them by these headers). */
export const WORKBOOK_COLUMNS = {
  code: 'Code',
  title: 'Requirement',
  guidance: 'Guidance',
  rating: 'Rating',
  notApplicableReason: 'Reason it is not applicable',
  narrative: 'Narrative',
  // Read only: actions are records of their own (issue 14), added and updated in the online return.
  actions: 'Actions (change them online)',
} as const;

/** Columns the upload does not read: written for the reader, changed only in the app. */
export const READ_ONLY_COLUMNS: readonly (keyof typeof WORKBOOK_COLUMNS)[] = ['title', 'guidance', 'actions'];

const WIDTHS = [10, 40, 60, 28, 30, 60, 60];

const XML_INVALID = /[^\P{Cc}\t\n\r]|[\uFFFE\uFFFF]/gu;
const text = (value: string) => value.replace(XML_INVALID, '').slice(0, 32_767);

export interface WorkbookContent {
  providerName: string;
  standardName: string;
  periodLabel: string;
  dueDate: string;
  requirements: readonly VersionRequirement[];
  answers: ReadonlyMap<string, AnswerRow>;
  /** Per requirement id, its actions a line each (as the requirement's page lists them); none on a blank template. */
  actionLines?: ReadonlyMap<string, string>;
  /** The signed token of a live return; none for a blank template of a past period's answers. */
  token?: string;
}

function instructions(content: WorkbookContent): string[] {
  return [
    `${content.standardName} return, ${content.periodLabel}, for ${content.providerName}`,
    `Due: ${content.dueDate}`,
    '',
    'How to fill in this workbook',
    'Your answers go on the "Answers" sheet: one row for each requirement.',
    'Pick a rating for each requirement from the drop-down list in the Rating column.',
    'If a requirement does not apply to you, and "Not applicable" is in its drop-down list, pick it and say why in the "Reason it is not applicable" column.',
    'Write your narrative: what you do to meet the requirement, and how you know.',
    'The Actions column lists the actions linked to each requirement. Add actions and record their progress in the online return: changes to that column are not read.',
    'Do not change the Code, Requirement or Guidance columns, and do not add or remove rows.',
    'Evidence documents cannot go in this workbook: add them to each requirement in the online return.',
    '',
    'When you have finished',
    ...(content.token
      ? [
          'Save the workbook as an Excel workbook (.xlsx), then upload it on your return’s page. You will see what will change before anything is saved.',
          'If someone changed an answer online after you downloaded this workbook, you will be shown both versions and asked which to keep.',
          'You cannot upload this workbook once the return has been submitted.',
          'This workbook only works for this return. Download a new one for any other return.',
        ]
      : [
          'This workbook records answers given for a past period. Copy them in from that period’s spreadsheet and save it as an Excel workbook (.xlsx).',
          'The commissioner’s staff then load it on the provider’s page as that period’s return, marked as imported from a spreadsheet. They see every answer before anything is saved.',
        ]),
  ];
}

/** The workbook for a return, as a complete file in memory (a return has tens of rows, not thousands). */
export async function buildReturnWorkbook(content: WorkbookContent): Promise<Buffer> {
  const workbook = new (await loadExcelJs()).Workbook();
  const help = workbook.addWorksheet('How to fill it in');
  help.getColumn(1).width = 120;
  instructions(content).forEach((line, index) => {
    const row = help.addRow([text(line)]);
    row.alignment = { wrapText: true, vertical: 'top' };
    if (index === 0 || line === 'How to fill in this workbook' || line === 'When you have finished')
      row.font = { bold: true, size: index === 0 ? 14 : 12 };
  });

  const sheet = workbook.addWorksheet(ANSWERS_SHEET, { views: [{ state: 'frozen', ySplit: 1 }] });
  const lists = workbook.addWorksheet(LISTS_SHEET, { state: 'hidden' });
  if (content.token) {
    const tokenSheet = workbook.addWorksheet(TOKEN_SHEET, { state: 'veryHidden' });
    tokenSheet.getCell('A1').value = 'This sheet identifies your return. Do not change it.';
    tokenSheet.getCell('A2').value = content.token;
  }

  sheet.columns = Object.values(WORKBOOK_COLUMNS).map((header, index) => ({
    header,
    width: WIDTHS[index] ?? 20,
  }));
  sheet.getRow(1).font = { bold: true };

  // One column of choices per scale (and whether "Not applicable" is among them).
  const listColumns = new Map<string, string>();
  const choicesFor = (requirement: VersionRequirement): string => {
    const key = `${requirement.ratingScale.name}\u0000${String(requirement.notApplicableAllowed)}`;
    const known = listColumns.get(key);
    if (known) return known;
    const labels = requirement.ratingScale.levels.map((level) => text(level.label));
    if (requirement.notApplicableAllowed) labels.push(NOT_APPLICABLE_LABEL);
    const column = listColumns.size + 1;
    labels.forEach((label, index) => {
      lists.getCell(index + 1, column).value = label;
    });
    const letter = lists.getColumn(column).letter;
    const range = `'${LISTS_SHEET}'!$${letter}$1:$${letter}$${String(Math.max(labels.length, 1))}`;
    listColumns.set(key, range);
    return range;
  };

  for (const requirement of content.requirements) {
    const answer = content.answers.get(requirement.id);
    const rating = answer?.notApplicable ? NOT_APPLICABLE_LABEL : (answer?.ratingLevel?.label ?? '');
    const row = sheet.addRow([
      text(requirement.code),
      text(requirement.title),
      text(requirement.guidance),
      text(rating),
      text(answer?.notApplicable ? answer.notApplicableReason : ''),
      text(answer?.narrative ?? ''),
      text(content.actionLines?.get(requirement.id) ?? ''),
    ]);
    row.alignment = { wrapText: true, vertical: 'top' };
    row.getCell(4).dataValidation = {
      type: 'list',
      allowBlank: true,
      formulae: [choicesFor(requirement)],
      showErrorMessage: true,
      errorStyle: 'error',
      errorTitle: 'Pick a rating from the list',
      error: 'Pick one of the ratings in the drop-down list for this requirement.',
    };
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
