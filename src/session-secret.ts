import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/**
 * The app's secret (session cookies, email links): SESSION_SECRET, required in production. Outside
 * production a missing one is generated once and kept in the data folder, so the web app and a jobs
 * process started from the same folder share it.
 */
export async function sessionSecretFor(config: Pick<Config, 'sessionSecret' | 'dataDir'>, logger: Logger) {
  if (config.sessionSecret) return config.sessionSecret;
  const file = resolve(config.dataDir, 'session-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, secret, { mode: 0o600 });
  logger.warn({ file }, 'SESSION_SECRET not set: generated one for local use');
  return secret;
}
