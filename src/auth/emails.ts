import {
  escapeHtml,
  FOOTNOTE_STYLE,
  htmlDocument,
  link,
  paragraph,
  plural,
  type RenderedEmail,
} from '../reminders/emails.js';

// The words of the sign-in link and invitation emails, in plain text and HTML (the same accessible
// HTML as the chasers). Links are given as the placeholders of email-links.ts: the sender writes the
// real link in as the email goes out.

interface Common {
  recipientName: string;
  serviceName: string;
  organisationName: string;
}

function render(
  subject: string,
  heading: string,
  paragraphs: string[],
  action: { href: string; text: string },
  footnote: string,
): RenderedEmail {
  const text = [
    ...paragraphs.flatMap((line) => [line, '']),
    `${action.text}:`,
    action.href,
    '',
    footnote,
    '',
  ].join('\n');
  const html = htmlDocument(
    subject,
    [
      `<h1 style="font-size: 28px; line-height: 1.2;">${escapeHtml(heading)}</h1>`,
      ...paragraphs.map(paragraph),
      `<p>${link(action.href, action.text)}</p>`,
      `<p style="${FOOTNOTE_STYLE}">${escapeHtml(footnote)}</p>`,
    ].join('\n'),
  );
  return { subject, text, html };
}

export interface SignInLinkEmailData extends Common {
  link: string;
  minutes: number;
}

/** A sign-in link, to a provider's person who signs in by email. */
export function signInLinkEmail(data: SignInLinkEmailData): RenderedEmail {
  return render(
    `Your sign-in link for ${data.serviceName}`,
    'Sign in with this link',
    [
      `Dear ${data.recipientName},`,
      `Use the link below to sign in to ${data.serviceName}. It works once, within ${plural(data.minutes, 'minute')} of when you asked for it.`,
      'If you did not ask to sign in, you can ignore this email: nobody can sign in as you without this link.',
    ],
    { href: data.link, text: `Sign in to ${data.serviceName}` },
    `You are receiving this email because someone asked for a sign-in link for this address on the ${data.serviceName} service run by ${data.organisationName}.`,
  );
}

export interface InvitationEmailData extends Common {
  inviterName: string;
  providerName: string;
  role: 'lead' | 'contributor';
  method: 'microsoft' | 'email_link';
  link: string;
  days: number;
  signInUrl: string;
}

const ROLE_DUTIES: Record<InvitationEmailData['role'], (provider: string) => string> = {
  lead: (provider) =>
    `As a provider lead you answer the requirements of ${provider}'s returns, add evidence, submit the returns, and choose who else from ${provider} helps (contributors).`,
  contributor: (provider) =>
    `As a contributor you answer the requirements of ${provider}'s returns and add evidence. A lead of ${provider} submits the returns.`,
};

const ROLE_NAMES: Record<InvitationEmailData['role'], string> = {
  lead: 'a provider lead',
  contributor: 'a contributor',
};

/** An invitation to one provider: the single-use link that claims it, and how to sign in later. */
export function invitationEmail(data: InvitationEmailData): RenderedEmail {
  const how =
    data.method === 'microsoft'
      ? [
          'Open the link below and sign in with your Microsoft work account (for example your NHSmail account). That account is then the one you sign in with.',
          `Later, sign in at ${data.signInUrl} and choose to sign in with a Microsoft account.`,
        ]
      : [
          'Open the link below to accept the invitation: you will be signed in straight away. You do not need a Microsoft account.',
          `Later, sign in at ${data.signInUrl} and choose to get a sign-in link by email: we email you a new link each time.`,
        ];
  return render(
    `Invitation: ${data.providerName} on ${data.serviceName}`,
    `You have been invited to ${data.serviceName}`,
    [
      `Dear ${data.recipientName},`,
      `${data.inviterName} has invited you to ${data.serviceName} as ${ROLE_NAMES[data.role]} for ${data.providerName}.`,
      ROLE_DUTIES[data.role](data.providerName),
      ...how,
      `The link works once, for ${plural(data.days, 'day')}. If it has run out, ask ${data.inviterName} to send the invitation again.`,
    ],
    { href: data.link, text: `Accept the invitation for ${data.providerName}` },
    `You are receiving this email because ${data.inviterName} invited this address on the ${data.serviceName} service run by ${data.organisationName}. If you were not expecting it, you can ignore it.`,
  );
}

export interface AccessAddedEmailData extends Common {
  inviterName: string;
  providerName: string;
  role: 'lead' | 'contributor';
  signInUrl: string;
}

/** To someone already using the service: they now also work on another provider's returns. */
export function accessAddedEmail(data: AccessAddedEmailData): RenderedEmail {
  return render(
    `You now have access to ${data.providerName} on ${data.serviceName}`,
    `You now have access to ${data.providerName}`,
    [
      `Dear ${data.recipientName},`,
      `${data.inviterName} has added you to ${data.providerName} as ${ROLE_NAMES[data.role]}.`,
      ROLE_DUTIES[data.role](data.providerName),
      'Sign in as you usually do: you will see its returns beside your others.',
    ],
    { href: data.signInUrl, text: `Sign in to ${data.serviceName}` },
    `You are receiving this email because ${data.inviterName} gave this address access on the ${data.serviceName} service run by ${data.organisationName}.`,
  );
}
