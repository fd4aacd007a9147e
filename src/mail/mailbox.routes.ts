import { Router } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { NotFound } from '../errors.js';
import { formatDateTime } from '../format.js';
import { pathTo, paths } from '../paths.js';
import { staffOnly } from '../route-helpers.js';
import { listStoredEmails, readStoredEmail } from './file-mailer.js';

/**
 * The local mailbox: emails the file mailer kept under DATA_DIR/mail (no SMTP server configured).
 * WHO: staff only (administrators, contract managers, viewers), and ONLY OUTSIDE PRODUCTION: app.ts
 * does not mount these routes when NODE_ENV=production (and production requires an SMTP server).
 */
export function mailboxRoutes(deps: AppDeps): Router {
  const router = Router();
  const transport = deps.config.mail.transport;
  const dir = transport.kind === 'files' ? transport.dir : undefined;

  router.get(paths.mailbox.list, requireSignIn, staffOnly, async (_req, res) => {
    const emails = dir ? await listStoredEmails(dir) : [];
    res.render('mail/list', {
      keptHere: dir !== undefined,
      emails: emails.map((email) => ({
        href: pathTo(paths.mailbox.show, { emailId: email.id }),
        subject: email.subject,
        to: [email.to, ...email.cc].join(', '),
        date: formatDateTime(new Date(email.date)),
      })),
    });
  });

  router.get(paths.mailbox.show, requireSignIn, staffOnly, async (req, res) => {
    const email = dir ? await readStoredEmail(dir, String(req.params.emailId)) : undefined;
    if (!email) throw new NotFound();
    res.render('mail/show', {
      email: { ...email, date: formatDateTime(new Date(email.date)) },
      htmlHref: pathTo(paths.mailbox.html, { emailId: email.id }),
    });
  });

  // The HTML version exactly as sent, sandboxed: no scripts, no requests, no access to the app.
  router.get(paths.mailbox.html, requireSignIn, staffOnly, async (req, res) => {
    const email = dir ? await readStoredEmail(dir, String(req.params.emailId)) : undefined;
    if (!email) throw new NotFound();
    res
      .set(
        'Content-Security-Policy',
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      )
      .type('html')
      .send(email.html);
  });

  return router;
}
