import { assertCanSeeProvider, permissionsFor, providerScope } from '../auth/access.js';
import type { Db } from '../db/prisma.js';
import { NotFound } from '../errors.js';
import { standardName } from '../frameworks/names.js';
import type { VersionMapping } from '../frameworks/version-mapping.schema.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import { describeStage } from '../reminders/ladder.js';
import { EMAIL_STATUS_TAGS, deliveryProblem } from '../reminders/outbox.service.js';
import { gradingRecordLines } from '../returns/grading.js';
import { statusWords } from '../returns/progress.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { CsvRow } from './csv.js';
import {
  findPackReturns,
  findPeriodLabel,
  listPackProviders,
  listPeriodsWithReturns,
  type PackReturn,
} from './queries.js';
import { findActionsOfProviders, type ActionListRow } from '../actions/queries.js';
import {
  DECISION_LABELS,
  actionLinesFor,
  answerCodes,
  byAnswerOrder,
  dateCell,
} from './requirement-export.js';
import type { XlsxSheet } from './xlsx.js';
import { yearLabel, yearOf } from '../obligations/derive.js';
import type { ObligationFile } from '../obligations/obligation-file.schema.js';
import { findProviderFacts } from '../obligations/queries.js';
import {
  PUBLICATION_STATE_TAGS,
  statusesForProviders,
  type ObligationStatus,
} from '../obligations/publications.service.js';

// The contract review pack: for one provider and period, every answer, the evidence behind them,
// the review decisions with their reasons, and every chaser sent. Staff see any provider; a lead
// only their own (another provider is "not found", as everywhere else).

export interface PackAnswer {
  code: string;
  title: string;
  rating: string;
  score: number | undefined;
  narrative: string;
  /** The answer's actions, a line each (issue 14). */
  actions: string;
  evidence: string[];
}

export interface PackReturnView {
  id: string;
  standard: string;
  version: string;
  status: ReturnStatus;
  statusText: string;
  dueDate: Date;
  submittedAt: Date | null;
  decidedAt: Date | null;
  /** Who graded the return (issue 14: EDS), as labelled lines; empty when not recorded. */
  grading: { key: string; value: string }[];
  answers: PackAnswer[];
}

export interface PackEvidence {
  fileName: string;
  sha256: string;
  sizeBytes: number;
  mediaType: string;
  uploadedAt: Date;
  coversFrom: Date | null;
  coversTo: Date | null;
  linkedTo: string[];
}

export interface PackDecision {
  standard: string;
  submission: number;
  submittedAt: Date;
  submittedBy: string;
  /** "Whole return" or the requirement's code and title. */
  about: string;
  decision: string;
  reason: string;
  decidedAt: Date;
  reviewer: string;
}

export interface PackChaser {
  standard: string;
  to: string;
  cc: string[];
  subject: string;
  stage: string;
  state: string;
  attempts: number;
  queuedAt: Date;
  sentAt: Date | null;
  /** What went wrong, in words for the reader (the mail server's for staff). */
  problem: string;
}

/** An equality obligation of the provider in the period's financial year, and what was published. */
export interface PackPublication {
  obligation: string;
  /** "Checked", "Overdue", "Not applicable" ... (PUBLICATION_STATE_TAGS). */
  state: string;
  dueOn: Date | null;
  /** Why it does not apply, what is not known, or when it is next due. */
  reason: string;
  url: string;
  publishedOn: Date | null;
  checkedBy: string;
  checkedAt: Date | null;
}

export interface Pack {
  provider: { id: string; name: string; odsCode: string };
  period: { id: string; label: string } | undefined;
  periods: { id: string; label: string }[];
  returns: PackReturnView[];
  evidence: PackEvidence[];
  decisions: PackDecision[];
  chasers: PackChaser[];
  /** "2026/27": the financial year of the period's publications; empty without a period. */
  publicationsYear: string;
  publications: PackPublication[];
}

const standardOf = (item: PackReturn) =>
  standardName(item.frameworkVersion.framework.name, item.frameworkVersion.code);

