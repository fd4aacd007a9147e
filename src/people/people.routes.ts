import { Router, type Request, type Response } from 'express';
import { assertCanManagePerson, assertCanSeeProvider, peopleManagedBy } from '../auth/access.js';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { AppDeps } from '../deps.js';
import { Conflict, NotFound } from '../errors.js';
import { errorSummary, formBody, parseForm, type FieldErrors, type FormBody } from '../forms.js';
import { pathTo, paths } from '../paths.js';
import { idFromPath, signedInUser, submitForm } from '../route-helpers.js';
import { findProvider } from '../users/queries.js';
import {
  invitePerson,
  peopleSection,
  personDetails,
  removePerson,
  resendInvitation,
} from './people.service.js';
import { findProvidersByIds } from './queries.js';
import { invitePersonSchema } from './schemas.js';

/** What the "who has access" section says after a change (post/redirect/get carries the key). */
const NOTICES: Readonly<Record<string, string>> = {
  invited: 'The invitation has been sent by email. It shows here as not accepted until they accept it.',
  membership_added:
    'They already use this service: they now have access to this provider too, and have been told by email.',
  removed: 'They no longer have access to this provider, and have been signed out.',
  resent: 'A new invitation has been sent by email. The earlier invitation link no longer works.',
};

export function noticeFrom(req: Request): string | undefined {
  return typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
}

/** Where the people of a provider are shown to this user: their /people page, or the provider's page. */
function peoplePage(user: CurrentUser, providerId: string): string {
  return user.role === 'provider_lead' ? paths.people.mine : pathTo(paths.providers.show, { providerId });
}

/**
 * A provider's people: who has access, inviting and removing them, sending an invitation again.
 * Staff reach these from the provider's page; a provider's people from /people.
 */
export function peopleRoutes(deps: AppDeps): Router {
  const router = Router();
  const { prisma } = deps;

  /** The provider named in the URL, if this user may see it (another provider's person: not found). */
  const providerFor = async (user: CurrentUser, value: string | string[] | undefined) => {
    const providerId = idFromPath(value);
    assertCanSeeProvider(user, providerId);
    const provider = await findProvider(prisma, providerId);
    if (!provider) throw new NotFound();
    return provider;
  };

  /** The provider to invite someone to: one this user manages people of, still active. */
  const providerToInviteTo = async (user: CurrentUser, value: string | string[] | undefined) => {
    const provider = await providerFor(user, value);
    // Contributors are the least anyone may invite: someone who may not invite those invites nobody.
    assertCanManagePerson(user, provider.id, 'contributor');
    if (!provider.active)
      throw new Conflict('This provider is inactive: reactivate it before inviting anyone');
    return provider;
  };

  router.get(paths.people.mine, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    // Staff see each provider's people on its page.
    if (user.role !== 'provider_lead') {
      res.redirect(paths.providers.list);
      return;
    }
    const providers = await findProvidersByIds(prisma, user.providerIds);
    const sections = [];
    for (const provider of providers) sections.push(await peopleSection(deps, user, provider));
    res.render('people/mine', { sections, notice: noticeFrom(req) });
  });

  router.get(paths.people.invite, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const provider = await providerToInviteTo(user, req.params.providerId);
    renderInvite(res, user, provider, {});
  });

  router.post(paths.people.invite, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const provider = await providerToInviteTo(user, req.params.providerId);
    const body = formBody(req);
    // A lead invites contributors only, and there is one way in when email links are off: the form
    // then has no question about it (the service checks whatever is posted).
    const fields: FormBody = {
      ...(peopleManagedBy(user, provider.id) === 'contributors' ? { role: 'contributor' } : {}),
      ...(deps.config.emailLinks.signIn ? {} : { signInMethod: 'microsoft' }),
      ...body,
    };
    await submitForm(
      res,
      parseForm(invitePersonSchema, fields),
      async (input) => {
        const outcome = await invitePerson(deps, user, { ...input, providerId: provider.id });
        res.redirect(`${peoplePage(user, provider.id)}?done=${outcome.kind}#people`);
      },
      (errors) => {
        renderInvite(res, user, provider, { values: body, errors });
      },
    );
  });

  router.get(paths.people.remove, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const provider = await providerFor(user, req.params.providerId);
    const person = await personDetails(deps, user, provider.id, idFromPath(req.params.userId));
    res.render('people/remove', { person, backHref: peoplePage(user, provider.id) });
  });

  router.post(paths.people.remove, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const provider = await providerFor(user, req.params.providerId);
    await removePerson(deps, user, provider.id, idFromPath(req.params.userId));
    res.redirect(`${peoplePage(user, provider.id)}?done=removed#people`);
  });

  router.get(paths.people.resend, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const provider = await providerFor(user, req.params.providerId);
    const person = await personDetails(deps, user, provider.id, idFromPath(req.params.userId));
    res.render('people/resend', { person, backHref: peoplePage(user, provider.id) });
  });

  router.post(paths.people.resend, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const provider = await providerFor(user, req.params.providerId);
    await resendInvitation(deps, user, provider.id, idFromPath(req.params.userId));
    res.redirect(`${peoplePage(user, provider.id)}?done=resent#people`);
  });

  function renderInvite(
    res: Response,
    user: CurrentUser,
    provider: { id: string; name: string },
    page: { values?: unknown; errors?: FieldErrors },
  ): void {
    const manages = peopleManagedBy(user, provider.id);
    const errors = page.errors ?? {};
    res.render('people/invite', {
      provider,
      values: page.values ?? {},
      errors,
      errorList: errorSummary(errors),
      chooseRole: manages === 'everyone',
      chooseSignIn: deps.config.emailLinks.signIn,
      backHref: peoplePage(user, provider.id),
    });
  }

  return router;
}
