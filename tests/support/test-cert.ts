import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/project-root.js';

// Made by scripts/run-jest.mjs before Jest starts, because Node reads NODE_EXTRA_CA_CERTS (which
// makes the app trust the test identity provider's https) only when a process starts.
export const TEST_CERT_DIR = join(PROJECT_ROOT, 'tests', 'artifacts', 'tls');
export const TEST_CERT_FILE = join(TEST_CERT_DIR, 'localhost-cert.pem');
export const TEST_KEY_FILE = join(TEST_CERT_DIR, 'localhost-key.pem');
