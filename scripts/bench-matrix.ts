// `npm run bench:matrix`: the compliance matrix at national scale, measured over loopback against a
// real PostgreSQL (DATABASE_URL, else a throw-away embedded one) in a database of its own: 2,000
// providers; AIS 2025, EDS2 and EDS 2022 returns for three periods with every requirement answered;
// 50,000 evidence records; publication records and WRES/WDES returns for the periods' years. The
// app runs in a child process (scripts/bench-matrix-server.ts) and autocannon loads it from this one
// with 10 connections, asking for gzip as a browser does (and once for no compression); the app's
// memory is read from /proc. The "ceiling" is the same page rendered by EJS from data computed once,
// in a child process of its own, under the same load. The app keeps what it read and drew while the
// data is unchanged, the ceiling draws every time, so the app may beat its "ceiling"; the first view
// after a change is timed apart. Prints a table and, last, one JSON line. Not part of the test run.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Db } from '../src/db/prisma.js';
import { createLogger } from '../src/logger.js';
import { pathTo, paths } from '../src/paths.js';
import type { CurrentUser } from '../src/auth/current-user.js';
import { signedInCookie } from '../tests/support/app.js';
import { SERVER_HEAP_LIMIT } from '../tests/support/server-process.js';
import type { BenchRole } from './bench-matrix-server.js';
import { openBenchDatabase, seedCommissioner, THREE_PERIODS } from './bench-support.js';

const PROVIDERS = 2_000;
const EVIDENCE_PER_PROVIDER = 25; // 50,000 evidence records
const CONNECTIONS = 10;
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const NOW = new Date('2026-11-22T12:00:00Z');
/** Issue 6's targets, kept with the obligation columns (issue 17). */
const TARGETS = { matrixP95Ms: 250, ratio: 0.5, csvRssGrowthMb: 100, serverPeakRssMb: 400 };
const logger = createLogger('silent');

/** The server's resident memory now and its peak so far (VmRSS, VmHWM), in bytes, from /proc. */
function serverMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kilobytes('VmRSS') * 1024, peak: kilobytes('VmHWM') * 1024 };
}

interface BenchServer {
  address: Promise<string>;
  pid: number;
  stop(): Promise<void>;
}