function packFrom(
  provider: Pack['provider'],
  period: Pack['period'],
  periods: Pack['periods'],
  found: readonly PackReturn[],
  actions: readonly ActionListRow[],
  mappings: readonly VersionMapping[],
  seeTechnicalDetails: boolean,
): Pack {
  const evidence = new Map<string, PackEvidence>();
  const returns = found.map((item): PackReturnView => {
    const standard = standardOf(item);
    const responses = [...item.responses].sort(byAnswerOrder);
    const codeOf = answerCodes(responses);
    const answers = responses.map((response): PackAnswer => {
      for (const { evidence: file } of response.evidenceLinks) {
        const entry = evidence.get(file.id) ?? {
          fileName: file.fileName,
          sha256: file.fileSha256,
          sizeBytes: file.file.sizeBytes,
          mediaType: file.file.mediaType,
          uploadedAt: file.uploadedAt,
          coversFrom: file.coversFrom,
          coversTo: file.coversTo,
          linkedTo: [],
        };
        entry.linkedTo.push(`${standard} ${codeOf(response)}`);
        evidence.set(file.id, entry);
      }
      return {
        code: codeOf(response),
        title: response.requirement.title,
        rating: response.notApplicable
          ? `Not applicable: ${response.notApplicableReason}`
          : (response.ratingLevel?.label ?? ''),
        score: response.ratingLevel?.score,
        narrative: response.narrative,
        actions: actionLinesFor(
          actions,
          provider.id,
          { version: item.frameworkVersion, mappings },
          { id: response.requirementId, code: response.requirement.code },
        ),
        evidence: response.evidenceLinks.map((link) => link.evidence.fileName).sort(),
      };
    });
    return {
      id: item.id,
      standard: item.frameworkVersion.framework.name,
      version: item.frameworkVersion.code,
      status: item.status,
      statusText: statusWords(item.status, item.imported !== null),
      dueDate: item.dueDate,
      submittedAt: item.submittedAt,
      decidedAt: item.decidedAt,
      grading: item.gradingRecord ? gradingRecordLines(item.gradingRecord) : [],
      answers,
    };
  });

  const decisions: PackDecision[] = found.flatMap((item) =>
    item.submissions.flatMap((submission) => {
      const base = {
        standard: standardOf(item),
        submission: submission.sequence,
        submittedAt: submission.submittedAt,
        submittedBy: submission.submittedBy.displayName,
      };
      // Each service's decision on a per-service outcome, named by its service ("1A (Maternity)").
      const codeOf = answerCodes(submission.requirementReviews);
      const perRequirement = [...submission.requirementReviews].sort(byAnswerOrder).map((review) => ({
        ...base,
        about: `${codeOf(review)} ${review.requirement.title}`,
        decision: DECISION_LABELS[review.decision],
        reason: review.reason,
        decidedAt: review.decidedAt,
        reviewer: review.reviewer.displayName,
      }));
      const whole = submission.review
        ? [
            {
              ...base,
              about: 'Whole return',
              decision: DECISION_LABELS[submission.review.decision],
              reason: submission.review.comment,
              decidedAt: submission.review.decidedAt,
              reviewer: submission.review.reviewer.displayName,
            },
          ]
        : [];
      return [...perRequirement, ...whole];
    }),
  );

  const chasers: PackChaser[] = found
    .flatMap((item) =>
      item.outboxEmails.map((email) => ({
        standard: standardOf(item),
        to: email.toAddress,
        cc: email.ccAddresses,
        subject: email.subject,
        stage: email.stage ? describeStage(email.stage) : 'Email',
        state: EMAIL_STATUS_TAGS[email.status].text,
        attempts: email.attempts,
        queuedAt: email.createdAt,
        sentAt: email.sentAt,
        problem: deliveryProblem(email, seeTechnicalDetails),
      })),
    )
    .sort((a, b) => a.queuedAt.getTime() - b.queuedAt.getTime());

  return {
    provider,
    period,
    periods,
    returns,
    evidence: [...evidence.values()].sort(
      (a, b) => a.fileName.localeCompare(b.fileName) || a.sha256.localeCompare(b.sha256),
    ),
    decisions,
    chasers,
    publicationsYear: '',
    publications: [],
  };
}

/** The provider's equality publications in the year, as on `today`, for the pack. */
function packPublications(statuses: readonly ObligationStatus[]): PackPublication[] {
  return statuses.map((status) => ({
    obligation: status.obligation.name,
    state: PUBLICATION_STATE_TAGS[status.state].text,
    dueOn: status.dueOn,
    reason: status.reason ?? '',
    url: status.publication?.url ?? '',
    publishedOn: status.publication?.publishedOn ?? null,
    checkedBy: status.publication?.checkedBy?.displayName ?? '',
    checkedAt: status.publication?.checkedAt ?? null,
  }));
}

/** The pack for a provider and period (the newest period with returns when none is chosen). */
export async function buildPack(
  db: Db,
  user: CurrentUser,
  providerId: string,
  periodId: string | undefined,
  publications: { obligations: readonly ObligationFile[]; today: Date },
  mappings: readonly VersionMapping[],
): Promise<Pack> {
  assertCanSeeProvider(user, providerId);
  const provider = await findProviderFacts(db, providerId);
  if (!provider) throw new NotFound();
  const periods = await listPeriodsWithReturns(db, { in: [providerId] });
  let period = periodId === undefined ? periods[0] : periods.find((candidate) => candidate.id === periodId);
  if (periodId !== undefined && !period) {
    // A period without returns for this provider: an empty pack, not an error.
    period = (await findPeriodLabel(db, periodId)) ?? undefined;
    if (!period) throw new NotFound();
  }
  const found = period ? await findPackReturns(db, providerId, period.id) : [];
  const actions = await findActionsOfProviders(db, [providerId]);
  const pack = packFrom(
    { id: provider.id, name: provider.name, odsCode: provider.odsCode },
    period && { id: period.id, label: period.label },
    periods.map(({ id, label }) => ({ id, label })),
    found,
    actions,
    mappings,
    permissionsFor(user).seeTechnicalDetails,
  );
  if (!period) return pack;
  const year = yearOf(period.startDate);
  const statuses = await statusesForProviders(
    db,
    publications.obligations,
    [provider],
    year,
    publications.today,
  );
  return {
    ...pack,
    publicationsYear: yearLabel(year),
    publications: packPublications(statuses.get(provider.id) ?? []),
  };
}

