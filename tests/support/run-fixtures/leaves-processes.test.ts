import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../src/startup.js';
import { launchChromium } from '../browser.js';
import { createTestDatabase } from '../database.js';
import { startServerProcess } from '../server-process.js';
import { startStoppablePostgres } from '../stoppable-postgres.js';
import { sayStarted, untilInterrupted } from './markers.js';

// Every kind of process a test starts, none stopped: the run is interrupted while they run.

test('starts a PostgreSQL server, the app and Chromium, then waits', async () => {
  await startStoppablePostgres();
  const db = await createTestDatabase();
  const cwd = await mkdtemp(join(tmpdir(), 'tracker-fixture-'));
  await chmod(cwd, 0o755);
  const app = startServerProcess(cwd, {
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    DATABASE_URL: db.url,
    DEMO_DATA: 'false',
    JOBS_ENABLED: 'false',
    LOG_LEVEL: 'info',
  });
  await app.waitForOutput(/"msg":"ready: /);
  await launchChromium();
  await sayStarted('leaves-processes');
  await untilInterrupted();
});
