import { pino, type Logger, type LevelWithSilent } from 'pino';
import { currentRequestId } from './request-context.js';

export type { Logger };

export function createLogger(level: LevelWithSilent): Logger {
  return pino({
    level,
    base: undefined,
    // Every line written inside a request carries its id.
    mixin() {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
    redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'] },
  });
}
