import { sayStarted, untilInterrupted } from './markers.js';

// Only the run's own PostgreSQL (from global set-up) is running while this waits to be stopped.

test('waits', async () => {
  await sayStarted('waits');
  await untilInterrupted();
});
