import { startStoppablePostgres } from '../stoppable-postgres.js';
import { sayStarted } from './markers.js';

// A worker that dies outright (as on a crash or the out-of-memory killer) stops nothing it started.

test('starts a PostgreSQL server, then its worker dies', async () => {
  await startStoppablePostgres();
  await sayStarted('crashes-worker');
  process.kill(process.pid, 'SIGKILL');
});
