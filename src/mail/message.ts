import type { SendMailOptions } from 'nodemailer';
import type { MailSettings } from '../config.js';

export interface OutgoingEmail {
  /** Stable per outbox row, so a resend after a crash carries the same Message-ID. */
  messageId: string;
  to: string;
  cc: string[];
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

/** The nodemailer message for an email: the same for SMTP and for the file mailer. */
export function messageFields(settings: MailSettings, email: OutgoingEmail): SendMailOptions {
  return {
    from: settings.from,
    ...(settings.replyTo ? { replyTo: settings.replyTo } : {}),
    to: email.to,
    ...(email.cc.length > 0 ? { cc: email.cc } : {}),
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId: email.messageId,
    ...(email.headers ? { headers: email.headers } : {}),
  };
}
