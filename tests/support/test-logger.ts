import { createLogger } from '../../src/logger.js';

// Tests log nothing unless TEST_LOG_LEVEL asks (e.g. TEST_LOG_LEVEL=debug npm run test:jest).
export const testLogger = createLogger(
  (process.env.TEST_LOG_LEVEL as Parameters<typeof createLogger>[0] | undefined) ?? 'silent',
);
