import { Router, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { formBody, queryFields } from '../forms.js';
import { paths } from '../paths.js';
import { auditRefusedLink, checkLink, useEmailLink, type LinkCheck } from './email-link.service.js';
import { tokenFrom } from './email-sign-in.routes.js';
import { MEMBERSHIP_ROLE_LABELS } from './roles.js';
import { redirectWithSession, startSignedInSession } from './session.js';

/**
 * Where an invitation email's link leads. The link is the proof that the invited mailbox is the
 * person's: someone who signs in by email is signed in by accepting it; someone who signs in with
 * Microsoft goes on to Entra, and the identity they sign in with is bound to the invitation
 * (sign-in.service.ts). Nothing is claimed by the email address in a token.
 */
export function invitationRoutes(deps: AppDeps): Router {
  const router = Router();
  const { config } = deps;

  const available = (method: 'microsoft' | 'email_link') =>
    method === 'microsoft' ? config.entra !== undefined : config.emailLinks.signIn;

  /** The invitation, or (having audited the refusal and shown why) nothing. */
  const validInvitation = async (res: Response, token: string) => {
    const check: LinkCheck = await checkLink(deps.prisma, token, 'invitation', deps.clock());
    if (check.ok) return check.link;
    await auditRefusedLink(deps.prisma, token, 'invitation', check.problem, check.link);
    res.status(check.problem === 'invalid' ? 400 : 410);
    res.render('auth/link-problem', { purpose: 'invitation', problem: check.problem });
    return undefined;
  };

  router.get(paths.invitation, async (req, res) => {
    const token = tokenFrom(queryFields(req));
    const link = await validInvitation(res, token);
    if (!link) return;
    const { user } = link;
    res.render('auth/invitation', {
      token,
      displayName: user.displayName,
      method: user.signInMethod,
      available: available(user.signInMethod),
      providers: user.memberships.map((membership) => ({
        name: membership.provider.name,
        roleLabel: MEMBERSHIP_ROLE_LABELS[membership.role],
      })),
    });
  });

  router.post(paths.invitation, async (req, res) => {
    const token = tokenFrom(formBody(req));
    const link = await validInvitation(res, token);
    if (!link) return;
    const method = link.user.signInMethod;
    if (!available(method)) {
      res.redirect(`${paths.invitation}?token=${encodeURIComponent(token)}`);
      return;
    }
    if (method === 'microsoft') {
      // Claimed by the Entra sign-in that follows in this browser (its session), not by any claim in
      // the token it brings back.
      req.session.invitationLinkId = link.id;
      await redirectWithSession(
        req,
        res,
        `${paths.entraSignIn}?login_hint=${encodeURIComponent(link.user.email)}`,
      );
      return;
    }
    const outcome = await useEmailLink(deps, token, 'invitation');
    if (!outcome.ok) {
      res.status(outcome.problem === 'no_access' ? 403 : 410);
      res.render('auth/link-problem', { purpose: 'invitation', problem: outcome.problem });
      return;
    }
    await startSignedInSession(req, outcome.userId, deps.clock());
    res.redirect(paths.home);
  });

  return router;
}