/** The choices on the "make a pack" form: the user's providers and the periods that have returns. */
export async function packChoices(db: Db, user: CurrentUser) {
  const scope = providerScope(user);
  const [providers, periods] = await Promise.all([
    listPackProviders(db, scope),
    listPeriodsWithReturns(db, scope),
  ]);
  return { providers, periods };
}

/**
 * The pack as workbook sheets, one per section. Files' SHA-256 fingerprints are technical details:
 * a sheet of their own for staff (as on the page), nowhere in a provider lead's copy.
 */
export function packSheets(pack: Pack, options: { technicalDetails: boolean }): XlsxSheet[] {
  const answers: CsvRow[] = pack.returns.flatMap((item) =>
    item.answers.map((answer) => [
      item.standard,
      item.version,
      item.statusText,
      dateCell(item.dueDate),
      answer.code,
      answer.title,
      answer.rating,
      answer.score ?? '',
      answer.narrative,
      answer.actions,
      answer.evidence.join('; '),
    ]),
  );
  const overview: CsvRow[] = [
    ['Provider', pack.provider.name],
    ['ODS code', pack.provider.odsCode],
    ['Period', pack.period?.label ?? ''],
    ...pack.returns.map((item): CsvRow => [
      `${item.standard} ${item.version}`,
      `${item.statusText}; due ${dateCell(item.dueDate)}`,
    ]),
    ...pack.returns.flatMap((item) =>
      item.grading.map((line): CsvRow => [`${item.standard} ${item.version}: ${line.key}`, line.value]),
    ),
  ];
  return [
    { name: 'Summary', header: ['Item', 'Value'], rows: overview, widths: [40, 60] },
    {
      name: 'Answers',
      header: [
        'Standard',
        'Version',
        'Return status',
        'Due date',
        'Requirement code',
        'Requirement title',
        'Rating',
        'Score',
        'Narrative',
        'Actions',
        'Evidence',
      ],
      rows: answers,
      widths: [30, 10, 14, 12, 12, 40, 16, 8, 60, 60, 40],
    },
    {
      name: 'Evidence',
      header: ['File name', 'Size (bytes)', 'Type', 'Uploaded at', 'Covers from', 'Covers to', 'Linked to'],
      rows: pack.evidence.map((file) => [
        file.fileName,
        file.sizeBytes,
        file.mediaType,
        file.uploadedAt,
        dateCell(file.coversFrom),
        dateCell(file.coversTo),
        file.linkedTo.join('; '),
      ]),
      widths: [40, 12, 20, 22, 12, 12, 40],
    },
    {
      name: 'Decisions',
      header: [
        'Standard',
        'Submission',
        'Submitted at',
        'Submitted by',
        'About',
        'Decision',
        'Reason',
        'Decided at',
        'Reviewer',
      ],
      rows: pack.decisions.map((decision) => [
        decision.standard,
        decision.submission,
        decision.submittedAt,
        decision.submittedBy,
        decision.about,
        decision.decision,
        decision.reason,
        decision.decidedAt,
        decision.reviewer,
      ]),
      widths: [30, 10, 22, 20, 40, 10, 50, 22, 20],
    },
    {
      name: 'Chase log',
      header: [
        'Standard',
        'Stage',
        'Sent to',
        'Copied to',
        'Subject',
        'Delivery',
        'Attempts',
        'Written at',
        'Sent at',
        'Problem',
      ],
      rows: pack.chasers.map((chaser) => [
        chaser.standard,
        chaser.stage,
        chaser.to,
        chaser.cc.join('; '),
        chaser.subject,
        chaser.state,
        chaser.attempts,
        chaser.queuedAt,
        chaser.sentAt,
        chaser.problem,
      ]),
      widths: [30, 24, 30, 30, 40, 14, 8, 22, 22, 40],
    },
    {
      name: 'Publications',
      header: [
        'Financial year',
        'Obligation',
        'Status',
        'Due date',
        'Reason',
        'Published at',
        'Date published',
        'Checked by',
        'Checked at',
      ],
      rows: pack.publications.map((item) => [
        pack.publicationsYear,
        item.obligation,
        item.state,
        dateCell(item.dueOn),
        item.reason,
        item.url,
        dateCell(item.publishedOn),
        item.checkedBy,
        item.checkedAt,
      ]),
      widths: [12, 40, 24, 12, 50, 50, 14, 20, 22],
    },
    ...(options.technicalDetails
      ? [
          {
            name: 'Technical details',
            header: ['File name', 'SHA-256 fingerprint (to check a copy against)'],
            rows: pack.evidence.map((file): CsvRow => [file.fileName, file.sha256]),
            widths: [40, 70],
          },
        ]
      : []),
  ];
}
