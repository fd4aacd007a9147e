import { Router } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { pathTo, paths } from '../paths.js';
import { editorsOnly, idFromPath, signedInUser } from '../route-helpers.js';
import { EMAIL_STATUS_TAGS, outboxPage, retryEmail } from './outbox.service.js';

const EMAIL_ADDRESS = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,255}$/;

/**
 * The email outbox. WHO: administrators and contract managers only (editorsOnly; the service checks
 * again). Viewers and provider leads get 403. The retry is a POST with the CSRF token, and audited.
 */
export function outboxRoutes(deps: AppDeps): Router {
  const router = Router();
  const { prisma, clock } = deps;

  router.get(paths.outbox.list, requireSignIn, editorsOnly, async (req, res) => {
    const page = await outboxPage(prisma, signedInUser(res));
    // Only ever an address (this route's own redirect); anything else in the URL is ignored.
    const retried =
      typeof req.query.retried === 'string' && EMAIL_ADDRESS.test(req.query.retried)
        ? req.query.retried
        : undefined;
    res.render('reminders/outbox', {
      ...page,
      statusTags: EMAIL_STATUS_TAGS,
      retried,
      localMailbox: !deps.config.isProduction,
      filesMailer: deps.config.mail.transport.kind === 'files',
    });
  });

  router.post(paths.outbox.retry, requireSignIn, editorsOnly, async (req, res) => {
    const to = await retryEmail(prisma, signedInUser(res), idFromPath(req.params.emailId), clock());
    res.redirect(`${pathTo(paths.outbox.list, {})}?retried=${encodeURIComponent(to)}`);
  });

  return router;
}
