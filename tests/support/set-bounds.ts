import { jest } from '@jest/globals';
import { BOUNDS, type TestKind } from './bounds.js';

declare global {
  /** Set per Jest project in jest.config.js (`globals`). */
  var testKind: TestKind | undefined;
}

// Jest takes one testTimeout for the whole run, whatever the project: each project's kind sets its
// own bound here instead, for its tests and hooks alike.
if (!globalThis.testKind) throw new Error('jest.config.js gives every project a testKind');
jest.setTimeout(BOUNDS[globalThis.testKind]);
