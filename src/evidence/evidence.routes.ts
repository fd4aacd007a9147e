import { create as contentDisposition } from 'content-disposition';
import { Router, type Request, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { errorSummary, type FieldErrors, formBody, textField } from '../forms.js';
import { verifyCsrfToken } from '../middleware/csrf.js';
import { pathTo, paths } from '../paths.js';
import { idFromPath, signedInUser } from '../route-helpers.js';
import { formatDate } from '../format.js';
import {
  assertCanChangeEvidence,
  evidenceDownload,
  evidencePage,
  linkEvidence,
  unlinkEvidence,
  uploadEvidence,
  type EvidencePage,
  type EvidenceTarget,
} from './evidence.service.js';
import { asciiFileName } from './file-name.js';
import { formatFileSize, mediaTypeLabel } from './format.js';
import { readUpload, type UploadRead } from './multipart-upload.js';
import { PERIOD_COVERED_FIELDS } from './schemas.js';

/** What the evidence page says after a change (post/redirect/get carries the key in `?done=`). */
const NOTICES: Readonly<Record<string, string>> = {
  uploaded: 'The file has been uploaded and added to this requirement.',
  'already-in-library':
    'This file was already in your evidence library, so the existing copy has been added to this requirement.',
  'already-linked': 'This file was already added to this requirement.',
  linked: 'The evidence has been added to this requirement.',
  removed: 'The evidence has been removed from this requirement. It is still in your evidence library.',
  'not-linked': 'That evidence was not on this requirement, so nothing was removed.',
};

export function evidenceRoutes(deps: AppDeps): Router {
  const router = Router();
  const { prisma } = deps;
  const maxBytes = deps.config.evidence.maxBytes;

  router.get(paths.evidence.upload, requireSignIn, async (req, res) => {
    const { returnId, requirementId } = targetOf(req);
    const page = await evidencePage(deps, signedInUser(res), returnId, requirementId);
    const done = typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
    renderEvidencePage(res, page, maxBytes, { notice: done });
  });

  // Multipart: the CSRF middleware leaves this route to check the token itself (src/middleware/csrf.ts),
  // from the `_csrf` field the form sends before the file, before a byte of the file is read.
  router.post(paths.evidence.upload, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const { returnId, requirementId } = targetOf(req);
    let read: UploadRead;
    let target: EvidenceTarget;
    try {
      // Refuse (404, 403, 409) before reading the body.
      target = await assertCanChangeEvidence(deps, user, returnId, requirementId);
      if (req.is('multipart/form-data')) {
        read = await readUpload(req, {
          maxBytes,
          fileField: 'file',
          beforeFile: (fields) => verifyCsrfToken(req, fields._csrf),
        });
        if (read.outcome !== 'file') verifyCsrfToken(req, read.fields._csrf);
      } else {
        // Posted without a file input at all: an ordinary form, its token checked by the middleware.
        const body = formBody(req);
        const fields = Object.fromEntries(Object.keys(body).map((name) => [name, textField(body, name)]));
        read = { outcome: 'no-file', fields };
      }
    } catch (error) {
      stopReadingRequest(res);
      throw error;
    }
    if (read.outcome === 'too-large') stopReadingRequest(res);

    const result = await uploadEvidence(
      prisma,
      user,
      target,
      {
        file:
          read.outcome === 'file'
            ? { name: read.fileName, content: read.content, sha256: read.sha256, sizeBytes: read.sizeBytes }
            : undefined,
        tooLarge: read.outcome === 'too-large',
        fields: read.fields,
      },
      { maxBytes },
    );
    if (!result.ok) {
      const page = await evidencePage(deps, user, returnId, requirementId);
      res.status(read.outcome === 'too-large' ? 413 : 400);
      renderEvidencePage(res, page, maxBytes, { errors: result.errors, values: result.values });
      return;
    }
    const done = result.alreadyLinked
      ? 'already-linked'
      : result.alreadyInLibrary
        ? 'already-in-library'
        : 'uploaded';
    res.redirect(`${pathTo(paths.evidence.upload, { returnId, requirementId })}?done=${done}`);
  });

  router.post(paths.evidence.link, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const { returnId, requirementId } = targetOf(req);
    const result = await linkEvidence(deps, user, returnId, requirementId, formBody(req));
    if (!result.ok) {
      const page = await evidencePage(deps, user, returnId, requirementId);
      res.status(400);
      renderEvidencePage(res, page, maxBytes, { errors: result.errors });
      return;
    }
    const done = result.alreadyLinked ? 'already-linked' : 'linked';
    res.redirect(`${pathTo(paths.evidence.upload, { returnId, requirementId })}?done=${done}`);
  });

  router.post(paths.evidence.unlink, requireSignIn, async (req, res) => {
    const { returnId, requirementId } = targetOf(req);
    const evidenceId = idFromPath(req.params.evidenceId);
    const { removed } = await unlinkEvidence(deps, signedInUser(res), returnId, requirementId, evidenceId);
    // The requirement page has the same list: going back there keeps the user where they were.
    if (formBody(req).returnTo === 'requirement') {
      res.redirect(pathTo(paths.returns.requirement, { returnId, requirementId }));
      return;
    }
    const done = removed ? 'removed' : 'not-linked';
    res.redirect(`${pathTo(paths.evidence.upload, { returnId, requirementId })}?done=${done}`);
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
    });
    res.end(file.content);
  });

  return router;
}

function targetOf(req: Request): { returnId: string; requirementId: string } {
  return { returnId: idFromPath(req.params.returnId), requirementId: idFromPath(req.params.requirementId) };
}

/** Long enough for a client to read the answer before the connection goes; short enough to hold no one. */
const LINGER_MS = 2_000;

/**
 * After refusing an upload part-way, the rest of the request is never read: the connection closes
 * once the response is sent, instead of Node draining what the client is still sending. It closes
 * in two steps: the answer and the end of our side at once, the socket itself LINGER_MS later.
 * Closing a socket with unread data in it sends a reset, and a reset makes the client's system throw
 * away an answer it has not read yet: the user would see "connection reset" instead of the reason.
 */
function stopReadingRequest(res: Response): void {
  res.set('Connection', 'close');
  // Node calls destroySoon when a `Connection: close` response has been sent.
  const socket = res.req.socket;
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

function renderEvidencePage(
  res: Response,
  page: EvidencePage,
  maxBytes: number,
  extra: { errors?: FieldErrors; values?: Record<string, unknown>; notice?: string | undefined },
): void {
  const { target } = page;
  const errors = extra.errors ?? {};
  res.render('evidence/manage', {
    target,
    canEdit: page.canEdit,
    isLead: res.locals.currentUser?.role === 'provider_lead',
    items: page.linked,
    library: page.library.map((item) => ({
      value: item.id,
      text: `${item.fileName} (${mediaTypeLabel(item.mediaType)}, ${formatFileSize(item.sizeBytes)})`,
      hint: `Uploaded ${formatDate(item.uploadedAt)}${
        item.coversFrom && item.coversTo
          ? `, covering ${formatDate(item.coversFrom)} to ${formatDate(item.coversTo)}`
          : ''
      }`,
    })),
    maxSize: formatFileSize(maxBytes),
    errors,
    errorList: errorSummary(errors, PERIOD_COVERED_FIELDS),
    values: extra.values ?? {},
    notice: extra.notice,
    requirementHref: pathTo(paths.returns.requirement, {
      returnId: target.returnId,
      requirementId: target.requirementId,
    }),
  });
}
