import { formatDate } from '../format.js';
import { yearOf } from '../obligations/derive.js';
import {
  levelView,
  shownScore,
  totalScoreResults,
  type RatedResponse,
  type ResultsBasis,
  type TotalScoreResults,
} from '../frameworks/results.js';
import { gradingRecordLines, type GradingRecordFacts } from '../returns/grading.js';
import type { CsvRow } from '../exports/csv.js';
import { dateCell } from '../exports/requirement-export.js';
import type { XlsxSheet } from '../exports/xlsx.js';

// Issue 14: the organisation's EDS report, in the order of NHS England's EDS reporting template
// (the organisation and its lead, dates, each domain's outcomes with score and evidence, domain
// totals, the overall rating, who graded, the action plan), in the tracker's own words. One model
// feeds the print page and the workbook, so both always say the same. Every score, total and
// rating comes from the shared results functions (src/frameworks/results.ts), never from here.

/** The obligation (data/obligations/eds-report.json) whose publication record is the report's. */
export const EDS_REPORT_OBLIGATION = 'eds-report';

/** The financial year of a return's period: the year its EDS report's publication is recorded in. */
export function reportYear(periodStart: Date): number {
  return yearOf(periodStart);
}

/** Where a return's EDS report stands: where and when it was published, when sent to NHS England. */
export interface ReportProgress {
  publication: { url: string; publishedOn: Date } | null;
  sentOn: Date | null;
}

/** The report's progress in words, for pages that list it beside the return (the provider page). */
export function reportProgressLines({ publication, sentOn }: ReportProgress): string[] {
  return [
    publication ? `Published on ${formatDate(publication.publishedOn)}` : 'Not published yet',
    sentOn ? `Sent to NHS England on ${formatDate(sentOn)}` : 'Not sent to NHS England yet',
  ];
}

/** Which returns have an EDS report: EDS versions scored by totals with rating bands (EDS 2022). */
export function hasEdsReport(basis: Pick<ResultsBasis, 'frameworkCode' | 'bands'>): boolean {
  return basis.frameworkCode === 'EDS' && basis.bands.length > 0;
}

/** One answer of the return, with its requirement's place (live answers, in task-list order). */
export interface ReportAnswer extends RatedResponse {
  groupTitle: string;
  narrative: string;
  notApplicableReason: string;
  /** The actions the outcome's page shows (issue 14: actions are records linked to requirements). */
  actions: readonly { description: string; owner: string; dueDate: Date | null }[];
}

export interface ReportInput {
  organisation: { name: string; odsCode: string };
  standardName: string;
  periodLabel: string;
  statusText: string;
  /** The people who lead the EDS work: who submitted the return, else the provider's leads. */
  lead: { names: string[]; basis: 'submitted' | 'provider-leads' };
  submittedAt: Date | null;
  acceptedAt: Date | null;
  grading: GradingRecordFacts | null;
  publication: { url: string; publishedOn: Date } | null;
  sentToNhsEnglandOn: Date | null;
  answers: readonly ReportAnswer[];
  basis: ResultsBasis;
}

export interface ReportOutcome {
  code: string;
  title: string;
  /** The outcome's score on the scale, or null when not rated or not applicable. */
  score: number | null;
  /** "Achieving", "Not applicable", "Not rated". */
  ratingText: string;
  /** The provider's narrative: the evidence summary. */
  evidence: string;
  notApplicableReason: string;
}

export interface ReportDomain {
  code: string;
  title: string;
  heading: string;
  outcomes: ReportOutcome[];
  subtotal: number;
  maximum: number;
  /** "5 out of 12", or "Not scored: no outcome of this domain is rated". */
  totalText: string;
}

export interface ReportAction {
  domainCode: string;
  outcomeCode: string;
  outcomeTitle: string;
  action: string;
  owner: string;
  dueDate: Date | null;
}

export interface EdsReport {
  title: string;
  organisation: { name: string; odsCode: string };
  standardName: string;
  periodLabel: string;
  statusText: string;
  /** Labelled facts about the report (organisation, lead, dates, publication), in template order. */
  details: { key: string; value: string }[];
  domains: ReportDomain[];
  results: TotalScoreResults;
  /** The overall rating bands of the version, as the score card shows them. */
  bands: { label: string; rangeText: string }[];
  grading: { key: string; value: string }[];
  actions: ReportAction[];
}

const NOT_RECORDED = 'Not recorded';

function leadText(lead: ReportInput['lead']): string {
  if (lead.names.length === 0) return NOT_RECORDED;
  const names = lead.names.join(', ');
  if (lead.basis === 'submitted') return `${names} (submitted the return)`;
  return `${names} (the provider’s ${lead.names.length === 1 ? 'lead' : 'leads'})`;
}

