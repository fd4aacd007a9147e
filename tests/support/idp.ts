import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { CompactSign, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { TEST_CERT_FILE, TEST_KEY_FILE } from './test-cert.js';

export type IdTokenMutation =
  ((claims: Record<string, unknown>) => Record<string, unknown>) | 'break-signature';

/** A person the identity provider knows, with the claims Entra ID would send for them. */
export interface IdpUser {
  oid: string;
  /** How the IdP finds them (login_hint, its sign-in form); also their claims unless `claims` says otherwise. */
  email: string;
  name: string;
  /** Omitted: no `roles` claim at all. */
  roles?: string[];
  /** Their tenant (directory): defaults to the IdP's own; the multi-tenant realm issues for any. */
  tid?: string;
  /** The address claims as this person's tenant sends them: absent ones are left out of the token. */
  claims?: { email?: string; preferred_username?: string; upn?: string };
}

export interface TestIdp {
  /** The tenant of its single-tenant realm (https://localhost:PORT/<tenantId>/v2.0). */
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** https://localhost:PORT - the "authority" the app is configured with. */
  authority: string;
  /** The single-tenant realm's issuer. */
  issuer: string;
  /** The issuer of a token from a tenant, as Entra writes it (the multi-tenant realm issues these). */
  issuerOf(tenantId: string): string;
  addUser(user: IdpUser): void;
  /** Changes the next id_tokens (claims, or 'break-signature'); undefined puts things right again. */
  mutateIdTokens(mutation: IdTokenMutation | undefined): void;
  close(): Promise<void>;
}

// One signing key per test process: the strategy caches keys per metadata URL for 30 minutes.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = {
  ...privateKey.export({ format: 'jwk' }),
  kid: 'test-key-1',
  alg: 'RS256',
  use: 'sig',
} as JWK;

/**
 * A real OpenID Connect provider (oidc-provider) on https://localhost, shaped like Entra ID v2, with
 * two realms sharing one set of people and one signing key:
 * - https://localhost:PORT/<tenantId>/v2.0: one tenant's own endpoint (a single-tenant app);
 * - https://localhost:PORT/organizations/v2.0: Entra's multi-tenant endpoint. Its metadata names the
 *   issuer ".../{tenantid}/v2.0" as Entra's does, and each id_token's issuer is the signed-in
 *   person's own tenant's, https://localhost:PORT/<their tid>/v2.0.
 * Claims: oid, tid, preferred_username, name, email, roles (each as the person's IdpUser says). It
 * signs in whoever the authorization request names in `login_hint` without a form, so a test
 * chooses the user; without a hint (a browser test) it asks for an email address on a sign-in page
 * of its own.
 */
