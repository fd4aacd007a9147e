import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';
import { currentRequestId } from './request-context.js';

export type { Logger };

/**
 * Logs JSON lines to stdout (or `destination`, for tests), or readable lines for a person at a
 * terminal (`format: 'pretty'`, written synchronously so nothing is lost when the process exits).
 */
export function createLogger(
  level: LevelWithSilent,
  destination?: DestinationStream,
  format: 'json' | 'pretty' = 'json',
): Logger {
  const options = {
    level,
    base: undefined,
    // Every line written inside a request carries its id.
    mixin() {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  };
  if (format === 'pretty') {
    return pino(options, pretty({ destination: 1, sync: true, translateTime: 'SYS:HH:MM:ss' }));
  }
  return destination ? pino(options, destination) : pino(options);
}

/** The configured log format, else readable lines in development at a terminal and JSON otherwise. */
export function logFormatFor(
  config: { env: string; logFormat: 'json' | 'pretty' | undefined },
  isTerminal: boolean,
): 'json' | 'pretty' {
  return config.logFormat ?? (config.env === 'development' && isTerminal ? 'pretty' : 'json');
}
