import { createHmac } from 'node:crypto';
import type { EmailLinkPurpose } from '../generated/prisma/enums.js';
import { sha256 } from '../hash.js';
import { paths } from '../paths.js';

// Single-use links sent by email (invitations and sign-in links). The token in a link is an HMAC of
// the link row's id under a key derived from the app's secret, so it is never stored anywhere: the
// row keeps only the token's SHA-256 (to find the row when the link comes back), and the outbox row
// of the email holds a placeholder that the sender turns into the link as the email goes out. Reading
// the database alone (a backup, a replica) gives no working link.

const PLACEHOLDER = /\{\{email-link:(invitation|sign_in):([0-9a-f-]{36})\}\}/g;

function linkKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('email links v1').digest();
}

/** The link's token: 43 URL-safe characters (256 bits), the same every time for one link. */
export function linkToken(secret: string, linkId: string): string {
  return createHmac('sha256', linkKey(secret)).update(linkId).digest('base64url');
}

/** What the database keeps of a token, and looks it up by. */
export function tokenDigest(token: string): string {
  return sha256(token);
}

/** A placeholder for the link in an outbox email, written out by expandEmailLinks when it is sent. */
export function linkPlaceholder(purpose: EmailLinkPurpose, linkId: string): string {
  return `{{email-link:${purpose}:${linkId}}}`;
}

/**
 * The page a link opens. The token travels in the query string, which request logs leave out (they
 * record the path); the page asks for a button press before using it, so mail scanners that open
 * links do not use them up.
 */
function linkUrl(publicBaseUrl: string, purpose: EmailLinkPurpose, token: string): string {
  const path = purpose === 'invitation' ? paths.invitation : paths.emailSignIn.link;
  return `${publicBaseUrl}${path}?token=${token}`;
}

/** Writes each link's URL into an email's text or HTML (the sender calls this as it sends). */
export function expandEmailLinks(body: string, secret: string, publicBaseUrl: string): string {
  return body.replace(PLACEHOLDER, (_match, purpose: EmailLinkPurpose, linkId: string) =>
    linkUrl(publicBaseUrl, purpose, linkToken(secret, linkId)),
  );
}