export async function startTestIdp(options: { redirectUri: string; tenantId?: string }): Promise<TestIdp> {
  const tenantId = options.tenantId ?? randomUUID();
  const clientId = randomUUID();
  const clientSecret = `secret-${randomUUID()}`;
  const users = new Map<string, IdpUser>();
  let mutation: IdTokenMutation | undefined;

  const app = express();
  const server: Server = createServer(
    { key: readFileSync(TEST_KEY_FILE), cert: readFileSync(TEST_CERT_FILE) },
    app,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const authority = `https://localhost:${port}`;
  const issuerOf = (tid: string) => `${authority}/${tid}/v2.0`;

  const claimsOf = (id: string, user: IdpUser) => {
    const addresses = user.claims ?? { email: user.email, preferred_username: user.email };
    return {
      sub: id,
      oid: user.oid,
      tid: user.tid ?? tenantId,
      ver: '2.0',
      name: user.name,
      ...addresses,
      ...(user.roles ? { roles: user.roles } : {}),
    };
  };

  /** One realm: an oidc-provider instance mounted at `/<segment>/v2.0`. */
  const mountRealm = (segment: string, multiTenant: boolean) => {
    const prefix = `/${segment}/v2.0`;
    const provider = new Provider(`${authority}${prefix}`, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [options.redirectUri],
          response_types: ['code'],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      jwks: { keys: [signingJwk] },
      claims: {
        openid: ['sub', 'oid', 'tid', 'ver', 'preferred_username', 'name', 'email', 'upn', 'roles', 'groups'],
      },
      conformIdTokenClaims: false,
      pkce: { required: () => false },
      features: { devInteractions: { enabled: false } },
      // The realms' cookies apart, as two Entra endpoints' would be.
      cookies: {
        names: {
          session: `_session_${segment}`,
          interaction: `_interaction_${segment}`,
          resume: `_interaction_resume_${segment}`,
        },
      },
      interactions: { url: (_ctx, interaction) => `${prefix}/interaction/${interaction.uid}` },
      findAccount: (_ctx, id) => {
        const user = users.get(id);
        return user ? { accountId: id, claims: () => claimsOf(id, user) } : undefined;
      },
    });

    provider.use(async (ctx: KoaContextWithOIDC, next) => {
      await next();
      const body = ctx.body as { id_token?: string; issuer?: string } | undefined;
      // Entra's id_tokens carry typ "JWT" and passport-azure-ad insists on it; oidc-provider omits it.
      // The multi-tenant realm issues as the person's own tenant.
      if (ctx.path.endsWith('/token') && body?.id_token) {
        body.id_token = await resign(body.id_token, multiTenant ? issuerOf : undefined, mutation);
      }
      if (multiTenant && ctx.path.endsWith('/.well-known/openid-configuration') && body?.issuer) {
        body.issuer = issuerOf('{tenantid}');
      }
    });

    /** Signs in (then consents for) the person with this email, or refuses an unknown one. */
    const finishInteraction = async (req: express.Request, res: express.Response, email: string) => {
      const details = await provider.interactionDetails(req, res);
      const named = [...users.entries()].find(([, user]) => user.email === email)?.[0];
      // Consent follows a sign-in: it is for whoever just signed in at this provider.
      const accountId = details.prompt.name === 'login' ? named : (details.session?.accountId ?? named);
      if (!accountId) {
        await provider.interactionFinished(req, res, {
          error: 'access_denied',
          error_description: 'unknown user',
        });
        return;
      }
      if (details.prompt.name === 'login') {
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      const grant = new provider.Grant({ accountId, clientId });
      grant.addOIDCScope('openid profile email');
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId: await grant.save() } },
        { mergeWithLastSubmission: true },
      );
    };

    app.get(`${prefix}/interaction/:uid`, async (req, res) => {
      const details = await provider.interactionDetails(req, res);
      const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : '';
      // Without a hint (a person in a browser), ask for their email as Entra's own page would.
      if (!hint && details.prompt.name === 'login') {
        res.type('html').send(signInForm(req.originalUrl));
        return;
      }
      await finishInteraction(req, res, hint);
    });
    app.post(`${prefix}/interaction/:uid`, express.urlencoded({ extended: false }), async (req, res) => {
      const body = req.body as { email?: unknown };
      await finishInteraction(req, res, typeof body.email === 'string' ? body.email.trim() : '');
    });
    app.use(prefix, provider.callback());
  };

  mountRealm(tenantId, false);
  mountRealm('organizations', true);

  return {
    tenantId,
    clientId,
    clientSecret,
    authority,
    issuer: issuerOf(tenantId),
    issuerOf,
    addUser(user) {
      users.set(user.oid, user);
    },
    mutateIdTokens(next) {
      mutation = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The identity provider's own sign-in page (not the app's: the app's accessibility checks skip it). */
function signInForm(action: string): string {
  const escaped = action.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in - test identity provider</title></head>
<body><main><h1>Sign in</h1><form method="post" action="${escaped}">
<label for="email">Email address</label> <input id="email" name="email" type="email" autocomplete="username">
<button type="submit">Sign in</button></form></main></body></html>`;
}

async function resign(
  token: string,
  issuerOf: ((tenantId: string) => string) | undefined,
  mutation: IdTokenMutation | undefined,
): Promise<string> {
  const header = decodeProtectedHeader(token);
  const decoded = decodeJwt(token);
  const claims = issuerOf ? { ...decoded, iss: issuerOf(String(decoded.tid)) } : decoded;
  const payload = typeof mutation === 'function' ? mutation(claims) : claims;
  const key = await importJWK(signingJwk, 'RS256');
  const signed = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ ...header, alg: 'RS256', kid: signingJwk.kid, typ: 'JWT' })
    .sign(key);
  if (mutation !== 'break-signature') return signed;
  // Same header and signature, a different payload: what an attacker editing a token produces.
  const [head, , signature] = signed.split('.');
  const forged = Buffer.from(JSON.stringify({ ...payload, name: 'Mallory' })).toString('base64url');
  return `${head ?? ''}.${forged}.${signature ?? ''}`;
}
