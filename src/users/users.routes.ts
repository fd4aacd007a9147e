import { Router, type Request, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import { MEMBERSHIP_ROLE_LABELS, ROLE_LABELS } from '../auth/roles.js';
import type { AppDeps } from '../deps.js';
import { Conflict } from '../errors.js';
import { formatDateTime } from '../format.js';
import { errorSummary, parseForm, type FieldErrors, type FormBody, formBody, textField } from '../forms.js';
import { pathTo, paths } from '../paths.js';
import { adminsOnly, editorsOnly, idFromPath, signedInUser, submitForm } from '../route-helpers.js';
import { UserRole } from '../generated/prisma/enums.js';
import { inviteSchema, membershipSchema, roleSchema } from './schemas.js';
import {
  addMembership,
  changeRole,
  inviteProviderLead,
  providerChoices,
  removeMembership,
  setUserActive,
  userDetails,
  userList,
} from './users.service.js';

/** What a page says after a change (post/redirect/get carries the key in `?done=`). */
const NOTICES: Readonly<Record<string, string>> = {
  invited:
    'The provider lead has been invited: the invitation, with a link to accept it, has been emailed to them.',
  membership_added: 'The provider has been added. They will see its returns the next time they open a page.',
  membership_removed: 'They no longer have access to that provider, and have been signed out.',
  role_changed: 'The role has been changed.',
  deactivated: 'The user has been deactivated. They have been signed out and cannot sign in.',
  reactivated: 'The user has been reactivated. They can sign in again.',
};

const ROLE_HINTS: Record<UserRole, string> = {
  admin: 'Everything a contract manager can do, and user administration',
  contract_manager:
    'Keeps the provider register and reporting periods, reviews returns, invites provider leads',
  viewer: 'Reads the register, periods and returns; changes nothing',
  provider_lead:
    'Works on the returns of the providers they belong to: a lead submits them, a contributor answers and uploads',
};

const ROLE_ITEMS = Object.values(UserRole).map((role) => ({
  value: role,
  text: ROLE_LABELS[role],
  hint: ROLE_HINTS[role],
}));

const noticeFrom = (req: Request) =>
  typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;

type UserRow = Awaited<ReturnType<typeof userDetails>>;

function signInText(user: UserRow): string {
  if (user.lastSignInAt) return formatDateTime(user.lastSignInAt);
  return user.role === 'provider_lead' ? 'Invited, not signed in yet' : 'Not recorded';
}

function userSummary(user: UserRow) {
  return {
    id: user.id,
    href: pathTo(paths.users.show, { userId: user.id }),
    displayName: user.displayName,
    email: user.email,
    role: user.role,
    roleLabel: ROLE_LABELS[user.role],
    active: user.active,
    invited: user.lastSignInAt === null,
    lastSignIn: signInText(user),
    providers: user.memberships.map(({ provider, role }) => ({
      id: provider.id,
      name: provider.active ? provider.name : `${provider.name} (inactive)`,
      roleLabel: MEMBERSHIP_ROLE_LABELS[role],
    })),
  };
}

export function userRoutes(deps: AppDeps): Router {
  const router = Router();
  const { prisma } = deps;

  router.get(paths.users.list, requireSignIn, adminsOnly, async (_req, res) => {
    const users = await userList(prisma, signedInUser(res));
    res.render('users/list', { users: users.map(userSummary) });
  });

  // Before paths.users.show, which would otherwise take "invite" for a user id.
  router.get(paths.users.invite, requireSignIn, editorsOnly, async (req, res) => {
    const providerId = typeof req.query.providerId === 'string' ? req.query.providerId : '';
    await renderInvite(res, { values: { providerId }, notice: noticeFrom(req) });
  });

  router.post(paths.users.invite, requireSignIn, editorsOnly, async (req, res) => {
    const user = signedInUser(res);
    const body = formBody(req);
    // One way in when email links are off: the form then does not ask.
    const fields: FormBody = {
      ...(deps.config.emailLinks.signIn ? {} : { signInMethod: 'microsoft' }),
      ...body,
    };
    await submitForm(
      res,
      parseForm(inviteSchema, fields),
      async (invite) => {
        const outcome = await inviteProviderLead(deps, user, invite);
        // Administrators go to the user; contract managers (who cannot see user pages) back to the form.
        const next =
          user.role === 'admin' ? pathTo(paths.users.show, { userId: outcome.userId }) : paths.users.invite;
        res.redirect(`${next}?done=${outcome.kind}`);
      },
      (errors) => renderInvite(res, { values: body, errors }),
    );
  });

  router.get(paths.users.show, requireSignIn, adminsOnly, async (req, res) => {
    await renderUser(res, idFromPath(req.params.userId), { notice: noticeFrom(req) });
  });

  router.post(paths.users.role, requireSignIn, adminsOnly, async (req, res) => {
    const userId = idFromPath(req.params.userId);
    const actor = signedInUser(res);
    const body = formBody(req);
    const values = { role: textField(body, 'role') };
    await submitForm(
      res,
      parseForm(roleSchema, body),
      async ({ role }) => {
        await changeRole(prisma, actor, userId, role);
        res.redirect(`${pathTo(paths.users.show, { userId })}?done=role_changed`);
      },
      (errors) => renderUser(res, userId, { values, errors }),
    );
  });

  router.post(paths.users.addMembership, requireSignIn, adminsOnly, async (req, res) => {
    const userId = idFromPath(req.params.userId);
    const body = formBody(req);
    const values = { providerId: textField(body, 'providerId') };
    await submitForm(
      res,
      parseForm(membershipSchema, body),
      async ({ providerId }) => {
        await addMembership(prisma, signedInUser(res), userId, providerId);
        res.redirect(`${pathTo(paths.users.show, { userId })}?done=membership_added`);
      },
      (errors) => renderUser(res, userId, { values, errors }),
    );
  });

  router.post(paths.users.removeMembership, requireSignIn, adminsOnly, async (req, res) => {
    const userId = idFromPath(req.params.userId);
    const providerId = idFromPath(req.params.providerId);
    await removeMembership(prisma, signedInUser(res), userId, providerId, deps.clock());
    res.redirect(`${pathTo(paths.users.show, { userId })}?done=membership_removed`);
  });

  router.get(paths.users.deactivate, requireSignIn, adminsOnly, async (req, res) => {
    const actor = signedInUser(res);
    const user = await userDetails(prisma, actor, idFromPath(req.params.userId));
    if (user.id === actor.id)
      throw new Conflict('You cannot deactivate your own account: ask another administrator');
    res.render('users/deactivate', { user: userSummary(user) });
  });

  router.post(paths.users.deactivate, requireSignIn, adminsOnly, async (req, res) => {
    const userId = idFromPath(req.params.userId);
    await setUserActive(prisma, signedInUser(res), userId, false);
    res.redirect(`${pathTo(paths.users.show, { userId })}?done=deactivated`);
  });

  router.post(paths.users.reactivate, requireSignIn, adminsOnly, async (req, res) => {
    const userId = idFromPath(req.params.userId);
    await setUserActive(prisma, signedInUser(res), userId, true);
    res.redirect(`${pathTo(paths.users.show, { userId })}?done=reactivated`);
  });

  interface PageState {
    values?: unknown;
    errors?: FieldErrors;
    notice?: string | undefined;
  }

  async function renderInvite(res: Response, page: PageState): Promise<void> {
    const actor = signedInUser(res);
    const providers = await providerChoices(prisma, actor);
    const errors = page.errors ?? {};
    res.render('users/invite', {
      values: page.values ?? {},
      errors,
      errorList: errorSummary(errors),
      notice: page.notice,
      backHref: actor.role === 'admin' ? paths.users.list : paths.providers.list,
      chooseSignIn: deps.config.emailLinks.signIn,
      providerItems: providers.map((provider) => ({
        value: provider.id,
        text: `${provider.name} (${provider.odsCode})`,
      })),
    });
  }

  async function renderUser(res: Response, userId: string, page: PageState): Promise<void> {
    const actor = signedInUser(res);
    const user = await userDetails(prisma, actor, userId);
    const memberOf = new Set(user.memberships.map(({ provider }) => provider.id));
    const providers = user.role === 'provider_lead' ? await providerChoices(prisma, actor) : [];
    const errors = page.errors ?? {};
    res.render('users/show', {
      user: userSummary(user),
      isSelf: user.id === actor.id,
      values: { role: user.role, ...(page.values ?? {}) },
      errors,
      errorList: errorSummary(errors),
      notice: page.notice,
      roleItems: ROLE_ITEMS,
      providerItems: providers
        .filter((provider) => !memberOf.has(provider.id))
        .map((provider) => ({ value: provider.id, text: `${provider.name} (${provider.odsCode})` })),
    });
  }

  return router;
}
