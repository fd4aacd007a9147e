import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailSettings } from '../config.js';
import type { Mailer } from './mailer.js';
import { messageFields } from './message.js';

// The embedded default: with no SMTP server configured, every email is kept in the data folder, as
// a standard .eml file (opens in any mail program) and a .json copy that the local mailbox page
// (src/mail/mailbox.routes.ts, never in production) lists.

export interface StoredEmail {
  id: string;
  date: string;
  from: string;
  replyTo: string | undefined;
  to: string;
  cc: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

const STORED_ID = /^[0-9A-Za-z-]{1,100}$/;

export function isStoredEmailId(id: string): boolean {
  return STORED_ID.test(id);
}

export function createFileMailer(settings: MailSettings, dir: string): Mailer {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `files in ${dir}`,
    async send(email) {
      await mkdir(dir, { recursive: true });
      const date = new Date();
      const id = `${date.toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`;
      const info = await composer.sendMail({ ...messageFields(settings, email), date });
      const stored: StoredEmail = {
        id,
        date: date.toISOString(),
        from: settings.from,
        replyTo: settings.replyTo,
        to: email.to,
        cc: email.cc,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: email.messageId,
      };
      await writeFile(join(dir, `${id}.eml`), info.message);
      await writeFile(join(dir, `${id}.json`), JSON.stringify(stored, null, 2));
      return { rejected: [] };
    },
    close() {
      composer.close();
      return Promise.resolve();
    },
  };
}

/** Emails kept in `dir`, newest first (none when the folder does not exist yet). */
export async function listStoredEmails(dir: string): Promise<StoredEmail[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const ids = names
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .filter(isStoredEmailId)
    .sort()
    .reverse();
  const emails: StoredEmail[] = [];
  for (const id of ids) {
    const email = await readStoredEmail(dir, id);
    if (email) emails.push(email);
  }
  return emails;
}

export async function readStoredEmail(dir: string, id: string): Promise<StoredEmail | undefined> {
  if (!isStoredEmailId(id)) return undefined;
  try {
    return JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as StoredEmail;
  } catch {
    return undefined;
  }
}
