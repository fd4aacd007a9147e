import { create as contentDisposition } from 'content-disposition';
import { Router, type Request, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { formatDate } from '../format.js';
import { errorSummary, formBody, parseForm, type FieldErrors } from '../forms.js';
import { closeAfterResponse } from '../middleware/close-after-response.js';
import { pathTo, paths, withService } from '../paths.js';
import { idFromPath, serviceFromQuery, signedInUser, submitForm } from '../route-helpers.js';
import { evidenceListItems, fileDescription, periodCoveredText } from './evidence-list.js';
import {
  assertCanChangeEvidence,
  checkUploadedFile,
  evidenceDownload,
  evidencePage,
  linkEvidence,
  storeUpload,
  unlinkEvidence,
  type EvidencePage,
  type EvidenceTarget,
} from './evidence.service.js';
import { asciiFileName } from './file-name.js';
import { formatFileSize } from './format.js';
import { createInspections } from './inspections.js';
import { readUploadForm } from './multipart-upload.js';
import {
  linkEvidenceSchema,
  PERIOD_COVERED_FIELDS,
  periodCoveredSchema,
  periodCoveredValues,
  unlinkEvidenceSchema,
  type PeriodCoveredValues,
} from './schemas.js';

/** What the evidence page says after a change (post/redirect/get carries the key in `?done=`). */
const NOTICES: Readonly<Record<string, { text: string; kind: 'success' | 'warning' }>> = {
  uploaded: { text: 'The file has been uploaded and added to this requirement.', kind: 'success' },
  checking: {
    text: 'The file has been uploaded and added to this requirement. It is being checked for viruses: it can be downloaded once the check has finished.',
    kind: 'warning',
  },
  blocked: {
    text: 'The file was blocked: the virus check found something harmful in it (named in the list below), so no one can download it. Remove it from this requirement, check the computer it came from, and upload a clean copy.',
    kind: 'warning',
  },
  'already-in-library': {
    text: 'This file was already in your evidence library, so the existing copy has been added to this requirement.',
    kind: 'success',
  },
  'already-linked': { text: 'This file was already added to this requirement.', kind: 'success' },
  linked: { text: 'The evidence has been added to this requirement.', kind: 'success' },
  removed: {
    text: 'The evidence has been removed from this requirement. It is still in your evidence library.',
    kind: 'success',
  },
  'not-linked': {
    text: 'That evidence was not on this requirement, so nothing was removed.',
    kind: 'success',
  },
};

export function evidenceRoutes(deps: AppDeps): Router {
  const router = Router();
  const { prisma } = deps;
  const fileChecks = { maxBytes: deps.config.evidence.maxBytes, refuse: deps.config.evidence.refuse };
  // Per app: looking inside uploads takes turns within this app's own queue.
  const inspections = createInspections();
  const render = (res: Response, page: EvidencePage, extra: RenderExtra = {}) => {
    renderEvidencePage(res, page, {
      ...extra,
      maxBytes: fileChecks.maxBytes,
      scanning: deps.scanner.enabled,
    });
  };

  router.get(paths.evidence.upload, requireSignIn, async (req, res) => {
    const { returnId, requirementId, serviceId } = targetOf(req);
    const page = await evidencePage(deps, signedInUser(res), returnId, requirementId, serviceId);
    const done = typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
    render(res, page, { notice: done });
  });

  // Multipart: the CSRF middleware leaves this route to check the token itself (src/middleware/csrf.ts),
  // from the `_csrf` field the form sends before the file, before a byte of the file is read.
  router.post(paths.evidence.upload, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const at = targetOf(req);
    const { returnId, requirementId, serviceId } = at;
    let target: EvidenceTarget;
    try {
      // Refuse (404, 403, 409) before reading the body.
      target = await assertCanChangeEvidence(deps, user, returnId, requirementId, serviceId);
    } catch (error) {
      closeAfterResponse(req, res);
      throw error;
    }
    const read = await readUploadForm(req, res, fileChecks.maxBytes);

    const period = parseForm(periodCoveredSchema, read.fields);
    const file = await checkUploadedFile(
      read.outcome === 'file' ? read.file : read.outcome === 'too-large' ? 'too-large' : undefined,
      fileChecks,
      inspections,
    );
    if (!file.ok || !period.ok) {
      const errors: FieldErrors = {
        ...(file.ok ? {} : { file: file.error }),
        ...(period.ok ? {} : period.errors),
      };
      res.status(read.outcome === 'too-large' ? 413 : 400);
      render(res, await evidencePage(deps, user, returnId, requirementId, serviceId), {
        errors,
        values: periodCoveredValues(read.fields),
      });
      return;
    }
    const stored = await storeUpload(deps, user, target, file.file, period.data);
    const done =
      stored.scanStatus === 'infected'
        ? 'blocked'
        : stored.scanStatus === 'pending'
          ? 'checking'
          : stored.alreadyLinked
            ? 'already-linked'
            : stored.alreadyInLibrary
              ? 'already-in-library'
              : 'uploaded';
    res.redirect(evidencePageAfter(at, done));
  });

  router.post(paths.evidence.link, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const at = targetOf(req);
    const { returnId, requirementId, serviceId } = at;
    const target = await assertCanChangeEvidence(deps, user, returnId, requirementId, serviceId);
    await submitForm(
      res,
      parseForm(linkEvidenceSchema, formBody(req)),
      async ({ evidenceId }) => {
        const { alreadyLinked } = await linkEvidence(deps, user, target, evidenceId);
        res.redirect(evidencePageAfter(at, alreadyLinked ? 'already-linked' : 'linked'));
      },
      async (errors) => {
        render(res, await evidencePage(deps, user, returnId, requirementId, serviceId), { errors });
      },
    );
  });

  router.post(paths.evidence.unlink, requireSignIn, async (req, res) => {
    const at = targetOf(req);
    const { returnId, requirementId, serviceId } = at;
    const evidenceId = idFromPath(req.params.evidenceId);
    const { removed } = await unlinkEvidence(
      deps,
      signedInUser(res),
      returnId,
      requirementId,
      evidenceId,
      serviceId,
    );
    const form = parseForm(unlinkEvidenceSchema, formBody(req));
    // The requirement page has the same list: going back there keeps the user where they were.
    if (form.ok && form.data.returnTo === 'requirement') {
      res.redirect(withService(pathTo(paths.returns.requirement, { returnId, requirementId }), serviceId));
      return;
    }
    res.redirect(evidencePageAfter(at, removed ? 'removed' : 'not-linked'));
  });

  router.get(paths.evidence.download, requireSignIn, async (req, res) => {
    const file = await evidenceDownload(prisma, signedInUser(res), idFromPath(req.params.evidenceId));
    res.status(200);
    res.set({
      'Content-Type': file.mediaType,
      'Content-Disposition': contentDisposition(file.fileName, { fallback: asciiFileName(file.fileName) }),
      'Content-Length': String(file.content.byteLength),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, no-store',
      // Should a browser show the file itself rather than save it, nothing in it may run or be framed.
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
    });
    res.end(file.content);
  });

  return router;
}