/** Starts scripts/bench-matrix-server.ts as `role` in a child process, with the loader this script runs under. */
function startBenchServer(role: BenchRole, url: string, admin: CurrentUser): BenchServer {
  const child = spawn(
    process.execPath,
    [...process.execArgv, SERVER_HEAP_LIMIT, join(import.meta.dirname, 'bench-matrix-server.ts')],
    {
      env: {
        ...process.env,
        BENCH_DATABASE_URL: url,
        BENCH_ROLE: role,
        BENCH_ADMIN: JSON.stringify(admin),
        BENCH_NOW: NOW.toISOString(),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { address: string }).address);
    });
    void exited.then(() => reject(new Error(`The benchmark's ${role} exited before listening: ${output}`)));
  });
  return {
    address,
    pid: child.pid ?? 0,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function main(): Promise<void> {
  const bench = await openBenchDatabase(logger);
  const { url, prisma } = bench;
  const servers: BenchServer[] = [];
  try {
    const seedStarted = performance.now();
    const fixture = await seedCommissioner(prisma, logger, {
      providers: PROVIDERS,
      evidencePerProvider: EVIDENCE_PER_PROVIDER,
      periods: THREE_PERIODS,
    });
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    console.log(`seeded in ${seedSeconds.toFixed(1)} s: ${JSON.stringify(fixture.counts)}`);
    // BENCH_KEEP=1 keeps the seeded database (printed) for looking at query plans.
    if (process.env.BENCH_KEEP === '1') {
      console.log(`kept ${url}`);
      return;
    }

    const server = startBenchServer('app', url, fixture.adminUser);
    const ceilingServer = startBenchServer('ceiling', url, fixture.adminUser);
    servers.push(server, ceilingServer);
    const [base, ceilingBase] = await Promise.all([server.address, ceilingServer.address]);
    const cookie = await signedInCookie(base, fixture.adminId);
    console.log(`server RSS once listening: ${String(mb(serverMemory(server.pid).rss))} MB`);

    const matrixPath = paths.matrix.show;
    const first = await get(base, matrixPath, cookie);
    if (!first.text.includes(`${PROVIDERS} providers`))
      throw new Error(
        `The matrix page (${String(first.status)}) does not list every provider: ${first.text.slice(0, 2000)}`,
      );
    // The WRES/WDES and obligation columns are there, worked out from the seeded facts and records.
    for (const shown of [
      '>WRES<span',
      'Modern slavery<span',
      'Not applicable',
      'Not known',
      'Published, not checked yet',
      'Checked',
    ])
      if (!first.text.includes(shown)) throw new Error(`The matrix page does not show "${shown}"`);
    const ceilingFirst = await get(ceilingBase, '/', cookie);
    const standardsOnlyFirst = await get(base, `${matrixPath}?obligation=none`, cookie);
    console.log(
      `matrix page ${kb(first.text.length)} KB, ${kb(first.wireBytes)} KB on the wire (${first.encoding}); ${kb(standardsOnlyFirst.text.length)} KB without the publication columns; ceiling page ${kb(ceilingFirst.text.length)} KB`,
    );

    // Each load's row notes the server's peak RSS so far (VmHWM), to see which load raised it.
    const results: Awaited<ReturnType<typeof load>>[] = [];
    const pid = server.pid;
    const measure = (name: string, at: string, path: string, compressed = true) =>
      load(name, at, path, cookie, pid, compressed).then((row) => {
        results.push(row);
        return row;
      });
    const matrix = await measure('matrix, all providers', base, matrixPath);
    // The same for a client that asks for no compression: every byte of the table on the wire.
    const uncompressed = await measure('matrix, not compressed', base, matrixPath, false);
    const ceiling = await measure('ceiling (precomputed)', ceilingBase, '/');
    // The same matrix without the publication columns: what those columns cost under the same load.
    const standardsOnly = await measure('matrix, standards only', base, `${matrixPath}?obligation=none`);
    const filtered = await measure(
      'matrix, filtered',
      base,
      `${matrixPath}?type=care_home&state=in_progress&sort=standard-AIS`,
    );
    const heatmap = await measure('heat map', base, paths.heatmap);
    const returnPage = await measure(
      'return page',
      base,
      pathTo(paths.returns.show, { returnId: fixture.returnId }),
    );

    const afterChange = await viewsAfterChange(base, matrixPath, cookie, prisma);

    const csv = await csvExport(base, cookie, fixture.periodIds, server.pid);

    console.log('');
    console.log('load (10 connections)            p50 ms   p95 ms      req/s   errors  peak RSS MB');
    for (const row of results) {
      console.log(
        `${row.name.padEnd(30)} ${row.p50.toFixed(0).padStart(8)} ${row.p95.toFixed(0).padStart(8)} ${row.rps.toFixed(1).padStart(10)} ${String(row.errors).padStart(8)} ${String(row.peakMb).padStart(12)}`,
      );
    }
    console.log(
      `CSV export of all requirement-level data (3 periods): ${csv.ms.toFixed(0)} ms, ${(csv.bytes / 1024 / 1024).toFixed(1)} MB, RSS growth ${csv.rssGrowthMb.toFixed(1)} MB`,
    );
    console.log(
      `matrix, first view after a change (read and drawn afresh; one at a time): median ${afterChange.median.toFixed(0)} ms, slowest ${afterChange.max.toFixed(0)} ms`,
    );
    const peakRss = serverMemory(server.pid).peak;
    const ratio = ceiling.rps > 0 ? matrix.rps / ceiling.rps : 0;
    console.log(`matrix / ceiling throughput: ${ratio.toFixed(2)}; server peak RSS ${mb(peakRss)} MB`);
    const missed = [
      matrix.p95 >= TARGETS.matrixP95Ms &&
        `matrix p95 ${String(matrix.p95)} ms (under ${String(TARGETS.matrixP95Ms)})`,
      ratio < TARGETS.ratio && `ratio ${ratio.toFixed(2)} (at least ${String(TARGETS.ratio)})`,
      csv.rssGrowthMb >= TARGETS.csvRssGrowthMb &&
        `CSV RSS growth ${csv.rssGrowthMb.toFixed(1)} MB (under ${String(TARGETS.csvRssGrowthMb)})`,
      mb(peakRss) >= TARGETS.serverPeakRssMb &&
        `server peak RSS ${String(mb(peakRss))} MB (under ${String(TARGETS.serverPeakRssMb)})`,
    ].filter((line) => typeof line === 'string');
    console.log(missed.length === 0 ? 'targets: all met' : `targets missed: ${missed.join('; ')}`);
    console.log(
      JSON.stringify({
        providers: PROVIDERS,
        matrix_p50_ms: matrix.p50,
        matrix_p95_ms: matrix.p95,
        matrix_rps: round(matrix.rps),
        matrix_kb: Math.round(first.text.length / 1024),
        matrix_gzip_kb: Math.round(first.wireBytes / 1024),
        uncompressed_matrix_p95_ms: uncompressed.p95,
        uncompressed_matrix_rps: round(uncompressed.rps),
        ceiling_rps: round(ceiling.rps),
        ratio: round(ratio, 2),
        matrix_after_change_median_ms: round(afterChange.median),
        standards_only_matrix_p95_ms: standardsOnly.p95,
        standards_only_matrix_rps: round(standardsOnly.rps),
        filtered_matrix_p95_ms: filtered.p95,
        heatmap_p95_ms: heatmap.p95,
        return_page_p95_ms: returnPage.p95,
        csv_export_ms: Math.round(csv.ms),
        csv_rss_growth_mb: round(csv.rssGrowthMb, 1),
        server_peak_rss_mb: mb(peakRss),
        targets_met: missed.length === 0,
        seed_seconds: round(seedSeconds, 1),
      }),
    );
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await bench.close();
  }
}

const kb = (bytes: number) => (bytes / 1024).toFixed(0);
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function get(base: string, path: string, cookie: string) {
  // fetch asks for gzip and inflates; Content-Length is the size on the wire.
  const response = await fetch(`${base}${path}`, { headers: { cookie } });
  return {
    status: response.status,
    text: await response.text(),
    wireBytes: Number(response.headers.get('content-length') ?? 0),
    encoding: response.headers.get('content-encoding') ?? 'none',
  };
}

/** What Chromium asks for; `compressed` false asks for none (a script, say). */
const BROWSER_ENCODINGS = 'gzip, deflate, br, zstd';

async function load(
  name: string,
  base: string,
  path: string,
  cookie: string,
  pid: number,
  compressed: boolean,
) {
  const headers = { cookie, 'accept-encoding': compressed ? BROWSER_ENCODINGS : 'identity' };
  // A short warm-up (JIT, connection pool), then the measured run.
  await autocannon({ url: `${base}${path}`, connections: CONNECTIONS, duration: 2, headers, workers: 1 });
  const result = await autocannon({
    url: `${base}${path}`,
    connections: CONNECTIONS,
    duration: DURATION_SECONDS,
    workers: 1,
    headers,
  });
  return {
    name,
    p50: result.latency.p50,
    p95: percentile95(result),
    rps: result.requests.average,
    errors: result.errors + result.non2xx + result.timeouts,
    peakMb: mb(serverMemory(pid).peak),
  };
}

/**
 * The matrix keeps what it read and drew until the data changes: the cost of the first view after a
 * change, measured one view at a time, each after a provider is touched (its statement changes the
 * fingerprint).
 */
async function viewsAfterChange(base: string, path: string, cookie: string, prisma: Db) {
  const times: number[] = [];
  for (let round = 0; round < 15; round += 1) {
    await prisma.$executeRaw`UPDATE providers SET name = name WHERE ods_code = 'B00001'`;
    const started = performance.now();
    const response = await get(base, path, cookie);
    times.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`The matrix answered ${String(response.status)}`);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] ?? 0, max: times.at(-1) ?? 0 };
}

/** autocannon reports p90 and p97.5; p95 lies between: interpolate. */
function percentile95(result: autocannon.Result): number {
  const { p90, p97_5: p975 } = result.latency;
  return Math.round(p90 + ((p975 - p90) * (95 - 90)) / (97.5 - 90));
}

/**
 * The requirement-level CSV export of every period (one download per period): total time, size, and
 * the server's largest RSS growth during a download.
 */
async function csvExport(base: string, cookie: string, periodIds: readonly string[], pid: number) {
  let ms = 0;
  let bytes = 0;
  let growth = 0;
  for (const periodId of periodIds) {
    const before = serverMemory(pid).rss;
    let peak = before;
    const watch = setInterval(() => {
      peak = Math.max(peak, serverMemory(pid).rss);
    }, 20);
    const started = performance.now();
    const response = await fetch(
      `${base}${paths.exports.requirements}?${new URLSearchParams({ periodId, format: 'csv' }).toString()}`,
      {
        headers: { cookie },
      },
    );
    const isCsv = response.status === 200 && (response.headers.get('content-type') ?? '').includes('csv');
    if (!isCsv || !response.body) throw new Error(`The CSV export answered ${String(response.status)}`);
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

await main();
