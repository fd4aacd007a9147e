import { Router, type Request, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { checkUploadedFile, type CheckedFile } from '../evidence/evidence.service.js';
import { readUploadForm } from '../evidence/multipart-upload.js';
import { isDownloadable } from '../evidence/evidence-list.js';
import { createInspections } from '../evidence/inspections.js';
import { formatFileSize } from '../evidence/format.js';
import { closeAfterResponse } from '../middleware/close-after-response.js';
import { errorSummary, partsFromDate, queryFields, firstValues, type FieldErrors } from '../forms.js';
import { formatDate, formatDateTime, isoDate, ukToday } from '../format.js';
import { sendCsv, type CsvRow } from '../exports/csv.js';
import { pathTo, paths } from '../paths.js';
import { idFromPath, signedInUser } from '../route-helpers.js';
import { NotFound } from '../errors.js';
import { yearLabel, yearOf } from './derive.js';
import type { ObligationFile } from './obligation-file.schema.js';
import {
  checkPublication,
  obligationFromPath,
  onlyProviderOf,
  providerPublications,
  publicationForRecording,
  publicationsOverview,
  recordPublication,
  type ObligationStatus,
  PUBLICATION_STATE_TAGS,
  type PublicationState,
} from './publications.service.js';
import { FIRST_YEAR, parsePublicationForm, parseYear, PUBLISHED_ON } from './schemas.js';

const NOTICES: Readonly<Record<string, string>> = {
  recorded: 'The publication has been recorded.',
  checking:
    'The publication has been recorded. Its copy is being checked for viruses: it can be downloaded once the check has finished.',
  blocked:
    'The publication has been recorded, but its copy was blocked: the virus check found something harmful in it, so no one can download it. Upload a clean copy.',
  checked: 'The publication has been marked as checked.',
};

export function publicationRoutes(deps: AppDeps): Router {
  const router = Router();
  const fileChecks = { maxBytes: deps.config.evidence.maxBytes, refuse: deps.config.evidence.refuse };
  const inspections = createInspections();
  const today = () => ukToday(deps.clock());
  const lastYear = () => yearOf(today()) + 1;
  const yearChosen = (req: Request) =>
    parseYear(firstValues(queryFields(req)).year, lastYear()) ?? yearOf(today());
  const yearFromPath = (req: Request) => {
    const year = parseYear(req.params.year, lastYear());
    if (year === undefined) throw new NotFound();
    return year;
  };
  const yearItems = () => {
    const items = [];
    for (let year = lastYear(); year >= FIRST_YEAR; year -= 1)
      items.push({ value: String(year), text: yearLabel(year) });
    return items;
  };

  router.get(paths.publications.overview, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const year = yearChosen(req);
    const own = onlyProviderOf(user);
    if (own) {
      res.redirect(`${pathTo(paths.publications.provider, { providerId: own })}?year=${year}`);
      return;
    }
    const rows = await publicationsOverview(deps, user, year);
    const all = deps.caches.obligations.all;
    res.render('publications/overview', {
      year: String(year),
      yearLabel: yearLabel(year),
      yearItems: yearItems(),
      obligations: all.map((obligation) => ({ code: obligation.code, shortName: obligation.shortName })),
      providers: rows.map(({ provider, statuses }) => ({
        name: provider.name,
        href: `${pathTo(paths.publications.provider, { providerId: provider.id })}?year=${year}`,
        cells: statuses.map((status) => ({
          tag: PUBLICATION_STATE_TAGS[status.state],
          detail: cellDetail(status),
        })),
      })),
      counts: countStates(rows.flatMap((row) => row.statuses)),
      exportHref: `${paths.publications.export}?year=${year}`,
    });
  });

  // Every row of the overview (the providers this user may see x obligations), one line each.
  router.get(paths.publications.export, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const year = yearChosen(req);
    const rows = await publicationsOverview(deps, user, year);
    const lines = rows.flatMap(({ provider, statuses }) =>
      statuses.map((status): CsvRow => [
        provider.name,
        provider.odsCode,
        yearLabel(year),
        status.obligation.name,
        PUBLICATION_STATE_TAGS[status.state].text,
        status.dueOn ? isoDate(status.dueOn) : '',
        status.reason ?? '',
        status.publication?.url ?? '',
        status.publication ? isoDate(status.publication.publishedOn) : '',
        status.publication?.checkedBy?.displayName ?? '',
        status.publication?.checkedAt ? status.publication.checkedAt.toISOString() : '',
        status.obligation.appliesTo.verified && status.obligation.due.verified ? 'yes' : 'no',
      ]),
    );
    await sendCsv(
      res,
      `equality-publications-${yearLabel(year).replace('/', '-')}.csv`,
      [
        'Provider',
        'ODS code',
        'Financial year',
        'Obligation',
        'Status',
        'Due date',
        'Reason',
        'Published at',
        'Date published',
        'Checked by',
        'Checked at',
        'Rule confirmed from a published source',
      ],
      lines,
    );
  });

  router.get(paths.publications.provider, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const providerId = idFromPath(req.params.providerId);
    const year = yearChosen(req);
    const page = await providerPublications(deps, user, providerId, year);
    const done = typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
    res.render('publications/provider', {
      provider: { id: page.provider.id, name: page.provider.name },
      year: String(year),
      yearLabel: yearLabel(year),
      yearItems: yearItems(),
      notice: done,
      // Back to the overview, except for a person of this provider alone (the overview sends them here).
      overviewHref: onlyProviderOf(user) ? undefined : `${paths.publications.overview}?year=${year}`,
      providerHref: user.role === 'provider_lead' ? undefined : pathTo(paths.providers.show, { providerId }),
      rows: page.statuses.map((status) => ({
        code: status.obligation.code,
        name: status.obligation.name,
        appliesTo: status.obligation.appliesTo.summary,
        dueRule: status.obligation.due.summary,
        unverified: !status.obligation.appliesTo.verified || !status.obligation.due.verified,
        source: [status.obligation.appliesTo.source, status.obligation.due.source].join(' ; '),
        dueText: status.dueOn
          ? formatDate(status.dueOn)
          : status.nextDueOn
            ? `Next due ${formatDate(status.nextDueOn)}`
            : 'None this year',
        tag: PUBLICATION_STATE_TAGS[status.state],
        reason: status.reason,
        publication: status.publication && publicationView(status.publication),
        recordHref: page.canRecord
          ? pathTo(paths.publications.record, {
              providerId,
              obligationCode: status.obligation.code,
              year: String(year),
            })
          : undefined,
        recordText: status.publication ? 'Change' : 'Record',
        checkAction:
          page.canCheck && status.publication?.status === 'published'
            ? pathTo(paths.publications.check, {
                providerId,
                obligationCode: status.obligation.code,
                year: String(year),
              })
            : undefined,
      })),
    });
  });

  router.get(paths.publications.record, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const providerId = idFromPath(req.params.providerId);
    const obligation = obligationFromPath(deps.caches.obligations, req.params.obligationCode);
    const year = yearFromPath(req);
    const { provider, publication } = await publicationForRecording(deps, user, providerId, obligation, year);
    renderRecordForm(res, {
      providerId,
      providerName: provider.name,
      obligation,
      year,
      values: publication
        ? { url: publication.url, ...datePartsOf(partsFromDate(publication.publishedOn)) }
        : {},
      currentCopy: publication?.evidence ? publication.evidence.fileName : undefined,
      maxBytes: fileChecks.maxBytes,
    });
  });

  // Multipart: the CSRF middleware leaves this route to check the token itself (src/middleware/csrf.ts).
  router.post(paths.publications.record, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const providerId = idFromPath(req.params.providerId);
    const obligation = obligationFromPath(deps.caches.obligations, req.params.obligationCode);
    const year = yearFromPath(req);
    let page: Awaited<ReturnType<typeof publicationForRecording>>;
    try {
      // Refuse (404, 403) before reading the body.
      page = await publicationForRecording(deps, user, providerId, obligation, year);
    } catch (error) {
      closeAfterResponse(req, res);
      throw error;
    }
    const read = await readUploadForm(req, res, fileChecks.maxBytes);
    const body = read.fields;
    const form = parsePublicationForm(body, today());
    let file: CheckedFile | undefined;
    const errors: FieldErrors = form.ok ? {} : { ...form.errors };
    // A browser sends an empty, unnamed file part when no file was chosen: the copy is optional.
    const noFileChosen =
      read.outcome === 'no-file' ||
      (read.outcome === 'file' && read.file.name === '' && read.file.sizeBytes === 0);
    if (!noFileChosen) {
      const checked = await checkUploadedFile(
        read.outcome === 'file' ? read.file : 'too-large',
        fileChecks,
        inspections,
      );
      if (checked.ok) file = checked.file;
      else errors.file = checked.error;
    }
    if (!form.ok || errors.file) {
      res.status(read.outcome === 'too-large' ? 413 : 400);
      renderRecordForm(res, {
        providerId,
        providerName: page.provider.name,
        obligation,
        year,
        values: body,
        currentCopy: page.publication?.evidence?.fileName,
        maxBytes: fileChecks.maxBytes,
        errors,
      });
      return;
    }
    const { scanStatus } = await recordPublication(deps, user, providerId, obligation, year, form.data, file);
    const done = scanStatus === 'infected' ? 'blocked' : scanStatus === 'pending' ? 'checking' : 'recorded';
    res.redirect(`${pathTo(paths.publications.provider, { providerId })}?year=${year}&done=${done}`);
  });

  router.post(paths.publications.check, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const providerId = idFromPath(req.params.providerId);
    const obligation = obligationFromPath(deps.caches.obligations, req.params.obligationCode);
    const year = yearFromPath(req);
    await checkPublication(deps, user, providerId, obligation, year);
    res.redirect(`${pathTo(paths.publications.provider, { providerId })}?year=${year}&done=checked`);
  });

  return router;
}

