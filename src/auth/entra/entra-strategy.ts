// The only module that knows passport-azure-ad. Microsoft has archived that library; openid-client
// is the known replacement, and swapping it means rewriting this file alone: the rest of the app
// sees an `EntraIdentity` and a passport strategy named ENTRA_STRATEGY.
import { OIDCStrategy, type IProfile, type VerifyCallback } from 'passport-azure-ad';
import type { EntraSettings } from '../../config.js';
import type { Logger } from '../../logger.js';

export const ENTRA_STRATEGY = 'entra';

/** What the app uses from a verified Entra ID token. */
export interface EntraIdentity {
  /** `oid`: the person, within their tenant. */
  objectId: string;
  /** `tid`: their tenant (directory), lower-case; the token's issuer names the same tenant. */
  tenantId: string;
  /** For contact and display only (never proof of anything): lower-case. */
  email: string;
  displayName: string;
  /** App roles assigned in the Entra app registration (the `roles` claim); empty when absent. */
  roles: string[];
}

interface EntraClaims {
  iss?: unknown;
  oid?: unknown;
  tid?: unknown;
  email?: unknown;
  preferred_username?: unknown;
  upn?: unknown;
  name?: unknown;
  roles?: unknown;
}

/**
 * The metadata's tenant segment. One tenant: that tenant's own endpoint. Several: `organizations`
 * (work and school accounts of any tenant; personal Microsoft accounts never), with the issuer of
 * every token checked against the list below.
 */
function realm(settings: EntraSettings): string {
  return settings.allowedTenants.length > 0 ? 'organizations' : settings.tenantId;
}

export function entraMetadataUrl(settings: EntraSettings): string {
  return `${settings.authority}/${realm(settings)}/v2.0/.well-known/openid-configuration`;
}

export function entraSignOutUrl(settings: EntraSettings, postSignOutUrl: string): string {
  const url = new URL(`${settings.authority}/${realm(settings)}/oauth2/v2.0/logout`);
  url.searchParams.set('post_logout_redirect_uri', postSignOutUrl);
  return url.toString();
}

/** The issuer of a v2 token from a tenant: Entra writes it with the tenant id. */
function issuerOf(settings: EntraSettings, tenantId: string): string {
  return `${settings.authority}/${tenantId}/v2.0`;
}

/** The issuers whose tokens are accepted: the commissioner's tenant and the allowed ones. */
function allowedIssuers(settings: EntraSettings): string[] {
  return [settings.tenantId, ...settings.allowedTenants.map((tenant) => tenant.id)].map((id) =>
    issuerOf(settings, id),
  );
}

// passport-azure-ad reports a signed token from an issuer that is not in the list with this message
// (after it has checked the signature): the person belongs to a tenant that is not allowed.
const ISSUER_REFUSED = 'jwt issuer is invalid';

/** Whether a failed sign-in was refused because of the token's issuer (its tenant). */
export function refusedForIssuer(info: unknown): boolean {
  const message =
    typeof info === 'string'
      ? info
      : info && typeof info === 'object' && 'message' in info
        ? info.message
        : '';
  return typeof message === 'string' && message.includes(ISSUER_REFUSED);
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
      // The library checks every id_token's `iss` against this list (the metadata's own issuer is
      // added to it; for `organizations` that is the template ".../{tenantid}/v2.0", which no token
      // carries). A token from any other tenant fails with the message refusedForIssuer knows.
      validateIssuer: true,
      issuer: allowedIssuers(settings),
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
      const identity = identityFrom(settings, claims);
      if (typeof identity === 'string') {
        logger.warn({ reason: identity }, 'Entra token refused');
        done(null, false, { message: identity });
        return;
      }
      done(null, identity);
    },
  );
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/**
 * A guest's user principal name is their own address with "@" written as "_", then "#EXT#@" and the
 * host tenant's domain: "jo.bloggs_care.example#EXT#@icb.onmicrosoft.com" is jo.bloggs@care.example.
 */
function guestAddress(name: string): string {
  const marker = name.toUpperCase().indexOf('#EXT#');
  if (marker < 0) return name;
  const own = name.slice(0, marker);
  const at = own.lastIndexOf('_');
  return at > 0 ? `${own.slice(0, at)}@${own.slice(at + 1)}` : own;
}

/**
 * The identity in a verified token, or why it cannot be used. The tenant is the one in the issuer
 * the library checked: a `tid` naming another tenant is refused. The address is the `email` claim,
 * else `preferred_username`, else `upn` (guests' `#EXT#` names turned back into their address).
 */
function identityFrom(settings: EntraSettings, claims: EntraClaims): EntraIdentity | string {
  const objectId = text(claims.oid);
  const tenantId = text(claims.tid)?.toLowerCase();
  if (!objectId || !tenantId) return 'the token has no oid or tid';
  if (claims.iss !== issuerOf(settings, tenantId)) return 'the token’s tid is not its issuer’s tenant';
  const username = text(claims.email) ?? text(claims.preferred_username) ?? text(claims.upn);
  if (!username) return 'the token has no email, preferred_username or upn';
  const email = guestAddress(username).toLowerCase();
  return {
    objectId,
    tenantId,
    email,
    displayName: text(claims.name) ?? email,
    roles: Array.isArray(claims.roles)
      ? claims.roles.filter((role): role is string => typeof role === 'string')
      : [],
  };
}
