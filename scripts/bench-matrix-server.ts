// The server side of `npm run bench:matrix`, started by it as a child process so that the load
// generator's CPU and memory are never counted as the server's. Serves, in this one process, the app
// (views compiled once, as in production) and the "ceiling": the same matrix page rendered from
// data computed once at start, with no database per request. Prints one JSON line with both
// addresses when listening; stops on SIGTERM.
import type { Server } from 'node:http';
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

export interface BenchServerAddresses {
  app: string;
  ceiling: string;
}

const url = process.env.BENCH_DATABASE_URL ?? '';
const admin = JSON.parse(process.env.BENCH_ADMIN ?? 'null') as CurrentUser | null;
const now = new Date(process.env.BENCH_NOW ?? '');
if (!url || !admin || Number.isNaN(now.getTime()))
  throw new Error('Started by scripts/bench-matrix.ts only: BENCH_DATABASE_URL, BENCH_ADMIN, BENCH_NOW');

const logger = createLogger('silent');
const pool = createPool(url, 10);
const prisma = createPrisma(pool);
const app = createBenchApp({
  pool,
  prisma,
  logger,
  clock: () => now,
  environment: { RATE_LIMIT_SIGN_IN_PER_MINUTE: '100000', RATE_LIMIT_UPLOADS_PER_MINUTE: '100000' },
});
// The ceiling: the same views, the same data, computed once; drawn per request.
// Its table is drawn on every request: the app keeps a drawn table while the data is unchanged, the
// ceiling does not.
const { page: precomputed } = await matrixPage(
  { prisma, caches: createCaches() },
  admin,
  parseMatrixQuery({}),
  now,
);
const ceilingApp = express();
setUpViews(ceilingApp, true);
ceilingApp.get('/', async (_req, res) => {
  const locals = await matrixViewLocals(precomputed, drawnTable, true);
  await sendWithTable(
    res,
    'matrix/index',
    {
      cspNonce: 'bench',
      csrfToken: () => 'bench',
      requestId: 'bench',
      currentUser: admin,
      navigation: [],
      ...locals,
    },
    locals.table,
  );
});

const appServer = app.listen(0, '127.0.0.1');
const ceilingServer = ceilingApp.listen(0, '127.0.0.1');
const servers = [appServer, ceilingServer];
await Promise.all(servers.map((server) => new Promise((resolve) => server.once('listening', resolve))));
const address = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const addresses: BenchServerAddresses = { app: address(appServer), ceiling: address(ceilingServer) };
console.log(JSON.stringify(addresses));

process.once('SIGTERM', () => {
  for (const server of servers) {
    server.close();
    server.closeAllConnections();
  }
  void prisma.$disconnect().then(() => pool.end());
});
