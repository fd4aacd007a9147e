import { expandEmailLinks, linkPlaceholder, linkToken, tokenDigest } from '../../src/auth/email-links.js';
import { accessAddedEmail, invitationEmail, signInLinkEmail } from '../../src/auth/emails.js';

const HOSTILE = '<script>alert("x")</script> & Sons';
const LINK_ID = '0f8b7d52-7a4e-4c1e-9d1a-2b3c4d5e6f70';
const common = { serviceName: 'Service', organisationName: HOSTILE };

describe('links written into emails as they are sent', () => {
  test('a placeholder becomes the link, its token the HMAC of the link id under the secret', () => {
    const body = `Open: ${linkPlaceholder('sign_in', LINK_ID)} or <a href="${linkPlaceholder('invitation', LINK_ID)}">here</a>`;
    const token = linkToken('secret-one', LINK_ID);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expandEmailLinks(body, 'secret-one', 'https://tracker.example.nhs.uk')).toBe(
      `Open: https://tracker.example.nhs.uk/sign-in/email/link?token=${token} or <a href="https://tracker.example.nhs.uk/invitation?token=${token}">here</a>`,
    );
    // Another secret, another token; the database keeps only the digest.
    expect(linkToken('secret-two', LINK_ID)).not.toBe(token);
    expect(tokenDigest(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenDigest(token)).not.toContain(token);
  });

  test('text that only looks like a placeholder is left alone', () => {
    const text = '{{email-link:sign_in:not-a-uuid}} {{email-link:other:' + LINK_ID + '}}';
    expect(expandEmailLinks(text, 'secret', 'https://x.example')).toBe(text);
  });
});

describe('the sign-in and invitation emails escape what they are given', () => {
  const link = linkPlaceholder('invitation', LINK_ID);

  test('an invitation, by email link, as a contributor', () => {
    const email = invitationEmail({
      ...common,
      recipientName: HOSTILE,
      inviterName: HOSTILE,
      providerName: HOSTILE,
      role: 'contributor',
      method: 'email_link',
      link,
      days: 14,
      signInUrl: 'https://tracker.example.nhs.uk/sign-in',
    });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons');
    expect(email.html).toContain(`href="${link}"`);
    expect(email.text).toContain('as a contributor for');
    expect(email.text).toContain('You do not need a Microsoft account.');
    expect(email.text).toContain('The link works once, for 14 days.');
    expect(email.subject).toBe(`Invitation: ${HOSTILE} on Service`);
  });

  test('an invitation with a Microsoft account, as a lead', () => {
    const email = invitationEmail({
      ...common,
      recipientName: 'Nia',
      inviterName: 'Cora Manager',
      providerName: 'Bravo Care Home',
      role: 'lead',
      method: 'microsoft',
      link,
      days: 1,
      signInUrl: 'https://tracker.example.nhs.uk/sign-in',
    });
    expect(email.text).toContain(
      'sign in with your Microsoft work account (for example your NHSmail account)',
    );
    expect(email.text).toContain('submit the returns');
    expect(email.text).toContain('for 1 day.');
  });

  test('a sign-in link and an access-added notice', () => {
    const signIn = signInLinkEmail({ ...common, recipientName: HOSTILE, link, minutes: 15 });
    expect(signIn.html).not.toContain('<script>');
    expect(signIn.text).toContain('within 15 minutes');
    const added = accessAddedEmail({
      ...common,
      recipientName: HOSTILE,
      inviterName: 'Cora Manager',
      providerName: HOSTILE,
      role: 'lead',
      signInUrl: 'https://tracker.example.nhs.uk/sign-in',
    });
    expect(added.html).not.toContain('<script>');
    expect(added.html).toContain('href="https://tracker.example.nhs.uk/sign-in"');
  });
});