/** The requirement (and, issue 14, the service of a requirement answered per service) in the URL. */
function targetOf(req: Request): { returnId: string; requirementId: string; serviceId: string | undefined } {
  return {
    returnId: idFromPath(req.params.returnId),
    requirementId: idFromPath(req.params.requirementId),
    serviceId: serviceFromQuery(req),
  };
}

/** The evidence page of the target, after a change: `done` says what happened. */
function evidencePageAfter(target: ReturnType<typeof targetOf>, done: string): string {
  const { returnId, requirementId, serviceId } = target;
  const path = withService(pathTo(paths.evidence.upload, { returnId, requirementId }), serviceId);
  return `${path}${serviceId ? '&' : '?'}done=${done}`;
}

interface RenderExtra {
  errors?: FieldErrors;
  values?: PeriodCoveredValues;
  notice?: { text: string; kind: 'success' | 'warning' } | undefined;
}

function renderEvidencePage(
  res: Response,
  page: EvidencePage,
  extra: RenderExtra & { maxBytes: number; scanning: boolean },
): void {
  const { target } = page;
  const errors = extra.errors ?? {};
  res.render('evidence/manage', {
    target,
    canEdit: page.canEdit,
    frozenForLead: page.frozenForLead,
    items: evidenceListItems(page.linked, target.periodStart),
    library: page.library.map((item) => {
      const covers = periodCoveredText(item.coversFrom, item.coversTo);
      return {
        value: item.id,
        text: `${item.fileName} (${fileDescription(item.mediaType, item.sizeBytes)})`,
        hint: `Uploaded ${formatDate(item.uploadedAt)}${covers ? `. Period covered: ${covers}` : ''}`,
      };
    }),
    uploadHint: `PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG, smaller than ${formatFileSize(extra.maxBytes)}.`,
    scanning: extra.scanning,
    errors,
    errorList: errorSummary(errors, PERIOD_COVERED_FIELDS),
    values: extra.values ?? {},
    notice: extra.notice,
    requirementHref: withService(
      pathTo(paths.returns.requirement, { returnId: target.returnId, requirementId: target.requirementId }),
      target.service?.id,
    ),
  });
}