/** The report of one EDS 2022 return. */
export function buildEdsReport(input: ReportInput): EdsReport {
  const { basis, answers } = input;
  const results = totalScoreResults(answers, basis);
  const levels = new Map(basis.levels.map((level) => [level.code, levelView(level)]));
  const subtotals = new Map(results.groups.map((group) => [group.code, group]));
  const groups = [...basis.groups].sort((a, b) => a.position - b.position);
  const domains = groups.map((group): ReportDomain => {
    const outcomes = answers
      .filter((answer) => answer.groupCode === group.code)
      .map((answer): ReportOutcome => {
        const level = answer.ratingLevelCode === null ? undefined : levels.get(answer.ratingLevelCode);
        return {
          // An outcome answered per service names its service: "1A (Maternity)".
          code: answer.serviceName
            ? `${answer.requirementCode} (${answer.serviceName})`
            : answer.requirementCode,
          title: answer.requirementTitle,
          score: answer.notApplicable || !level ? null : level.score,
          ratingText: answer.notApplicable ? 'Not applicable' : (level?.label ?? 'Not rated'),
          evidence: answer.narrative,
          notApplicableReason: answer.notApplicable ? answer.notApplicableReason : '',
        };
      });
    const subtotal = subtotals.get(group.code);
    return {
      code: group.code,
      title: group.title,
      heading: `${basis.groupLabel} ${group.code}: ${group.title}`,
      outcomes,
      // As the words beside it show it, to one decimal place (a mean of services may be 22/3).
      subtotal: subtotal ? shownScore(subtotal.exactSubtotal) : 0,
      maximum: subtotal?.maximum ?? 0,
      // scoreText: a mean of services' totals to one decimal place, "7.5 out of 12 (mean of 2 services)".
      totalText: subtotal
        ? subtotal.scoreText +
          (subtotal.ratedCount < subtotal.requirementCount ? ' so far (not every outcome is rated)' : '')
        : 'Not scored: every outcome of this domain is not applicable',
    };
  });
  const date = (value: Date | null) => (value ? formatDate(value) : NOT_RECORDED);
  const details = [
    { key: 'Organisation', value: `${input.organisation.name} (ODS code ${input.organisation.odsCode})` },
    { key: 'EDS lead', value: leadText(input.lead) },
    { key: 'Standard', value: input.standardName },
    { key: 'Reporting period', value: input.periodLabel },
    { key: 'State of the return', value: input.statusText },
    {
      key: 'Date of grading',
      value: input.grading ? (gradingRecordLines(input.grading)[0]?.value ?? NOT_RECORDED) : NOT_RECORDED,
    },
    { key: 'Submitted to the integrated care board', value: date(input.submittedAt) },
    { key: 'Accepted by the integrated care board', value: date(input.acceptedAt) },
    { key: 'Published on the organisation’s website', value: input.publication?.url ?? NOT_RECORDED },
    { key: 'Date published', value: date(input.publication?.publishedOn ?? null) },
    { key: 'Sent to NHS England', value: date(input.sentToNhsEnglandOn) },
  ];
  return {
    title: `EDS report: ${input.organisation.name}, ${input.periodLabel}`,
    organisation: input.organisation,
    standardName: input.standardName,
    periodLabel: input.periodLabel,
    statusText: input.statusText,
    details,
    domains,
    results,
    bands: [...basis.bands]
      .sort((a, b) => a.position - b.position)
      .map((band) => ({
        label: band.label,
        rangeText:
          band.minTotal === band.maxTotal ? `${band.minTotal}` : `${band.minTotal} to ${band.maxTotal}`,
      })),
    grading: input.grading
      ? gradingRecordLines(input.grading)
      : [{ key: 'Who graded the return', value: NOT_RECORDED }],
    actions: answers.flatMap((answer) =>
      answer.actions.map((action) => ({
        domainCode: answer.groupCode,
        outcomeCode: answer.requirementCode,
        outcomeTitle: answer.requirementTitle,
        action: action.description,
        owner: action.owner,
        dueDate: action.dueDate,
      })),
    ),
  };
}

/** The report as a workbook: one sheet per part of the template, each with its own header row. */
export function edsReportSheets(report: EdsReport): XlsxSheet[] {
  const domainSheets = report.domains.map((domain): XlsxSheet => ({
    name: `Domain ${domain.code}`.slice(0, 31),
    header: ['Outcome', 'Outcome title', 'Score', 'Rating', 'Evidence summary', 'Why not applicable'],
    rows: [
      ...domain.outcomes.map((outcome): CsvRow => [
        outcome.code,
        outcome.title,
        outcome.score ?? '',
        outcome.ratingText,
        outcome.evidence,
        outcome.notApplicableReason,
      ]),
      [`${domain.heading}: total`, '', domain.subtotal, domain.totalText, '', ''],
    ],
    widths: [10, 50, 8, 16, 80, 40],
  }));
  return [
    {
      name: 'Report',
      header: ['Item', 'Value'],
      rows: report.details.map((line): CsvRow => [line.key, line.value]),
      widths: [40, 80],
    },
    ...domainSheets,
    {
      name: 'Overall rating',
      header: ['Item', 'Value'],
      rows: [
        ...report.domains.map((domain): CsvRow => [domain.heading, domain.totalText]),
        ['Total score', report.results.totalText],
        ['Overall rating', report.results.ratingText],
        ...report.bands.map((band): CsvRow => [`Rating band: ${band.label}`, `Total of ${band.rangeText}`]),
      ],
      widths: [60, 60],
    },
    {
      name: 'Grading',
      header: ['Item', 'Value'],
      rows: report.grading.map((line): CsvRow => [line.key, line.value]),
      widths: [40, 80],
    },
    {
      name: 'Action plan',
      header: ['Domain', 'Outcome', 'Outcome title', 'Action', 'Owner', 'Due date'],
      rows: report.actions.map((action): CsvRow => [
        action.domainCode,
        action.outcomeCode,
        action.outcomeTitle,
        action.action,
        action.owner,
        dateCell(action.dueDate),
      ]),
      widths: [8, 10, 40, 80, 30, 12],
    },
  ];
}
