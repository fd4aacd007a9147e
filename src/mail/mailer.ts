import nodemailer from 'nodemailer';
import type { MailSettings } from '../config.js';
import type { Logger } from '../logger.js';
import { createFileMailer } from './file-mailer.js';
import { messageFields, type OutgoingEmail } from './message.js';

export type { OutgoingEmail };

// The outbound mail boundary. The app builds one Mailer (pooled SMTP, or files when no SMTP server is
// configured) and passes it in deps; tests replace it or point it at an SMTP server on loopback.

export interface SendResult {
  /** Recipients the server refused while accepting the email for the others. */
  rejected: { address: string; reason: string }[];
}

export interface Mailer {
  /** "SMTP mail.example.nhs.uk:587" or "files in .data/mail": for logs and pages. */
  readonly description: string;
  /** Resolves once the server has accepted the email; rejects with a MailDeliveryError. */
  send(email: OutgoingEmail): Promise<SendResult>;
  close(): Promise<void>;
}

/**
 * Why an email was not delivered. Permanent: the server refused this email or its recipient with a
 * 5xx reply (retrying cannot help). Anything else (server unreachable, time-outs, 4xx replies, even
 * a 5xx to the log-in, which is a configuration problem rather than this email's) is worth retrying.
 */
export class MailDeliveryError extends Error {
  override name = 'MailDeliveryError';
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode: number | undefined,
  ) {
    super(message);
  }
}

interface SmtpError {
  message?: unknown;
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
}

/** Maps a nodemailer error to a MailDeliveryError. */
export function deliveryError(error: unknown): MailDeliveryError {
  const details = (typeof error === 'object' && error !== null ? error : {}) as SmtpError;
  const responseCode = typeof details.responseCode === 'number' ? details.responseCode : undefined;
  const aboutThisEmail = details.code === 'EENVELOPE' || details.code === 'EMESSAGE';
  const permanent = aboutThisEmail && responseCode !== undefined && responseCode >= 500 && responseCode < 600;
  const message =
    typeof details.response === 'string' && details.response !== ''
      ? details.response
      : error instanceof Error
        ? error.message
        : String(error);
  const code = typeof details.code === 'string' ? `${details.code}: ` : '';
  return new MailDeliveryError(`${code}${message}`.slice(0, 1_000), permanent, responseCode);
}

type SmtpTransport = Extract<MailSettings['transport'], { kind: 'smtp' }>;

/** Pooled SMTP through nodemailer: a few long-lived connections, messages queued across them. */
export function createSmtpMailer(settings: MailSettings, transport: SmtpTransport): Mailer {
  const base = {
    pool: true as const,
    maxConnections: transport.poolSize,
    maxMessages: 1_000,
    // Fail within seconds when the server is down, so rows go back to pending promptly.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  };
  const url = transport.url ? new URL(transport.url) : undefined;
  const transporter = nodemailer.createTransport(
    url
      ? {
          ...base,
          host: url.hostname,
          port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
          secure: url.protocol === 'smtps:',
          ...(url.username
            ? {
                auth: {
                  user: decodeURIComponent(url.username),
                  pass: decodeURIComponent(url.password),
                },
              }
            : {}),
        }
      : {
          ...base,
          host: transport.host ?? 'localhost',
          port: transport.port,
          secure: transport.secure,
          ...(transport.auth ? { auth: transport.auth } : {}),
        },
  );
  const host = url ? url.host : `${transport.host ?? 'localhost'}:${transport.port}`;
  return {
    description: `SMTP ${host}`,
    async send(email) {
      try {
        const info = await transporter.sendMail(messageFields(settings, email));
        return { rejected: rejectedRecipients(info) };
      } catch (error) {
        throw deliveryError(error);
      }
    },
    close() {
      transporter.close();
      return Promise.resolve();
    },
  };
}

function rejectedRecipients(info: {
  rejected?: unknown[];
  rejectedErrors?: unknown[];
}): SendResult['rejected'] {
  const errors = (info.rejectedErrors ?? []) as { recipient?: string; response?: string; message?: string }[];
  return (info.rejected ?? []).map((entry) => {
    const address = typeof entry === 'string' ? entry : ((entry as { address?: string }).address ?? '');
    const reason = errors.find((error) => error.recipient === address);
    return { address, reason: reason?.response ?? reason?.message ?? 'rejected' };
  });
}

/** SMTP when configured; otherwise each email is kept as a file (config forbids that in production). */
export function createMailer(settings: MailSettings, logger: Logger): Mailer {
  const mailer =
    settings.transport.kind === 'smtp'
      ? createSmtpMailer(settings, settings.transport)
      : createFileMailer(settings, settings.transport.dir);
  logger.info({ mailer: mailer.description }, 'outgoing email');
  return mailer;
}
