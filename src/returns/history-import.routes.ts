import { redirectWithSession } from '../auth/session.js';
import { Router, type Request, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { formatFileSize } from '../evidence/format.js';
import { readUploadForm } from '../evidence/multipart-upload.js';
import { attachmentHeader } from '../exports/csv.js';
import { XLSX_CONTENT_TYPE } from '../exports/xlsx.js';
import { formatDate } from '../format.js';
import type { FieldErrors } from '../forms.js';
import { pathTo, paths } from '../paths.js';
import { idFromPath, signedInUser } from '../route-helpers.js';
import {
  applyHistoryPlan,
  historyImportPage,
  historyPreview,
  historyTemplate,
  planHistoryUpload,
  type HistoryPlan,
} from './history-import.service.js';

// A past period's answers loaded from a spreadsheet as history (issue 15): the page (blank templates
// and the upload), then the preview, confirmed on its own page. The preview waits in the session
// (the checked answers of one return: bounded by the standard's requirements and the answer form's
// limits), never the file. Staff who edit the register only (the services say so: 403 for others).

export function historyImportRoutes(deps: AppDeps): Router {
  const router = Router();
  const { prisma, clock } = deps;
  const maxBytes = deps.config.imports.maxBytes;

  /** The page; after a refusal, every reason (a file's, row by row) in the summary, the first at `field`. */
  const renderPage = async (
    req: Request,
    res: Response,
    refusal?: { field: 'target' | 'file'; messages: string[] },
    target = '',
  ) => {
    const page = await historyImportPage(
      { prisma },
      signedInUser(res),
      idFromPath(req.params.providerId),
      clock(),
    );
    const errors: FieldErrors = refusal ? { [refusal.field]: refusal.messages[0] ?? '' } : {};
    res.render('imports/history-upload', {
      provider: page.provider,
      targetItems: page.open.map((item) => ({
        value: item.value,
        text: `${item.standardName}, ${item.periodLabel}`,
        hint: { text: `Was due ${formatDate(item.dueDate)}` },
      })),
      templates: page.open.map((item) => ({
        href: `${pathTo(paths.imports.historyTemplate, { providerId: page.provider.id })}?${new URLSearchParams({ target: item.value }).toString()}`,
        text: `Blank workbook for ${item.standardName}, ${item.periodLabel}`,
      })),
      taken: page.taken.map((item) => ({
        text: `${item.standardName}, ${item.periodLabel}`,
        imported: item.existing?.imported ?? false,
        href: item.existing ? pathTo(paths.returns.show, { returnId: item.existing.returnId }) : '',
      })),
      values: { target },
      errors,
      errorList: (refusal?.messages ?? []).map((text) => ({ text, href: `#${refusal?.field ?? 'file'}` })),
      uploadHint: `An Excel workbook (.xlsx) in the layout of the blank workbook above, smaller than ${formatFileSize(maxBytes)}.`,
    });
  };

  router.get(paths.imports.history, requireSignIn, async (req, res) => {
    await renderPage(req, res);
  });

  router.get(paths.imports.historyTemplate, requireSignIn, async (req, res) => {
    const providerId = idFromPath(req.params.providerId);
    const target = typeof req.query.target === 'string' ? req.query.target : '';
    const workbook = await historyTemplate(deps, signedInUser(res), providerId, target, clock());
    if (!workbook) {
      res.redirect(pathTo(paths.imports.history, { providerId }));
      return;
    }
    res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
    res.setHeader('Content-Disposition', attachmentHeader(workbook.fileName));
    res.setHeader('Cache-Control', 'no-store');
    res.send(workbook.content);
  });

  // Multipart: the CSRF middleware leaves this route to check the token itself (src/middleware/csrf.ts).
  router.post(paths.imports.history, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const providerId = idFromPath(req.params.providerId);
    // Refuses leads, viewers and unknown providers before reading a byte of the file.
    await historyImportPage({ prisma }, user, providerId, clock());
    const read = await readUploadForm(req, res, maxBytes);
    const target = read.fields.target ?? '';
    const refuse = async (status: number, field: 'target' | 'file', messages: string[]) => {
      res.status(status);
      await renderPage(req, res, { field, messages }, target);
    };
    if (read.outcome === 'too-large') {
      await refuse(413, 'file', [`The file must be smaller than ${formatFileSize(maxBytes)}`]);
      return;
    }
    if (read.outcome === 'no-file' || read.file.sizeBytes === 0) {
      await refuse(400, 'file', [
        read.outcome === 'no-file' ? 'Select the workbook to load' : 'The selected file is empty',
      ]);
      return;
    }
    const outcome = await planHistoryUpload(
      deps,
      user,
      providerId,
      target,
      { fileName: read.file.name, content: read.file.content, sha256: read.file.sha256 },
      clock(),
    );
    if (!outcome.ok) {
      await refuse(400, outcome.field, outcome.errors);
      return;
    }
    req.session.historyImportPlan = outcome.plan;
    await redirectWithSession(req, res, pathTo(paths.imports.historyPreview, { providerId }));
  });

  const planFor = (req: Request): HistoryPlan | undefined => {
    const plan = req.session.historyImportPlan;
    return plan?.providerId === idFromPath(req.params.providerId) ? plan : undefined;
  };

  router.get(paths.imports.historyPreview, requireSignIn, async (req, res) => {
    const providerId = idFromPath(req.params.providerId);
    await historyImportPage({ prisma }, signedInUser(res), providerId, clock());
    const plan = planFor(req);
    const preview = plan && (await historyPreview(deps, signedInUser(res), plan, clock()));
    if (!preview) {
      res.redirect(pathTo(paths.imports.history, { providerId }));
      return;
    }
    res.render('imports/history-preview', { preview });
  });

  router.post(paths.imports.historyPreview, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const providerId = idFromPath(req.params.providerId);
    await historyImportPage({ prisma }, user, providerId, clock());
    const plan = planFor(req);
    if (!plan) {
      res.redirect(pathTo(paths.imports.history, { providerId }));
      return;
    }
    const outcome = await applyHistoryPlan(deps, user, plan, clock());
    delete req.session.historyImportPlan;
    if (outcome.kind === 'refused') {
      res.status(409);
      await renderPage(req, res, { field: 'file', messages: [outcome.reason] });
      return;
    }
    res.redirect(pathTo(paths.returns.show, { returnId: outcome.returnId }));
  });

  return router;
}
