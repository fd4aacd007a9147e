import { logFormatFor } from '../../src/logger.js';

// Readable log lines for a person at a terminal in development; JSON lines (for collectors) otherwise.
test.each([
  { env: 'development', logFormat: undefined, isTerminal: true, expected: 'pretty' },
  { env: 'development', logFormat: undefined, isTerminal: false, expected: 'json' },
  { env: 'production', logFormat: undefined, isTerminal: true, expected: 'json' },
  { env: 'test', logFormat: undefined, isTerminal: true, expected: 'json' },
  { env: 'production', logFormat: 'pretty', isTerminal: false, expected: 'pretty' },
  { env: 'development', logFormat: 'json', isTerminal: true, expected: 'json' },
] as const)('$env, LOG_FORMAT=$logFormat, terminal: $isTerminal -> $expected', (row) => {
  expect(logFormatFor({ env: row.env, logFormat: row.logFormat }, row.isTerminal)).toBe(row.expected);
});
