import { Router, type Response } from 'express';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.js';
import type { Config } from '../config.js';
import type { AppDeps } from '../deps.js';
import { ServiceUnavailable } from '../errors.js';
import { paths } from '../paths.js';
import { findUserWithProviders, listActiveUsersWithProviders, recordSignIn } from './queries.js';
import { MEMBERSHIP_ROLE_LABELS, ROLE_LABELS } from './roles.js';
import { entraSignOutUrl } from './entra/entra-strategy.js';
import { safeReturnTo } from './safe-return-to.js';
import { destroySession, startSignedInSession } from './session.js';
import { formBody } from '../forms.js';

const CHOOSE_USER = 'Select who you want to sign in as';
const signInForm = z.object({ userId: z.uuid({ message: CHOOSE_USER }) });

/** The ways in this configuration offers, in the order the sign-in page lists them. */
function signInMethods(config: Config): { href: string; kind: 'microsoft' | 'email' | 'local' }[] {
  return [
    ...(config.entra ? [{ href: paths.entraSignIn, kind: 'microsoft' as const }] : []),
    ...(config.emailLinks.signIn ? [{ href: paths.emailSignIn.request, kind: 'email' as const }] : []),
    ...(config.localSignIn ? [{ href: paths.localSignIn, kind: 'local' as const }] : []),
  ];
}

/**
 * The sign-in page (the ways in, or straight to the only one), sign-out, and the local sign-in of the
 * embedded demo: pick a demo user, no password. Config refuses to enable that in production, and
 * its routes are not mounted when it is off.
 */
export function signInRoutes(deps: AppDeps): Router {
  const router = Router();
  const methods = signInMethods(deps.config);

  router.get(paths.signIn, (_req, res) => {
    const [only, ...others] = methods;
    if (!only) throw new ServiceUnavailable('No sign-in method is configured');
    if (others.length === 0) {
      res.redirect(only.href);
      return;
    }
    res.render('auth/sign-in', { methods });
  });

  router.post(paths.signOut, async (req, res) => {
    await destroySession(req);
    const entra = deps.config.entra;
    // Entra users are also signed out of Entra, which then sends them back to our signed-out page.
    res.redirect(
      entra ? entraSignOutUrl(entra, `${deps.config.publicBaseUrl}${paths.signedOut}`) : paths.signedOut,
    );
  });

  router.get(paths.signedOut, (_req, res) => {
    res.render('auth/signed-out');
  });

  if (deps.config.localSignIn) {
    router.get(paths.localSignIn, async (_req, res) => {
      await renderChooser(deps, res);
    });

    router.post(paths.localSignIn, async (req, res) => {
      const parsed = signInForm.safeParse(formBody(req));
      const user = parsed.success ? await findUserWithProviders(deps.prisma, parsed.data.userId) : null;
      if (!user?.active) {
        res.status(400);
        await renderChooser(deps, res, { userId: CHOOSE_USER });
        return;
      }
      const returnTo = safeReturnTo(req.session.returnTo, paths.home);
      await startSignedInSession(req, user.id, deps.clock());
      await deps.prisma.$transaction(async (tx) => {
        await recordSignIn(tx, user.id, deps.clock());
        await recordAudit(tx, {
          actorId: user.id,
          action: 'user.signed_in',
          entityType: 'user',
          entityId: user.id,
          after: { method: 'local' },
        });
      });
      res.redirect(returnTo);
    });
  }

  return router;
}

async function renderChooser(
  deps: AppDeps,
  res: Response,
  errors: Record<string, string> = {},
): Promise<void> {
  const users = await listActiveUsersWithProviders(deps.prisma);
  res.render('auth/local-sign-in', {
    users: users.map((user) => ({
      id: user.id,
      displayName: user.displayName,
      email: user.email,
      role: user.role,
      roleLabel: ROLE_LABELS[user.role],
      memberships: user.memberships.map((membership) => ({
        providerName: membership.provider.name,
        roleLabel: MEMBERSHIP_ROLE_LABELS[membership.role],
      })),
      signsInByEmail: user.role === 'provider_lead' && user.signInMethod === 'email_link',
    })),
    errors,
  });
}