function datePartsOf(parts: { day: string; month: string; year: string }): Record<string, string> {
  return {
    [`${PUBLISHED_ON}-day`]: parts.day,
    [`${PUBLISHED_ON}-month`]: parts.month,
    [`${PUBLISHED_ON}-year`]: parts.year,
  };
}

function cellDetail(status: ObligationStatus): string {
  if (status.publication) return `Published ${formatDate(status.publication.publishedOn)}`;
  if (status.dueOn) return `${status.state === 'overdue' ? 'Was due' : 'Due by'} ${formatDate(status.dueOn)}`;
  return status.reason ?? '';
}

function countStates(statuses: readonly ObligationStatus[]) {
  return (Object.keys(PUBLICATION_STATE_TAGS) as PublicationState[]).map((state) => ({
    text: PUBLICATION_STATE_TAGS[state].text,
    count: statuses.filter((status) => status.state === state).length,
  }));
}

function publicationView(publication: NonNullable<ObligationStatus['publication']>) {
  const evidence = publication.evidence;
  return {
    url: publication.url,
    publishedOn: formatDate(publication.publishedOn),
    recorded: `Recorded by ${publication.recordedBy.displayName} at ${formatDateTime(publication.recordedAt)}`,
    checked:
      publication.checkedAt && publication.checkedBy
        ? `Checked by ${publication.checkedBy.displayName} at ${formatDateTime(publication.checkedAt)}`
        : undefined,
    copy: evidence
      ? {
          text: evidence.fileName,
          size: formatFileSize(evidence.file.sizeBytes),
          href: isDownloadable(evidence.file.scanStatus)
            ? pathTo(paths.evidence.download, { evidenceId: evidence.id })
            : undefined,
          note:
            evidence.file.scanStatus === 'pending'
              ? 'Being checked for viruses'
              : evidence.file.scanStatus === 'infected'
                ? 'Blocked by the virus check'
                : undefined,
        }
      : undefined,
  };
}

