import { redirectWithSession } from '../auth/session.js';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { canEditForProvider } from '../auth/access.js';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { formatFileSize } from '../evidence/format.js';
import { attachmentHeader } from '../exports/csv.js';
import { XLSX_CONTENT_TYPE } from '../exports/xlsx.js';
import { formatDateTime } from '../format.js';
import { errorSummary, formBody, parseForm, type FieldErrors } from '../forms.js';
import { readUploadForm } from '../evidence/multipart-upload.js';
import { pathTo, paths } from '../paths.js';
import { idFromPath, signedInUser } from '../route-helpers.js';
import { summarise } from './returns.service.js';
import {
  applyWorkbookPlan,
  downloadReturnWorkbook,
  planWorkbookUpload,
  uploadTarget,
  type WorkbookPlan,
} from './workbook.service.js';

// Returns by spreadsheet (issue 15): the download, the upload, and its preview confirmed on the same
// page. The preview waits in the session (a return's answers, never the file) until it is confirmed.

const NOTICES: Readonly<Record<string, string>> = {
  'changed-since-preview':
    'Someone changed an answer online while you were checking the preview, so nothing was saved. Upload the workbook again to see the changes afresh.',
  'no-preview': 'There is no uploaded workbook waiting to be saved. Upload it again.',
};

export function workbookRoutes(deps: AppDeps): Router {
  const router = Router();
  const { prisma, clock } = deps;
  const maxBytes = deps.config.imports.maxBytes;

  router.get(paths.returns.workbook, requireSignIn, async (req, res) => {
    const workbook = await downloadReturnWorkbook(deps, signedInUser(res), idFromPath(req.params.returnId));
    res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
    res.setHeader('Content-Disposition', attachmentHeader(workbook.fileName));
    res.setHeader('Cache-Control', 'no-store');
    res.send(workbook.content);
  });

  const renderUpload = async (req: Request, res: Response, errors: string[] = [], notice?: string) => {
    const user = signedInUser(res);
    const row = await uploadTarget({ prisma }, user, idFromPath(req.params.returnId));
    const fieldErrors: FieldErrors = errors[0] ? { file: errors[0] } : {};
    res.render('returns/workbook-upload', {
      summary: summarise(user, row, clock()),
      errors: fieldErrors,
      errorList: errors.map((text) => ({ text, href: '#file' })),
      notice,
      uploadHint: `The Excel workbook (.xlsx) you downloaded from this return, smaller than ${formatFileSize(maxBytes)}.`,
      onBehalfOf: canEditForProvider(user, row.providerId) ? undefined : row.provider.name,
    });
  };

  router.get(paths.returns.workbookUpload, requireSignIn, async (req, res) => {
    const done = typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
    await renderUpload(req, res, [], done);
  });

  // Multipart: the CSRF middleware leaves this route to check the token itself (src/middleware/csrf.ts).
  router.post(paths.returns.workbookUpload, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const returnId = idFromPath(req.params.returnId);
    // Refuse other providers and staff before reading a byte of the file.
    await uploadTarget({ prisma }, user, returnId);
    const read = await readUploadForm(req, res, maxBytes);
    if (read.outcome === 'too-large') {
      res.status(413);
      await renderUpload(req, res, [`The file must be smaller than ${formatFileSize(maxBytes)}`]);
      return;
    }
    if (read.outcome === 'no-file' || read.file.sizeBytes === 0) {
      res.status(400);
      await renderUpload(req, res, [
        read.outcome === 'no-file' ? 'Select the workbook to upload' : 'The selected file is empty',
      ]);
      return;
    }
    const outcome = await planWorkbookUpload(deps, user, returnId, {
      fileName: read.file.name,
      content: read.file.content,
    });
    if (!outcome.ok) {
      res.status(400);
      await renderUpload(req, res, outcome.errors);
      return;
    }
    req.session.returnWorkbookPlan = outcome.plan;
    await redirectWithSession(req, res, pathTo(paths.returns.workbookPreview, { returnId }));
  });

  const planFor = (req: Request): WorkbookPlan | undefined => {
    const plan = req.session.returnWorkbookPlan;
    return plan?.returnId === idFromPath(req.params.returnId) ? plan : undefined;
  };

  const renderPreview = async (
    req: Request,
    res: Response,
    plan: WorkbookPlan,
    errors: FieldErrors = {},
    values: Record<string, string> = {},
  ) => {
    const user = signedInUser(res);
    const row = await uploadTarget({ prisma }, user, plan.returnId);
    res.render('returns/workbook-preview', {
      summary: summarise(user, row, clock()),
      fileName: plan.fileName,
      unchangedCount: plan.unchangedCount,
      changes: plan.changes.filter((change) => change.kind === 'change'),
      conflicts: plan.changes
        .filter((change) => change.kind === 'conflict')
        .map((change) => ({
          ...change,
          changedAt: change.changedAt ? formatDateTime(new Date(change.changedAt)) : '',
        })),
      errors,
      errorList: errorSummary(errors),
      values,
    });
  };

  router.get(paths.returns.workbookPreview, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    await uploadTarget({ prisma }, signedInUser(res), returnId);
    const plan = planFor(req);
    if (!plan) {
      res.redirect(pathTo(paths.returns.workbookUpload, { returnId }));
      return;
    }
    await renderPreview(req, res, plan);
  });

  router.post(paths.returns.workbookPreview, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const returnId = idFromPath(req.params.returnId);
    await uploadTarget({ prisma }, user, returnId);
    const plan = planFor(req);
    const uploadPath = pathTo(paths.returns.workbookUpload, { returnId });
    if (!plan) {
      res.redirect(`${uploadPath}?done=no-preview`);
      return;
    }
    const conflicts = plan.changes.filter((change) => change.kind === 'conflict');
    const body = formBody(req);
    const choiceSchema = z.object(
      Object.fromEntries(
        conflicts.map((change) => [
          `choice-${change.requirementId}`,
          z.enum(['app', 'workbook'], { error: `Select which answer to ${change.code} to keep` }),
        ]),
      ),
    );
    const parsed = parseForm(choiceSchema, body);
    if (!parsed.ok) {
      res.status(400);
      const values = Object.fromEntries(
        conflicts.map((change) => {
          const value = body[`choice-${change.requirementId}`];
          return [`choice-${change.requirementId}`, typeof value === 'string' ? value : ''];
        }),
      );
      await renderPreview(req, res, plan, parsed.errors, values);
      return;
    }
    const choices = new Map(
      conflicts.map((change) => [
        change.requirementId,
        parsed.data[`choice-${change.requirementId}`] === 'workbook'
          ? ('workbook' as const)
          : ('app' as const),
      ]),
    );
    const outcome = await applyWorkbookPlan(deps, user, plan, choices, clock());
    delete req.session.returnWorkbookPlan;
    if (outcome.kind === 'changed-since-preview') {
      res.redirect(`${uploadPath}?done=changed-since-preview`);
      return;
    }
    res.redirect(pathTo(paths.returns.show, { returnId }));
  });

  return router;
}
