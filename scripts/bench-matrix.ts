// `npm run bench:matrix`: the compliance matrix at national scale, measured over loopback against a
// real PostgreSQL (DATABASE_URL, else a throw-away embedded one) in a database of its own: 2,000
// providers; AIS 2025, EDS2 and EDS 2022 returns for three periods with every requirement answered;
// 50,000 evidence records. The app runs in this process and autocannon loads it with 10 connections.
// The "ceiling" is the same page rendered by EJS from data computed once, under the same load: the
// gap between the two is the price of reading the database per request. Prints a table and, last,
// one JSON line. Not part of the test run.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import autocannon from 'autocannon';
import connectPgSimple from 'connect-pg-simple';
import express from 'express';
import session from 'express-session';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Db } from '../src/db/prisma.js';
import { importStandards } from '../src/frameworks/import-standards.js';
import { sha256 } from '../src/hash.js';
import { createLogger } from '../src/logger.js';
import { createMailer } from '../src/mail/mailer.js';
import { MATRIX_STATES, matrixHref, matrixPage } from '../src/matrix/matrix.service.js';
import { parseMatrixQuery } from '../src/matrix/schemas.js';
import { NHSUK_FRONTEND_VERSION } from '../src/middleware/static.js';
import { pathTo, paths } from '../src/paths.js';
import { VIEWS_DIR } from '../src/project-root.js';
import { PROVIDER_TYPE_LABELS } from '../src/providers/provider-types.js';
import { RETURN_STATUS_TAGS } from '../src/returns/progress.js';
import { SERVICE_NAME } from '../src/view-locals.js';
import { openBenchDatabase, signIn } from './bench-support.js';

const PROVIDERS = 2_000;
const EVIDENCE_PER_PROVIDER = 25; // 50,000 evidence records
const CONNECTIONS = 10;
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const NOW = new Date('2026-11-22T12:00:00Z');
const logger = createLogger('silent');

let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

