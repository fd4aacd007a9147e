import { Router } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { fileNamePart } from '../exports/exports.routes.js';
import { sendXlsx } from '../exports/xlsx.js';
import { pathTo, paths } from '../paths.js';
import { idFromPath, signedInUser } from '../route-helpers.js';
import { edsReport } from './eds-report.service.js';
import { edsReportSheets } from './report.js';

// Issue 14: the EDS report of an EDS 2022 return, as a page to read or print (no JavaScript; the
// print style sheet leaves out the header, navigation and links) and as an XLSX workbook.

export function edsReportRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get(paths.returns.edsReport, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const { report } = await edsReport(deps, signedInUser(res), returnId);
    res.render('eds-report/report', {
      report,
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

  return router;
}
