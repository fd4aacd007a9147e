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
  email: string;
  name: string;
  roles?: string[];
  /** Defaults to the IdP's own tenant; set another to test a wrong-tenant token. */
  tid?: string;
}

export interface TestIdp {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** https://localhost:PORT - the "authority" the app is configured with. */
  authority: string;
  issuer: string;
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
 * A real OpenID Connect provider (oidc-provider) on https://localhost, shaped like an Entra ID v2
 * tenant: issuer https://localhost:PORT/<tenant>/v2.0 and the claims oid, tid, preferred_username,
 * name, email and roles. It signs in whoever the authorization request names in `login_hint`
 * without a form, so a test chooses the user; without a hint (a browser test) it asks for an email
 * address on a sign-in page of its own.
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
  const prefix = `/${tenantId}/v2.0`;
  const issuer = `${authority}${prefix}`;

  const provider = new Provider(issuer, {
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
      openid: ['sub', 'oid', 'tid', 'ver', 'preferred_username', 'name', 'email', 'roles', 'groups'],
    },
    conformIdTokenClaims: false,
    pkce: { required: () => false },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `${prefix}/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => {
      const user = users.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          oid: user.oid,
          tid: user.tid ?? tenantId,
          ver: '2.0',
          preferred_username: user.email,
          email: user.email,
          name: user.name,
          roles: user.roles ?? [],
        }),
      };
    },
  });

  // Entra's id_tokens carry typ "JWT" and passport-azure-ad insists on it; oidc-provider omits it.
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path.endsWith('/token') && body?.id_token) {
      body.id_token = await resignWithTyp(body.id_token, mutation);
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

  return {
    tenantId,
    clientId,
    clientSecret,
    authority,
    issuer,
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

async function resignWithTyp(token: string, mutation: IdTokenMutation | undefined): Promise<string> {
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
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
