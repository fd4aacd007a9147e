import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { freePort } from '../../src/startup.js';

// A real SMTP server on loopback (smtp-server) that keeps what it receives, parsed with mailparser.
// Tests point the app's real mailer (nodemailer, pooled SMTP) at it.

export interface ReceivedEmail {
  /** RCPT TO addresses the server accepted for this message. */
  envelopeTo: string[];
  parsed: ParsedMail;
}

export interface SmtpSink {
  port: number;
  received: ReceivedEmail[];
  /** Emails received since the last call. */
  take(): ReceivedEmail[];
  /** How many messages `holdAfter` holds unanswered now. */
  held(): number;
  /** Answers the held messages, and every later one at once. */
  release(): void;
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** Listen on this port (to bring a "down" server back up); default: a free port. */
  port?: number;
  /** Recipients refused with "550 5.1.1 mailbox unavailable". */
  rejectRecipients?: string[];
  /**
   * A server slow to answer: after accepting this many messages it holds each later one unanswered
   * until `release()` (a message counts as received once accepted).
   */
  holdAfter?: number;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const port = options.port ?? (await freePort());
  const rejected = new Set((options.rejectRecipients ?? []).map((address) => address.toLowerCase()));
  const received: ReceivedEmail[] = [];
  let taken = 0;
  let held = 0;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrived = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Closing does not wait long for clients (a pooled mailer keeps its connections open).
    closeTimeout: 500,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      if (rejected.has(address.address.toLowerCase())) {
        const error = Object.assign(new Error(`5.1.1 <${address.address}>: mailbox unavailable`), {
          responseCode: 550,
        });
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const envelopeTo = session.envelope.rcptTo.map((recipient) => recipient.address);
      simpleParser(stream)
        .then(async (parsed) => {
          if (options.holdAfter !== undefined && arrived++ >= options.holdAfter) {
            held += 1;
            await released;
            held -= 1;
          }
          received.push({ envelopeTo, parsed });
          callback();
        })
        .catch((error: unknown) => callback(error as Error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    received,
    take() {
      const fresh = received.slice(taken);
      taken = received.length;
      return fresh;
    },
    held: () => held,
    release,
    close: () => {
      release();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The plain-text address of a parsed To or Cc header. */
export function addresses(field: ParsedMail['to']): string[] {
  if (!field) return [];
  const list = Array.isArray(field) ? field : [field];
  return list.flatMap((entry) => entry.value.map((value) => value.address ?? ''));
}
