import type { Config } from '../src/config.js';
import type { Mailer } from '../src/mail/mailer.js';
import type { JobDeps } from './run-locked-job.js';

/** The email jobs also need the configuration (ladder, links, retries) and the outbound mailer. */
export interface ReminderJobDeps extends JobDeps {
  config: Config;
  mailer: Mailer;
}