interface RecordPage {
  providerId: string;
  providerName: string;
  obligation: ObligationFile;
  year: number;
  values: Record<string, string>;
  currentCopy: string | undefined;
  maxBytes: number;
  errors?: FieldErrors;
}

function renderRecordForm(res: Response, page: RecordPage): void {
  const errors = page.errors ?? {};
  const year = String(page.year);
  res.render('publications/record', {
    action: pathTo(paths.publications.record, {
      providerId: page.providerId,
      obligationCode: page.obligation.code,
      year,
    }),
    backHref: `${pathTo(paths.publications.provider, { providerId: page.providerId })}?year=${year}`,
    providerName: page.providerName,
    obligationName: page.obligation.name,
    obligationDescription: page.obligation.description,
    yearLabel: yearLabel(page.year),
    values: page.values,
    dateValues: {
      day: page.values[`${PUBLISHED_ON}-day`] ?? '',
      month: page.values[`${PUBLISHED_ON}-month`] ?? '',
      year: page.values[`${PUBLISHED_ON}-year`] ?? '',
    },
    currentCopy: page.currentCopy,
    uploadHint: `Optional. PDF, Word or another document, smaller than ${formatFileSize(page.maxBytes)}.${page.currentCopy ? ' A new file replaces the copy kept now.' : ''}`,
    errors,
    errorList: errorSummary(errors, [PUBLISHED_ON]),
  });
}
