import { Router, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import {
  errorSummary,
  parseForm,
  type FieldErrors,
  firstValues,
  queryFields,
  type FormBody,
} from '../forms.js';
import { formatDate, formatDateTime, ukToday } from '../format.js';
import { formatFileSize } from '../evidence/format.js';
import { versionMappings } from '../frameworks/version-mappings.js';
import { pathTo, paths } from '../paths.js';
import { idFromPath, signedInUser, staffOnly } from '../route-helpers.js';
import { sendCsv } from './csv.js';
import { buildPack, packChoices, packSheets, type Pack } from './pack.service.js';
import { exportFormOptions, findPeriodLabel } from './queries.js';
import { REQUIREMENT_EXPORT_HEADER, requirementExportRows } from './requirement-export.js';
import { packChoiceSchema, packQuerySchema, requirementExportSchema } from './schemas.js';
import { sendXlsx } from './xlsx.js';

/** A file name part from a label: "2026/27" -> "2026-27", "Alpha Trust" -> "alpha-trust". */
export function fileNamePart(text: string): string {
  return (
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'export'
  );
}

export function exportsRoutes(deps: AppDeps): Router {
  const router = Router();
  const { prisma } = deps;

  async function renderExportForm(res: Response, values: Record<string, string>, errors: FieldErrors = {}) {
    const options = await exportFormOptions(prisma);
    const hasErrors = Object.keys(errors).length > 0;
    res.status(hasErrors ? 400 : 200).render('exports/index', {
      ...options,
      values,
      errors,
      errorList: errorSummary(errors),
      hasErrors,
    });
  }

  // The export page: the requirement-level data form, and a way to the provider packs.
  router.get(paths.exports.index, requireSignIn, staffOnly, async (_req, res) => {
    await renderExportForm(res, {});
  });

  // The requirement-level download. Asked for without a choice it shows the form; a bad choice
  // re-shows it with the problems.
  router.get(paths.exports.requirements, requireSignIn, staffOnly, async (req, res) => {
    const values = firstValues(queryFields(req));
    if (Object.keys(values).length === 0) {
      res.redirect(paths.exports.index);
      return;
    }
    const parsed = parseForm(requirementExportSchema, values);
    if (!parsed.ok) {
      await renderExportForm(res, values, parsed.errors);
      return;
    }
    const period = await findPeriodLabel(prisma, parsed.data.periodId);
    if (!period) {
      await renderExportForm(res, values, { periodId: 'Select a reporting period' });
      return;
    }
    const { format, ...filter } = parsed.data;
    const mappings = await versionMappings(deps.caches.versionMappings);
    const rows = requirementExportRows(prisma, signedInUser(res), filter, mappings);
    const baseName = `requirement-answers-${fileNamePart(period.label)}`;
    if (format === 'csv') {
      await sendCsv(res, `${baseName}.csv`, REQUIREMENT_EXPORT_HEADER, rows);
    } else {
      await sendXlsx(res, `${baseName}.xlsx`, [
        {
          name: 'Answers',
          header: REQUIREMENT_EXPORT_HEADER,
          rows,
          widths: [
            36, 10, 30, 8, 10, 14, 12, 12, 40, 16, 7, 40, 60, 40, 20, 12, 14, 40, 24, 24, 24, 40, 60, 60,
          ],
        },
      ]);
    }
  });

  // Choosing a pack: staff pick any provider, a lead one of their own.
  router.get(paths.exports.packChoose, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const values = firstValues(queryFields(req));
    let errors: FieldErrors = {};
    if (Object.keys(values).length > 0) {
      const parsed = parseForm(packChoiceSchema, values);
      if (parsed.ok) {
        const target = pathTo(paths.exports.pack, { providerId: parsed.data.providerId });
        res.redirect(`${target}?periodId=${encodeURIComponent(parsed.data.periodId)}`);
        return;
      }
      errors = parsed.errors;
    }
    const choices = await packChoices(prisma, user);
    const hasErrors = Object.keys(errors).length > 0;
    res.status(hasErrors ? 400 : 200).render('exports/pack-choose', {
      ...choices,
      values,
      errors,
      errorList: errorSummary(errors),
      hasErrors,
    });
  });

  router.get(paths.exports.pack, requireSignIn, async (req, res) => {
    const pack = await packFor(req.params.providerId, queryFields(req), res);
    res.render('exports/pack', { pack: packView(pack) });
  });

  router.get(paths.exports.packDownload, requireSignIn, async (req, res) => {
    const pack = await packFor(req.params.providerId, queryFields(req), res);
    const name = `contract-review-pack-${fileNamePart(pack.provider.odsCode)}-${fileNamePart(pack.period?.label ?? 'no-period')}.xlsx`;
    await sendXlsx(res, name, packSheets(pack, { technicalDetails: res.locals.can.seeTechnicalDetails }));
  });

  async function packFor(providerIdParam: string | string[] | undefined, query: FormBody, res: Response) {
    const user = signedInUser(res);
    const providerId = idFromPath(providerIdParam);
    const parsed = packQuerySchema.safeParse(firstValues(query));
    // A period id that is not an id names nothing: the newest period is shown instead.
    const periodId = parsed.success ? parsed.data.periodId : undefined;
    return buildPack(
      prisma,
      user,
      providerId,
      periodId,
      {
        obligations: deps.caches.obligations.all,
        today: ukToday(deps.clock()),
      },
      await versionMappings(deps.caches.versionMappings),
    );
  }

  return router;
}

/** The pack as the page shows it: dates in words, links built here. */
function packView(pack: Pack) {
  const date = (value: Date | null | undefined) => (value ? formatDate(value) : '');
  const moment = (value: Date | null | undefined) => (value ? formatDateTime(value) : '');
  const packPath = pathTo(paths.exports.pack, { providerId: pack.provider.id });
  const downloadPath = pathTo(paths.exports.packDownload, { providerId: pack.provider.id });
  const periodQuery = pack.period ? `?periodId=${encodeURIComponent(pack.period.id)}` : '';
  return {
    provider: pack.provider,
    period: pack.period,
    periods: pack.periods,
    formAction: packPath,
    downloadHref: `${downloadPath}${periodQuery}`,
    returns: pack.returns.map((item) => ({
      ...item,
      dueDateText: date(item.dueDate),
      submittedAtText: moment(item.submittedAt),
      decidedAtText: moment(item.decidedAt),
      answers: item.answers.map((answer) => ({
        ...answer,
        scoreText: answer.score === undefined ? '' : String(answer.score),
      })),
    })),
    evidence: pack.evidence.map((file) => ({
      ...file,
      sizeText: formatFileSize(file.sizeBytes),
      uploadedAtText: moment(file.uploadedAt),
      coversText:
        file.coversFrom || file.coversTo ? `${date(file.coversFrom)} to ${date(file.coversTo)}`.trim() : '',
    })),
    decisions: pack.decisions.map((decision) => ({
      ...decision,
      submittedAtText: moment(decision.submittedAt),
      decidedAtText: moment(decision.decidedAt),
    })),
    chasers: pack.chasers.map((chaser) => ({
      ...chaser,
      queuedAtText: moment(chaser.queuedAt),
      sentAtText: moment(chaser.sentAt),
    })),
    publicationsYear: pack.publicationsYear,
    publications: pack.publications.map((item) => ({
      ...item,
      dueText: date(item.dueOn),
      publishedOnText: date(item.publishedOn),
      checkedText: item.checkedAt ? `${item.checkedBy}, ${moment(item.checkedAt)}` : '',
    })),
  };
}
