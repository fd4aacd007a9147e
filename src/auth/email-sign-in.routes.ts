import { Router, type Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { errorSummary, formBody, parseForm, queryFields, textField, type FieldErrors } from '../forms.js';
import { paths } from '../paths.js';
import { submitForm } from '../route-helpers.js';
import { emailAddress } from '../users/schemas.js';
import { auditRefusedLink, checkLink, requestSignInLink, useEmailLink } from './email-link.service.js';
import { safeReturnTo } from './safe-return-to.js';
import { redirectWithSession, startSignedInSession } from './session.js';

const requestSchema = z.object({ email: emailAddress });

/** A link's token as it comes back (from the query string or the form); anything else is no token. */
export function tokenFrom(fields: Record<string, string | string[]>): string {
  return textField(fields, 'token').slice(0, 200);
}

/**
 * Sign-in by email link, for invited provider people without a Microsoft account (EMAIL_SIGN_IN; not
 * mounted when off). The request page answers the same whatever the address; the link's page asks
 * for a button press, which uses the link and starts a new session.
 */
export function emailSignInRoutes(deps: AppDeps): Router {
  const router = Router();
  if (!deps.config.emailLinks.signIn) return router;
  const minutes = deps.config.emailLinks.signInMinutes;

  const renderRequest = (res: Response, values: unknown, errors: FieldErrors = {}) => {
    res.render('auth/email-sign-in', { values, errors, errorList: errorSummary(errors), minutes });
  };
  const renderProblem = (res: Response, problem: string) => {
    res.status(problem === 'invalid' ? 400 : problem === 'no_access' ? 403 : 410);
    res.render('auth/link-problem', { purpose: 'sign_in', problem, emailSignIn: true });
  };

  router.get(paths.emailSignIn.request, (_req, res) => {
    renderRequest(res, {});
  });

  router.post(paths.emailSignIn.request, async (req, res) => {
    const body = formBody(req);
    await submitForm(
      res,
      parseForm(requestSchema, body),
      async ({ email }) => {
        await requestSignInLink(deps, email);
        req.session.emailLinkAddress = email;
        await redirectWithSession(req, res, paths.emailSignIn.sent);
      },
      (errors) => {
        renderRequest(res, body, errors);
      },
    );
  });

  router.get(paths.emailSignIn.sent, (req, res) => {
    res.render('auth/email-link-sent', { address: req.session.emailLinkAddress ?? '', minutes });
  });

  router.get(paths.emailSignIn.link, async (req, res) => {
    const token = tokenFrom(queryFields(req));
    const check = await checkLink(deps.prisma, token, 'sign_in', deps.clock());
    if (!check.ok) {
      await auditRefusedLink(deps.prisma, token, 'sign_in', check.problem, check.link);
      renderProblem(res, check.problem);
      return;
    }
    res.render('auth/email-link', { token });
  });

  router.post(paths.emailSignIn.link, async (req, res) => {
    const outcome = await useEmailLink(deps, tokenFrom(formBody(req)), 'sign_in');
    if (!outcome.ok) {
      renderProblem(res, outcome.problem);
      return;
    }
    const returnTo = safeReturnTo(req.session.returnTo, paths.home);
    await startSignedInSession(req, outcome.userId, deps.clock());
    res.redirect(returnTo);
  });

  return router;
}
