// The server side of `npm run bench:matrix`, started by it as child processes so that the load
// generator's CPU and memory are never counted as the server's. BENCH_ROLE says which of two it is:
// "app", the app (views compiled once, as in production), whose memory the targets are about; or
// "ceiling", the same matrix page rendered from data computed once at start, with no database per
// request. The ceiling has a process of its own: drawing megabytes per request is its own cost, not the
// app's, and its copy of the data would otherwise sit in the app's memory. Prints one JSON line with
// its address when listening; stops on SIGTERM.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { setUpViews } from '../src/app.js';
import { createPool, createPrisma } from '../src/db/prisma.js';
import { createLogger } from '../src/logger.js';
import { matrixViewLocals, sendWithTable } from '../src/matrix/matrix.routes.js';
import { drawnTable, matrixPage } from '../src/matrix/matrix.service.js';
import { createCaches } from '../src/caches.js';
import { parseMatrixQuery } from '../src/matrix/schemas.js';
import type { CurrentUser } from '../src/auth/current-user.js';
import { createBenchApp } from './bench-support.js';

export type BenchRole = 'app' | 'ceiling';

const url = process.env.BENCH_DATABASE_URL ?? '';
const role = process.env.BENCH_ROLE;
const admin = JSON.parse(process.env.BENCH_ADMIN ?? 'null') as CurrentUser | null;
const now = new Date(process.env.BENCH_NOW ?? '');
if (!url || !admin || Number.isNaN(now.getTime()) || (role !== 'app' && role !== 'ceiling'))
  throw new Error(
    'Started by scripts/bench-matrix.ts only: BENCH_DATABASE_URL, BENCH_ROLE, BENCH_ADMIN, BENCH_NOW',
  );

const viewer: CurrentUser = admin;
const logger = createLogger('silent');
const pool = createPool(url, 10);
const prisma = createPrisma(pool);
const server = (role === 'app' ? appServer() : await ceilingServer()).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
console.log(JSON.stringify({ address: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void prisma.$disconnect().then(() => pool.end());
});

function appServer() {
  return createBenchApp({
    pool,
    prisma,
    logger,
    clock: () => now,
    environment: { RATE_LIMIT_SIGN_IN_PER_MINUTE: '100000', RATE_LIMIT_UPLOADS_PER_MINUTE: '100000' },
  });
}

/**
 * The ceiling: the same views, the same data, computed once; drawn per request. Its table is drawn
 * (and compressed, for a client that asks) on every request: the app keeps a drawn table while the
 * data is unchanged, the ceiling does not.
 */
async function ceilingServer() {
  const { page: precomputed } = await matrixPage(
    { prisma, caches: createCaches() },
    viewer,
    parseMatrixQuery({}),
    now,
  );
  const ceiling = express();
  setUpViews(ceiling, true);
  ceiling.get('/', async (_req, res) => {
    const locals = await matrixViewLocals(precomputed, drawnTable, true);
    await sendWithTable(
      res,
      'matrix/index',
      {
        cspNonce: 'bench',
        csrfToken: () => 'bench',
        requestId: 'bench',
        currentUser: viewer,
        navigation: [],
        ...locals,
      },
      locals.table,
    );
  });
  return ceiling;
}
