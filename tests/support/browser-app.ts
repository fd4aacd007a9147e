import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { importTestStandards } from './fixtures.js';

/**
 * What a browser test file works with: Chromium, a test database with the standards loaded, and a
 * loopback server that answers with the app given to `serve` (once the test has written its data).
 */
export interface BrowserApp {
  browser: Browser;
  db: TestDatabase;
  baseUrl: string;
  serve(app: RequestListener): void;
}

/** Starts them for one test file; `cleanups`, run in order in afterAll, closes them. */
export async function startBrowserApp(cleanups: (() => Promise<unknown>)[]): Promise<BrowserApp> {
  const browser = await launchChromium();
  cleanups.push(() => browser.close());
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  await importTestStandards(db.prisma);
  return {
    browser,
    db,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    serve: (app) => server.on('request', app),
  };
}
