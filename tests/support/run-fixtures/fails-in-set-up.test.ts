import { startStoppablePostgres } from '../stoppable-postgres.js';
import { sayStarted } from './markers.js';

// Set-up that fails after starting a server, before anything could stop it.

beforeAll(async () => {
  await startStoppablePostgres();
  await sayStarted('fails-in-set-up');
  throw new Error('set-up fails here on purpose');
});

test('is never reached', () => undefined);
