// The only module that knows passport-azure-ad. Microsoft has archived that library; openid-client
// is the known replacement, and swapping it means rewriting this file alone: the rest of the app
// sees an `EntraIdentity` and a passport strategy named ENTRA_STRATEGY.
import { OIDCStrategy, type IProfile, type VerifyCallback } from 'passport-azure-ad';
import type { EntraSettings } from '../../config.js';
import type { Logger } from '../../logger.js';

export const ENTRA_STRATEGY = 'entra';

/** What the app uses from an Entra ID token. */
export interface EntraIdentity {
  objectId: string;
  tenantId: string;
  email: string;
  displayName: string;
  /** App roles assigned in the Entra app registration (the `roles` claim). */
  roles: string[];
}

interface EntraClaims {
  oid?: unknown;
  tid?: unknown;
  preferred_username?: unknown;
  email?: unknown;
  name?: unknown;
  roles?: unknown;
}

export function entraMetadataUrl(settings: EntraSettings): string {
  return `${settings.authority}/${settings.tenantId}/v2.0/.well-known/openid-configuration`;
}

export function entraSignOutUrl(settings: EntraSettings, postSignOutUrl: string): string {
  const url = new URL(`${settings.authority}/${settings.tenantId}/oauth2/v2.0/logout`);
  url.searchParams.set('post_logout_redirect_uri', postSignOutUrl);
  return url.toString();
}

export function createEntraStrategy(
  settings: EntraSettings,
  allowHttpRedirect: boolean,
  logger: Logger,
): OIDCStrategy {
  return new OIDCStrategy(
    {
      identityMetadata: entraMetadataUrl(settings),
      clientID: settings.clientId,
      clientSecret: settings.clientSecret,
      responseType: 'code',
      responseMode: settings.responseMode,
      redirectUrl: settings.redirectUrl,
      allowHttpForRedirectUrl: allowHttpRedirect,
      // A single tenant: tokens from any other issuer are refused by the library.
      validateIssuer: true,
      issuer: `${settings.authority}/${settings.tenantId}/v2.0`,
      passReqToCallback: false,
      scope: ['openid', 'profile', 'email'],
      loggingLevel: 'error',
      loggingNoPII: true,
    },
    (
      _iss: string,
      _sub: string,
      _profile: IProfile,
      claims: EntraClaims,
      _access: string,
      _refresh: string,
      _params: unknown,
      done: VerifyCallback,
    ) => {
      const identity = identityFrom(claims);
      if (!identity) {
        logger.warn('Entra token lacks oid, tid or a username');
        done(null, false, { message: 'The token did not identify a user' });
        return;
      }
      done(null, identity);
    },
  );
}

function identityFrom(claims: EntraClaims): EntraIdentity | undefined {
  const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
  const objectId = text(claims.oid);
  const tenantId = text(claims.tid);
  const email = text(claims.email) ?? text(claims.preferred_username);
  if (!objectId || !tenantId || !email) return undefined;
  return {
    objectId,
    tenantId,
    email: email.toLowerCase(),
    displayName: text(claims.name) ?? email,
    roles: Array.isArray(claims.roles)
      ? claims.roles.filter((role): role is string => typeof role === 'string')
      : [],
  };
}
