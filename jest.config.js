/**
 * Jest runs the TypeScript sources as ES modules (scripts/run-jest.mjs gives Node
 * --experimental-vm-modules). Three projects, one per kind of test; each kind's time bound is in
 * tests/support/bounds.ts. `npm test` runs them all; `npm run test:fast` leaves out the browser.
 */
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['**/*.test.ts'],
  // Not under the temporary folder: scripts/run-jest.mjs gives each run its own and removes it after.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  setupFilesAfterEnv: ['<rootDir>/tests/support/set-bounds.ts'],
};

/** The PostgreSQL server and migrated template database of the run, for the kinds that use one. */
const database = {
  globalSetup: '<rootDir>/tests/support/global-setup.mjs',
  globalTeardown: '<rootDir>/tests/support/global-teardown.mjs',
};

const projects = [
  {
    ...shared,
    displayName: 'unit',
    roots: ['<rootDir>/tests/unit', '<rootDir>/src', '<rootDir>/jobs'],
    globals: { testKind: 'unit' },
  },
  {
    ...shared,
    ...database,
    displayName: 'integration',
    roots: ['<rootDir>/tests/integration'],
    globals: { testKind: 'integration' },
  },
  {
    ...shared,
    ...database,
    // The Chromium journeys: about half of the suite's time.
    displayName: 'browser',
    roots: ['<rootDir>/tests/e2e'],
    globals: { testKind: 'browser' },
  },
];

export default {
  maxWorkers: 2,
  // `npm run test:fast` (not Jest's --selectProjects, which would take the test files named after it
  // for project names too).
  projects: process.env.TEST_SKIP_BROWSER
    ? projects.filter((project) => project.displayName !== 'browser')
    : projects,
};
