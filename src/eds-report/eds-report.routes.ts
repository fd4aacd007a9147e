import { Router, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { fileNamePart } from '../exports/exports.routes.js';
import { sendXlsx } from '../exports/xlsx.js';
import { pathTo, paths } from '../paths.js';
import { Forbidden } from '../errors.js';
import { errorSummary, formBody, partsFromDate, type FieldErrors } from '../forms.js';
import { ukToday } from '../format.js';
import { idFromPath, signedInUser, submitForm } from '../route-helpers.js';
import { edsReport, recordReportPublication } from './eds-report.service.js';
import {
  PUBLISHED_ON,
  SENT_ON,
  publicationValuesFromBody,
  readReportPublicationForm,
  type ReportPublicationValues,
} from './schemas.js';
import { edsReportSheets } from './report.js';

// Issue 14: the EDS report of an EDS 2022 return, as a page to read or print (no JavaScript; the
// print style sheet leaves out the header, navigation and links) and as an XLSX workbook.

export function edsReportRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get(paths.returns.edsReport, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const { report, canRecord } = await edsReport(deps, signedInUser(res), returnId);
    res.render('eds-report/report', {
      report,
      publicationHref: canRecord ? pathTo(paths.returns.edsReportPublication, { returnId }) : undefined,
      returnHref: pathTo(paths.returns.show, { returnId }),
      downloadHref: pathTo(paths.returns.edsReportXlsx, { returnId }),
    });
  });

  router.get(paths.returns.edsReportXlsx, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const { report } = await edsReport(deps, signedInUser(res), returnId);
    const name = `eds-report-${fileNamePart(report.organisation.odsCode)}-${fileNamePart(report.periodLabel)}.xlsx`;
    await sendXlsx(res, name, edsReportSheets(report));
  });

  router.get(paths.returns.edsReportPublication, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const page = await edsReport(deps, signedInUser(res), returnId);
    if (!page.canRecord)
      throw new Forbidden('Only the provider’s leads or the integrated care board can record this');
    await renderPublication(res, returnId, {
      url: page.publication?.url ?? '',
      publishedOn: partsFromDate(page.publication?.publishedOn),
      sentOn: partsFromDate(page.sentOn),
    });
  });

  router.post(paths.returns.edsReportPublication, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const user = signedInUser(res);
    // Refuse other providers and people who may not record before reading the form.
    const page = await edsReport(deps, user, returnId);
    if (!page.canRecord)
      throw new Forbidden('Only the provider’s leads or the integrated care board can record this');
    const body = formBody(req);
    await submitForm(
      res,
      readReportPublicationForm(body, ukToday(deps.clock()), page.publication !== null),
      async (input) => {
        await recordReportPublication(deps, user, returnId, input, deps.clock());
        res.redirect(pathTo(paths.returns.edsReport, { returnId }));
      },
      (errors) => renderPublication(res, returnId, publicationValuesFromBody(body), errors),
    );
  });

  async function renderPublication(
    res: Response,
    returnId: string,
    values: ReportPublicationValues,
    errors: FieldErrors = {},
  ): Promise<void> {
    const { report } = await edsReport(deps, signedInUser(res), returnId);
    const ordered: FieldErrors = {};
    for (const field of ['url', PUBLISHED_ON, SENT_ON]) if (errors[field]) ordered[field] = errors[field];
    res.render('eds-report/publication', {
      report,
      action: pathTo(paths.returns.edsReportPublication, { returnId }),
      reportHref: pathTo(paths.returns.edsReport, { returnId }),
      values,
      errors: ordered,
      errorList: errorSummary(ordered, [PUBLISHED_ON, SENT_ON]),
    });
  }

  return router;
}