async function main(): Promise<void> {
  const sampler = setInterval(sampleRss, 50);
  const bench = await openBenchDatabase(logger);
  const { url, pool, prisma } = bench;
  const servers: Server[] = [];
  try {
    const seedStarted = performance.now();
    const fixture = await seed(prisma);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    console.log(`seeded in ${seedSeconds.toFixed(1)} s: ${JSON.stringify(fixture.counts)}`);
    // BENCH_KEEP=1 keeps the seeded database (printed) for looking at query plans.
    if (process.env.BENCH_KEEP === '1') {
      console.log(`kept ${url}`);
      return;
    }

    const PgStore = connectPgSimple(session);
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_SIGN_IN_PER_MINUTE: '100000',
      RATE_LIMIT_UPLOADS_PER_MINUTE: '100000',
    });
    const app = createApp({
      config,
      prisma,
      pool,
      logger,
      sessionStore: new PgStore({ pool, tableName: 'user_sessions', pruneSessionInterval: false }),
      sessionSecret: randomUUID() + randomUUID(),
      clock: () => NOW,
      mailer: createMailer(config.mail, logger),
    });
    // Views are compiled once, as in production (Express caches them when NODE_ENV=production).
    app.enable('view cache');
    const base = await listen(app, servers);
    const cookie = await signIn(base, fixture.adminId);

    // The ceiling: the same template, the same data, computed once; no database per request.
    const admin = { ...fixture.adminUser };
    const query = parseMatrixQuery({});
    const precomputed = await matrixPage(prisma, admin, query, NOW);
    const ceilingApp = express();
    ceilingApp.set('view engine', 'ejs');
    ceilingApp.set('views', VIEWS_DIR);
    ceilingApp.enable('view cache');
    Object.assign(ceilingApp.locals, {
      paths,
      pathTo,
      serviceName: SERVICE_NAME,
      nhsukVersion: NHSUK_FRONTEND_VERSION,
    });
    ceilingApp.get('/', (_req, res) => {
      res.render('matrix/index', {
        cspNonce: 'bench',
        csrfToken: 'bench',
        requestId: 'bench',
        currentUser: admin,
        navigation: [],
        page: precomputed,
        exportHref: matrixHref(precomputed.query, paths.matrix.export),
        providerTypes: Object.entries(PROVIDER_TYPE_LABELS).map(([value, text]) => ({ value, text })),
        states: MATRIX_STATES.map((value) => ({ value, text: RETURN_STATUS_TAGS[value].text })),
      });
    });
    const ceilingBase = await listen(ceilingApp, servers);

    const matrixPath = paths.matrix.show;
    const first = await get(base, matrixPath, cookie);
    if (!first.text.includes(`${PROVIDERS} providers`))
      throw new Error('The matrix does not list every provider');
    const ceilingFirst = await get(ceilingBase, '/', cookie);
    console.log(
      `matrix page ${(first.text.length / 1024).toFixed(0)} KB, ceiling page ${(ceilingFirst.text.length / 1024).toFixed(0)} KB`,
    );

    const results: { name: string; p50: number; p95: number; rps: number; errors: number }[] = [];
    const matrix = await load('matrix, all providers', base, matrixPath, cookie);
    results.push(matrix);
    const ceiling = await load('ceiling (precomputed)', ceilingBase, '/', cookie);
    results.push(ceiling);
    const filtered = await load(
      'matrix, filtered',
      base,
      `${matrixPath}?type=care_home&state=in_progress&sort=standard-AIS`,
      cookie,
    );
    results.push(filtered);

    const heatmapPath = optionalPath('heatmap');
    let heatmap: Awaited<ReturnType<typeof load>> | null = null;
    if (heatmapPath && (await get(base, heatmapPath, cookie)).status === 200) {
      heatmap = await load('heat map', base, heatmapPath, cookie);
      results.push(heatmap);
    }
    const returnPage = await load(
      'return page',
      base,
      pathTo(paths.returns.show, { returnId: fixture.returnId }),
      cookie,
    );
    results.push(returnPage);

    const csv = await csvExport(base, cookie, fixture.periodIds);

    console.log('');
    console.log('load (10 connections)            p50 ms   p95 ms      req/s   errors');
    for (const row of results) {
      console.log(
        `${row.name.padEnd(30)} ${row.p50.toFixed(0).padStart(8)} ${row.p95.toFixed(0).padStart(8)} ${row.rps.toFixed(1).padStart(10)} ${String(row.errors).padStart(8)}`,
      );
    }
    console.log(
      csv
        ? `CSV export of all requirement-level data (3 periods): ${csv.ms.toFixed(0)} ms, ${(csv.bytes / 1024 / 1024).toFixed(1)} MB, RSS growth ${csv.rssGrowthMb.toFixed(1)} MB`
        : 'CSV export of all requirement-level data: not available',
    );
    sampleRss();
    const ratio = ceiling.rps > 0 ? matrix.rps / ceiling.rps : 0;
    console.log(`matrix / ceiling throughput: ${ratio.toFixed(2)}; server peak RSS ${mb(peakRss)} MB`);
    console.log(
      JSON.stringify({
        providers: PROVIDERS,
        matrix_p50_ms: matrix.p50,
        matrix_p95_ms: matrix.p95,
        matrix_rps: round(matrix.rps),
        ceiling_rps: round(ceiling.rps),
        ratio: round(ratio, 2),
        filtered_matrix_p95_ms: filtered.p95,
        heatmap_p95_ms: heatmap ? heatmap.p95 : null,
        return_page_p95_ms: returnPage.p95,
        csv_export_ms: csv ? Math.round(csv.ms) : null,
        csv_rss_growth_mb: csv ? round(csv.rssGrowthMb, 1) : null,
        server_peak_rss_mb: mb(peakRss),
        seed_seconds: round(seedSeconds, 1),
      }),
    );
  } finally {
    clearInterval(sampler);
    for (const server of servers) server.close();
    await bench.close();
  }
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function listen(app: express.Express, servers: Server[]): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A path from paths.ts that another feature may or may not have added yet. */
function optionalPath(name: string): string | undefined {
  const value = (paths as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

async function get(base: string, path: string, cookie: string) {
  const response = await fetch(`${base}${path}`, { headers: { cookie } });
  return { status: response.status, text: await response.text() };
}

async function load(name: string, base: string, path: string, cookie: string) {
  // A short warm-up (JIT, connection pool), then the measured run.
  await autocannon({
    url: `${base}${path}`,
    connections: CONNECTIONS,
    duration: 2,
    headers: { cookie },
    workers: 1,
  });
  const result = await autocannon({
    url: `${base}${path}`,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    workers: 1,
    headers: { cookie },
  });
  sampleRss();
  return {
    name,
    p50: result.latency.p50,
    p95: percentile95(result),
    rps: result.requests.average,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

/** autocannon reports p90 and p97.5; p95 lies between: interpolate. */
function percentile95(result: autocannon.Result): number {
  const { p90, p97_5: p975 } = result.latency;
  return Math.round(p90 + ((p975 - p90) * (95 - 90)) / (97.5 - 90));
}

/**
 * The requirement-level CSV export of every period (one download per period), if the exports feature
 * has one: total time, size, and the largest RSS growth during a download.
 */
async function csvExport(base: string, cookie: string, periodIds: readonly string[]) {
  const exportsPaths = (paths as Record<string, unknown>).exports as Record<string, unknown> | undefined;
  const path = typeof exportsPaths?.requirements === 'string' ? exportsPaths.requirements : undefined;
  if (!path) return null;
  let ms = 0;
  let bytes = 0;
  let growth = 0;
  for (const periodId of periodIds) {
    const before = process.memoryUsage().rss;
    let peak = before;
    const watch = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
      sampleRss();
    }, 20);
    const started = performance.now();
    const response = await fetch(
      `${base}${path}?${new URLSearchParams({ periodId, format: 'csv' }).toString()}`,
      {
        headers: { cookie },
      },
    );
    const isCsv = response.status === 200 && (response.headers.get('content-type') ?? '').includes('csv');
    if (!isCsv || !response.body) {
      clearInterval(watch);
      await response.body?.cancel();
      return null;
    }
    const reader = response.body.getReader();
    for (;;) {
      const chunk = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (chunk.done) break;
      bytes += chunk.value?.byteLength ?? 0;
    }
    ms += performance.now() - started;
    clearInterval(watch);
    growth = Math.max(growth, (peak - before) / 1024 / 1024);
  }
  return { ms, bytes, rssGrowthMb: growth };
}

/** Bulk seeding in SQL (INSERT ... SELECT generate_series): seconds, not minutes. */
async function seed(prisma: Db) {
  await importStandards(prisma, logger);
  const admin = await prisma.user.create({
    data: { email: 'bench.admin@example.nhs.uk', displayName: 'Bench Admin', role: 'admin' },
  });
  await prisma.$executeRawUnsafe(`
    INSERT INTO users (email, display_name, role)
    SELECT 'manager' || i || '@example.nhs.uk', 'Contract Manager ' || i, 'contract_manager'
      FROM generate_series(1, 20) AS i`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO providers (name, ods_code, type)
    SELECT 'Provider ' || lpad(i::text, 4, '0') || ' NHS Trust', 'B' || lpad(i::text, 5, '0'),
           (enum_range(NULL::provider_type))[1 + i % 8]
      FROM generate_series(1, ${PROVIDERS}) AS i`);
  await prisma.$executeRawUnsafe(`
    WITH managers AS (SELECT id, row_number() OVER (ORDER BY email) - 1 AS n FROM users WHERE role = 'contract_manager'),
         numbered AS (SELECT id, row_number() OVER (ORDER BY ods_code) AS n FROM providers)
    INSERT INTO contracts (provider_id, reference, start_date, contract_manager_id)
    SELECT p.id, 'ICB-' || p.n, DATE '2023-04-01', m.id
      FROM numbered p JOIN managers m ON m.n = p.n % 20`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO contract_standards (contract_id, framework_id)
    SELECT c.id, f.id FROM contracts c CROSS JOIN frameworks f`);

  // Three periods: EDS2 then EDS 2022 for the EDS column; AIS 2025 throughout.
  const periods = [
    { label: '2023/24', start: '2023-04-01', end: '2024-03-31', eds: '2', due: '2024-03-31' },
    { label: '2024/25', start: '2024-04-01', end: '2025-03-31', eds: '2022', due: '2025-03-31' },
    { label: '2025/26', start: '2025-04-01', end: '2026-03-31', eds: '2022', due: '2026-10-31' },
  ];
  const versions = await prisma.frameworkVersion.findMany({ include: { framework: true } });
  const versionId = (framework: string, code: string) => {
    const found = versions.find((version) => version.framework.code === framework && version.code === code);
    if (!found)
      throw new Error(`No ${framework} ${code} version (codes: ${versions.map((v) => v.code).join(', ')})`);
    return found;
  };
  const ais = versionId('AIS', '2025');
  for (const [index, period] of periods.entries()) {
    const eds = versionId('EDS', period.eds);
    const created = await prisma.reportingPeriod.create({
      data: {
        label: period.label,
        startDate: new Date(period.start),
        endDate: new Date(period.end),
        standards: {
          create: [
            { frameworkId: ais.frameworkId, frameworkVersionId: ais.id, dueDate: new Date(period.due) },
            { frameworkId: eds.frameworkId, frameworkVersionId: eds.id, dueDate: new Date(period.due) },
          ],
        },
      },
    });
    const latest = index === periods.length - 1;
    // Older periods are all accepted; the latest has every state (by provider number).
    const status = latest
      ? `(ARRAY['not_started','in_progress','in_progress','submitted','submitted','returned','accepted','accepted','accepted','accepted'])[1 + (row_number() OVER (ORDER BY c.reference, ps.framework_id))::int % 10]::return_status`
      : `'accepted'::return_status`;
    await prisma.$executeRawUnsafe(`
      INSERT INTO returns (contract_id, provider_id, framework_version_id, period_id, status, original_due_date, due_date,
                           started_at, submitted_at, decided_at)
      SELECT c.id, c.provider_id, ps.framework_version_id, ps.period_id, ${status}, ps.due_date, ps.due_date,
             now(), now(), now()
        FROM contracts c CROSS JOIN period_standards ps
       WHERE ps.period_id = '${created.id}'`);
  }
  await prisma.$executeRawUnsafe(`
    UPDATE returns SET submitted_at = NULL, decided_at = NULL WHERE status IN ('not_started', 'in_progress', 'returned')`);
  // Every requirement answered: a level picked by a hash of (return, requirement), a narrative, a plan.
  await prisma.$executeRawUnsafe(`
    INSERT INTO responses (return_id, requirement_id, rating_level_id, narrative, action_plan, action_owner)
    SELECT r.id, q.id,
           (SELECT l.id FROM rating_levels l WHERE l.scale_id = q.rating_scale_id
             ORDER BY l.position
             OFFSET (abs(hashtext(r.id::text || q.id::text)) % (SELECT count(*) FROM rating_levels c WHERE c.scale_id = q.rating_scale_id)) LIMIT 1),
           'How ' || q.code || ' is met: staff are trained, the policy is reviewed annually and audited.',
           'Extend the audit to every site.', 'Head of patient experience'
      FROM returns r JOIN requirements q ON q.framework_version_id = r.framework_version_id`);
  // 50,000 evidence records sharing a few tiny files.
  const files = Array.from({ length: EVIDENCE_PER_PROVIDER }, (_, index) =>
    Buffer.from(`Evidence document ${index}\nPolicy text.\n`),
  );
  await prisma.evidenceFile.createMany({
    data: files.map((content) => ({
      sha256: sha256(content),
      content,
      sizeBytes: content.length,
      mediaType: 'text/plain',
    })),
  });
  await prisma.$executeRawUnsafe(`
    INSERT INTO evidence (provider_id, file_sha256, file_name, uploaded_by_id, covers_from, covers_to)
    SELECT p.id, f.sha256, 'evidence-' || p.ods_code || '-' || row_number() OVER (PARTITION BY p.id ORDER BY f.sha256) || '.txt',
           '${admin.id}', DATE '2025-04-01', DATE '2026-03-31'
      FROM providers p CROSS JOIN evidence_files f`);
  // Each evidence record linked to one answer of its provider's latest AIS return.
  await prisma.$executeRawUnsafe(`
    WITH ev AS (SELECT id, provider_id, row_number() OVER (PARTITION BY provider_id ORDER BY id) AS n FROM evidence),
         answers AS (
           SELECT s.id, r.provider_id, row_number() OVER (PARTITION BY r.id ORDER BY q.position, q.code) AS n,
                  count(*) OVER (PARTITION BY r.id) AS total
             FROM responses s JOIN returns r ON r.id = s.return_id JOIN requirements q ON q.id = s.requirement_id
            WHERE r.period_id = (SELECT id FROM reporting_periods WHERE label = '2025/26')
              AND r.framework_version_id = '${ais.id}')
    INSERT INTO evidence_links (evidence_id, response_id, linked_by_id)
    SELECT ev.id, a.id, '${admin.id}' FROM ev JOIN answers a ON a.provider_id = ev.provider_id AND a.n = 1 + (ev.n - 1) % a.total`);
  await prisma.$executeRawUnsafe('ANALYZE');

  const inProgress = await prisma.return.findFirstOrThrow({
    where: { status: 'in_progress', period: { label: '2025/26' }, frameworkVersionId: ais.id },
    select: { id: true },
  });
  const counts = {
    providers: await prisma.provider.count(),
    returns: await prisma.return.count(),
    responses: await prisma.response.count(),
    evidence: await prisma.evidence.count(),
    evidence_links: await prisma.evidenceLink.count(),
  };
  return {
    adminId: admin.id,
    adminUser: {
      id: admin.id,
      email: admin.email,
      displayName: admin.displayName,
      role: admin.role,
      providerIds: [] as string[],
    },
    returnId: inProgress.id,
    periodIds: (await prisma.reportingPeriod.findMany({ select: { id: true } })).map((period) => period.id),
    counts,
  };
}

await main();
