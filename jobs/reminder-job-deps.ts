import type { Config } from '../src/config.js';
import type { Mailer } from '../src/mail/mailer.js';
import type { JobDeps } from './run-locked-job.js';

/**
 * The email jobs also need the configuration (ladder, links, retries), the outbound mailer, and the
 * app's secret (the sender writes single-use links into emails with it: src/auth/email-links.ts).
 */
export interface ReminderJobDeps extends JobDeps {
  config: Config;
  mailer: Mailer;
  sessionSecret: string;
}
