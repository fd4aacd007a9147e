// `npm run loadtest`: LOADTEST_USERS (50) signed-in users for LOADTEST_SECONDS (60) against the app
// running in a process of its own (src/server.ts, as `npm start` runs it), over loopback, on a
// database of its own (on DATABASE_URL's server, else a throw-away embedded PostgreSQL) seeded at
// ICB scale: LOADTEST_PROVIDERS (300) providers with AIS 2025 and EDS 2022 returns in one period.
// Provider leads (each their own provider) open, save and add evidence to their in-progress return;
// contract managers and viewers look at the matrix, returns and answers. Afterwards every save and
// upload the server acknowledged is looked for in the database. Prints a table per kind of request
// and, last, one JSON line. Exits non-zero on any error or lost write. Not part of the test run.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../src/hash.js';
import { createLogger } from '../src/logger.js';
import { pathTo, paths, withService } from '../src/paths.js';
import { freePort } from '../src/startup.js';
import { csrfTokenFrom, signedInCookie } from '../tests/support/app.js';
import { pdfFile, pngFile } from '../tests/support/evidence-files.js';
import { createProviderLead, createUser } from '../tests/support/fixtures.js';
import { startServerProcess, type ServerProcess } from '../tests/support/server-process.js';
import { openBenchDatabase, seedCommissioner, THREE_PERIODS, type BenchDatabase } from './bench-support.js';

const USERS = positiveInteger('LOADTEST_USERS', 50);
const SECONDS = positiveInteger('LOADTEST_SECONDS', 60);
const PROVIDERS = positiveInteger('LOADTEST_PROVIDERS', 300);
/** Mean pause between one user's actions (0: none, the default, as hard as the server will go). */
const THINK_MS = Number(process.env.LOADTEST_THINK_MS ?? 0);
if (!(THINK_MS >= 0)) throw new Error('LOADTEST_THINK_MS must be a number of milliseconds, 0 or more');
/** Share of the users who are provider leads; the rest are contract managers and viewers. */
const LEAD_SHARE = 0.6;
const TARGET_P99_MS = 1000;
const REQUEST_TIMEOUT_MS = 30_000;
const UPLOAD_PADDING_BYTES = 3 * 1024;
const logger = createLogger('silent');

type Kind = 'matrix' | 'return page' | 'requirement page' | 'save answer' | 'upload evidence';
const KINDS: readonly Kind[] = [
  'matrix',
  'return page',
  'requirement page',
  'save answer',
  'upload evidence',
];

/** What each kind of user does, by weight: a lead's "save" opens the requirement first, as a browser does. */
const LEAD_ACTIONS = [
  { action: 'return page', weight: 25 },
  { action: 'requirement page', weight: 25 },
  { action: 'save answer', weight: 35 },
  { action: 'upload evidence', weight: 15 },
] as const;
const STAFF_ACTIONS = [
  { action: 'matrix', weight: 40 },
  { action: 'return page', weight: 35 },
  { action: 'requirement page', weight: 25 },
] as const;

interface Requirement {
  id: string;
  levelCodes: string[];
  /** Answered per service (EDS 2022 Domain 1): its page is opened for one of the return's services. */
  perService: boolean;
}

interface ReturnTarget {
  returnId: string;
  requirements: Requirement[];
  /** The return's services (EDS 2022), as its task list links to them. */
  serviceIds: string[];
}

interface VirtualUser {
  role: 'provider_lead' | 'contract_manager' | 'viewer';
  userId: string;
  cookie: string;
  csrfToken: string;
  /** A lead's own in-progress return; staff pick any return of the period. */
  own: ReturnTarget | undefined;
}

interface SaveAttempt {
  key: string;
  marker: string;
  sequence: number;
  acknowledged: boolean;
}

interface UploadAck {
  sha256: string;
  returnId: string;
  requirementId: string;
}

const latencies = new Map<Kind, number[]>(KINDS.map((kind) => [kind, []]));
const errors = new Map<Kind, number>(KINDS.map((kind) => [kind, 0]));
const errorSamples: string[] = [];
const saves: SaveAttempt[] = [];
const uploads: UploadAck[] = [];
let saveSequence = 0;
// Ctrl-C ends the run early but still reports and cleans up (server process, database).
let stopRequested = false;

async function main(): Promise<number> {
  process.once('SIGINT', () => {
    stopRequested = true;
    console.log('stopping early: finishing requests in flight, then cleaning up');
  });
  const bench = await openBenchDatabase(logger);
  const dataDir = await mkdtemp(join(tmpdir(), 'tracker-loadtest-'));
  let server: ServerProcess | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const seedStarted = performance.now();
    const world = await seed(bench);
    console.log(
      `seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s: ${JSON.stringify(world.counts)}`,
    );

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = startServerProcess(dataDir, {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: bench.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      LOCAL_SIGN_IN: 'true',
      DEMO_DATA: 'false',
      // The scheduled jobs are not what is measured here.
      JOBS_ENABLED: 'false',
      // Every virtual user signs in from 127.0.0.1 within seconds, and uploads far faster than a person.
      RATE_LIMIT_SIGN_IN_PER_MINUTE: '100000',
      RATE_LIMIT_UPLOADS_PER_MINUTE: '100000',
      // For looking inside the server, e.g. LOADTEST_NODE_OPTIONS="--import=/path/to/profiler.mjs".
      ...(process.env.LOADTEST_NODE_OPTIONS ? { NODE_OPTIONS: process.env.LOADTEST_NODE_OPTIONS } : {}),
    });
    await waitUntilReady(base, server);
    const serverPid = server.child.pid ?? 0;
    const startRss = rssMb(serverPid);
    let peakRss = startRss;
    sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(serverPid))), 200);

    const users = await signInAll(base, world);
    console.log(
      `server pid ${serverPid} ready (RSS ${startRss} MB); ${users.length} users signed in ` +
        `(${users.filter((user) => user.own).length} provider leads); running ${SECONDS} s`,
    );
    const started = performance.now();
    const cpuBefore = cpuSeconds(serverPid);
    const waitBefore = runQueueWaitSeconds(serverPid);
    const deadline = started + SECONDS * 1000;
    await Promise.all(users.map((user) => runUser(base, user, world, deadline)));
    const elapsed = (performance.now() - started) / 1000;
    const serverCpu = cpuSeconds(serverPid) - cpuBefore;
    const serverWait = runQueueWaitSeconds(serverPid) - waitBefore;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, rssMb(serverPid));

    const writes = await checkWrites(bench);
    return report({ elapsed, peakRss, startRss, serverCpu, serverWait, writes });
  } finally {
    if (sampler) clearInterval(sampler);
    if (server) await stopServer(server);
    await bench.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The world and its users

async function seed(bench: BenchDatabase) {
  const { prisma, pool } = bench;
  const latest = THREE_PERIODS.at(-1);
  if (!latest) throw new Error('No period to seed');
  const seeded = await seedCommissioner(prisma, logger, {
    providers: PROVIDERS,
    evidencePerProvider: 5,
    periods: [latest],
  });
  const leadCount = Math.round(USERS * LEAD_SHARE);
  // Each lead gets a provider of their own whose AIS return is in progress.
  const editable = await pool.query<{ id: string; provider_id: string }>(
    `SELECT id, provider_id FROM returns
      WHERE status = 'in_progress' AND framework_version_id = $1
      ORDER BY provider_id LIMIT $2`,
    [seeded.aisVersionId, leadCount],
  );
  if (editable.rows.length < leadCount) {
    throw new Error(
      `Only ${editable.rows.length} in-progress returns for ${leadCount} leads: seed more providers`,
    );
  }
  const requirementsOf = await requirementsByVersion(bench);
  const aisRequirements = requirementsOf.get(seeded.aisVersionId) ?? [];
  const leads: { userId: string; own: ReturnTarget }[] = [];
  for (const row of editable.rows) {
    const lead = await createProviderLead(prisma, row.provider_id, { displayName: 'Load Test Lead' });
    leads.push({ userId: lead.id, own: { returnId: row.id, requirements: aisRequirements, serviceIds: [] } });
  }
  const managers = await prisma.user.findMany({ where: { role: 'contract_manager' }, select: { id: true } });
  const staff: { userId: string; role: 'contract_manager' | 'viewer' }[] = [];
  for (let index = 0; index < USERS - leadCount; index++) {
    // One in four staff users is a read-only viewer.
    const manager = managers[index % managers.length];
    if (index % 4 === 3 || !manager) {
      const viewer = await createUser(prisma, { role: 'viewer', displayName: 'Load Test Viewer' });
      staff.push({ userId: viewer.id, role: 'viewer' });
    } else {
      staff.push({ userId: manager.id, role: 'contract_manager' });
    }
  }
  const returns = await pool.query<{ id: string; framework_version_id: string; service_ids: string[] }>(
    `SELECT r.id, r.framework_version_id,
            coalesce(array_agg(s.id) FILTER (WHERE s.id IS NOT NULL), '{}') AS service_ids
       FROM returns r LEFT JOIN return_services s ON s.return_id = r.id
      GROUP BY r.id`,
  );
  const allReturns: ReturnTarget[] = returns.rows.map((row) => ({
    returnId: row.id,
    requirements: requirementsOf.get(row.framework_version_id) ?? [],
    serviceIds: row.service_ids,
  }));
  return { leads, staff, allReturns, counts: { ...seeded.counts, leads: leads.length, staff: staff.length } };
}

type World = Awaited<ReturnType<typeof seed>>;

async function requirementsByVersion(bench: BenchDatabase): Promise<Map<string, Requirement[]>> {
  const { rows } = await bench.pool.query<{
    id: string;
    framework_version_id: string;
    codes: string[];
    per_service: boolean;
  }>(
    `SELECT q.id, q.framework_version_id, array_agg(l.code ORDER BY l.position) AS codes,
            bool_or(g.code = v.per_service_group_code) AS per_service
       FROM requirements q JOIN rating_levels l ON l.scale_id = q.rating_scale_id
       JOIN requirement_groups g ON g.id = q.group_id
       JOIN framework_versions v ON v.id = q.framework_version_id
      GROUP BY q.id, q.framework_version_id`,
  );
  const byVersion = new Map<string, Requirement[]>();
  for (const row of rows) {
    const list = byVersion.get(row.framework_version_id) ?? [];
    list.push({ id: row.id, levelCodes: row.codes, perService: row.per_service });
    byVersion.set(row.framework_version_id, list);
  }
  return byVersion;
}

/** Signs every user in (a few at a time) and reads the CSRF token of their session from a page. */
async function signInAll(base: string, world: World): Promise<VirtualUser[]> {
  const pending = [
    ...world.leads.map((lead) => ({ role: 'provider_lead' as const, userId: lead.userId, own: lead.own })),
    ...world.staff.map((member) => ({ ...member, own: undefined })),
  ];
  const users: VirtualUser[] = [];
  for (let index = 0; index < pending.length; index += 5) {
    const batch = pending.slice(index, index + 5);
    users.push(
      ...(await Promise.all(
        batch.map(async (user) => {
          const cookie = await signedInCookie(base, user.userId);
          if (!cookie) throw new Error(`Could not sign in user ${user.userId}`);
          const page = await fetch(`${base}${paths.returns.list}`, { headers: { cookie } });
          if (page.status !== 200) throw new Error(`Signed-in user ${user.userId} got ${page.status}`);
          return { ...user, cookie, csrfToken: csrfTokenFrom(await page.text()) };
        }),
      )),
    );
  }
  return users;
}

// ---------------------------------------------------------------------------------------------
// Virtual users

async function runUser(base: string, user: VirtualUser, world: World, deadline: number): Promise<void> {
  while (performance.now() < deadline && !stopRequested) {
    if (user.own) {
      const target = user.own;
      const requirement = pick(target.requirements);
      switch (weighted(LEAD_ACTIONS)) {
        case 'return page':
          await get(base, user, 'return page', pathTo(paths.returns.show, { returnId: target.returnId }));
          break;
        case 'requirement page':
          await get(base, user, 'requirement page', requirementPath(target.returnId, requirement.id));
          break;
        case 'save answer':
          await saveAnswer(base, user, target.returnId, requirement);
          break;
        case 'upload evidence':
          await uploadEvidence(base, user, target.returnId, requirement.id);
          break;
      }
    } else {
      const target = pick(world.allReturns);
      switch (weighted(STAFF_ACTIONS)) {
        case 'matrix':
          await get(base, user, 'matrix', paths.matrix.show);
          break;
        case 'return page':
          await get(base, user, 'return page', pathTo(paths.returns.show, { returnId: target.returnId }));
          break;
        case 'requirement page':
          await get(base, user, 'requirement page', staffRequirementPath(target));
          break;
      }
    }
    if (THINK_MS > 0) {
      const pause = Math.min(THINK_MS * (0.5 + Math.random()), deadline - performance.now());
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

const requirementPath = (returnId: string, requirementId: string) =>
  pathTo(paths.returns.requirement, { returnId, requirementId });

/** A requirement of any return, for one of its services where it is answered per service. */
function staffRequirementPath(target: ReturnTarget): string {
  const requirement = pick(target.requirements);
  const path = requirementPath(target.returnId, requirement.id);
  return requirement.perService && target.serviceIds.length > 0
    ? withService(path, pick(target.serviceIds))
    : path;
}

/** Opens the requirement (for the answer's version, as the form carries it), then saves a new answer. */
async function saveAnswer(base: string, user: VirtualUser, returnId: string, requirement: Requirement) {
  const path = requirementPath(returnId, requirement.id);
  const page = await get(base, user, 'requirement page', path);
  const version = page ? /name="version" value="(\d+)"/.exec(page)?.[1] : undefined;
  if (version === undefined) return;
  const marker = `lt-${randomUUID()}`;
  const attempt: SaveAttempt = {
    key: `${returnId}|${requirement.id}`,
    marker,
    sequence: ++saveSequence,
    acknowledged: false,
  };
  saves.push(attempt);
  const body = new URLSearchParams({
    _csrf: user.csrfToken,
    version,
    rating: pick(requirement.levelCodes),
    narrative: `Staff are trained and the policy is audited every year. [${marker}]`,
    action: 'continue',
  });
  const response = await send(base, user, 'save answer', path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
  // Success is post/redirect/get: to the next requirement or back to the task list.
  if (response?.status === 302 && (response.location ?? '').startsWith(`/returns/${returnId}`)) {
    attempt.acknowledged = true;
  } else {
    failed(user, 'save answer', response ? describe(response) : 'no response');
  }
}

/** A few KB of real PDF or PNG, different every time, posted as the upload form does. */
async function uploadEvidence(base: string, user: VirtualUser, returnId: string, requirementId: string) {
  const marker = `${randomUUID()} ${'x'.repeat(UPLOAD_PADDING_BYTES)}`;
  const asPdf = Math.random() < 0.5;
  const content = asPdf ? pdfFile(marker) : pngFile(marker);
  const form = new FormData();
  // The token comes before the file, as in the page's form: the server checks it before reading the file.
  form.append('_csrf', user.csrfToken);
  form.append(
    'file',
    new Blob([content], { type: asPdf ? 'application/pdf' : 'image/png' }),
    asPdf ? 'policy.pdf' : 'poster.png',
  );
  const path = pathTo(paths.evidence.upload, { returnId, requirementId });
  const response = await send(base, user, 'upload evidence', path, { method: 'POST', body: form });
  if (response?.status === 302 && (response.location ?? '').endsWith('?done=uploaded')) {
    uploads.push({ sha256: sha256(content), returnId, requirementId });
  } else {
    failed(user, 'upload evidence', response ? describe(response) : 'no response');
  }
}

/** A page that must answer 200; returns its HTML. */
async function get(base: string, user: VirtualUser, kind: Kind, path: string): Promise<string | undefined> {
  const response = await send(base, user, kind, path, { method: 'GET' });
  if (response?.status === 200) return response.text;
  failed(user, kind, `${path}: ${response ? describe(response) : 'no response'}`);
  return undefined;
}

/**
 * One timed request with the user's session cookie; the body is read in full before the clock
 * stops. Network errors and time-outs are recorded and give `undefined`.
 */
async function send(base: string, user: VirtualUser, kind: Kind, path: string, init: RequestInit) {
  const started = performance.now();
  try {
    const response = await fetch(`${base}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string> | undefined), cookie: user.cookie },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    latencies.get(kind)?.push(performance.now() - started);
    return { status: response.status, location: response.headers.get('location'), text };
  } catch (error) {
    latencies.get(kind)?.push(performance.now() - started);
    if (errorSamples.length < 10)
      errorSamples.push(`${kind} (${user.role} ${user.userId}): ${String(error)}`);
    return undefined;
  }
}

/** Status, redirect and the page's heading: enough to tell a refusal from a crash. */
function describe(response: { status: number; location: string | null; text: string }): string {
  const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/
    .exec(response.text)?.[1]
    ?.replace(/<[^>]+>|\s+/g, ' ')
    .trim();
  return [String(response.status), response.location, heading].filter(Boolean).join(' ');
}

function failed(user: VirtualUser, kind: Kind, detail: string): void {
  errors.set(kind, (errors.get(kind) ?? 0) + 1);
  if (errorSamples.length < 10) errorSamples.push(`${kind} (${user.role} ${user.userId}): ${detail}`);
}

// ---------------------------------------------------------------------------------------------
// Nothing lost

/**
 * Every acknowledged save must be in the audit trail (written in the same transaction as the answer),
 * and each answer must hold the last acknowledged save, or a later attempt whose reply was lost.
 * Every acknowledged upload must be stored (bytes that hash to its SHA-256) and linked to its answer.
 */
async function checkWrites(bench: BenchDatabase) {
  const { pool } = bench;
  const acknowledged = saves.filter((save) => save.acknowledged);
  const audited = await pool.query<{ marker: string }>(
    `SELECT substring(after->>'narrative' from '\\[(lt-[0-9a-f-]+)\\]') AS marker
       FROM audit_events WHERE action = 'response.saved' AND after->>'narrative' LIKE '%[lt-%'`,
  );
  const auditedMarkers = new Set(audited.rows.map((row) => row.marker));
  const current = await pool.query<{ key: string; marker: string | null }>(
    `SELECT return_id || '|' || requirement_id AS key,
            substring(narrative from '\\[(lt-[0-9a-f-]+)\\]') AS marker
       FROM responses WHERE narrative LIKE '%[lt-%'`,
  );
  const currentMarker = new Map(current.rows.map((row) => [row.key, row.marker]));
  const sequenceOf = new Map(saves.map((save) => [save.marker, save.sequence]));
  const lastAcknowledged = new Map<string, SaveAttempt>();
  for (const save of acknowledged) lastAcknowledged.set(save.key, save);

  const lost = new Set<string>();
  for (const save of acknowledged) if (!auditedMarkers.has(save.marker)) lost.add(save.marker);
  for (const [key, save] of lastAcknowledged) {
    const stored = currentMarker.get(key);
    const storedSequence = stored ? (sequenceOf.get(stored) ?? 0) : 0;
    if (storedSequence < save.sequence) lost.add(save.marker);
  }

  const stored = await pool.query<{ found: string }>(
    `SELECT f.sha256 || '|' || r.return_id || '|' || r.requirement_id AS found
       FROM evidence_files f
       JOIN evidence e ON e.file_sha256 = f.sha256
       JOIN evidence_links l ON l.evidence_id = e.id
       JOIN responses r ON r.id = l.response_id
      WHERE f.sha256 = ANY($1) AND encode(sha256(f.content), 'hex') = f.sha256`,
    [uploads.map((upload) => upload.sha256)],
  );
  const found = new Set(stored.rows.map((row) => row.found));
  const lostUploads = uploads.filter(
    (upload) => !found.has(`${upload.sha256}|${upload.returnId}|${upload.requirementId}`),
  ).length;
  return {
    acknowledgedSaves: acknowledged.length,
    acknowledgedUploads: uploads.length,
    lostSaves: lost.size,
    lostUploads,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

function report(run: {
  elapsed: number;
  peakRss: number;
  startRss: number;
  /** CPU seconds the server process used during the run. */
  serverCpu: number;
  /** Seconds the server's threads were ready to run but waiting for a CPU during the run. */
  serverWait: number;
  writes: Awaited<ReturnType<typeof checkWrites>>;
}): number {
  const all = KINDS.flatMap((kind) => latencies.get(kind) ?? []);
  const totalErrors = KINDS.reduce((sum, kind) => sum + (errors.get(kind) ?? 0), 0);
  console.log('');
  console.log('kind                  requests   errors   p50 ms   p95 ms   p99 ms   max ms');
  for (const kind of [...KINDS, 'all' as const]) {
    const values = kind === 'all' ? all : (latencies.get(kind) ?? []);
    const failures = kind === 'all' ? totalErrors : (errors.get(kind) ?? 0);
    console.log(
      `${kind.padEnd(20)} ${String(values.length).padStart(9)} ${String(failures).padStart(8)} ` +
        [50, 95, 99, 100].map((p) => percentile(values, p).toFixed(0).padStart(8)).join(' '),
    );
  }
  for (const sample of errorSamples) console.log(`error: ${sample}`);
  const { writes } = run;
  const acknowledged = writes.acknowledgedSaves + writes.acknowledgedUploads;
  const lost = writes.lostSaves + writes.lostUploads;
  const p99 = percentile(all, 99);
  console.log(
    `\n${all.length} requests in ${run.elapsed.toFixed(1)} s (${(all.length / run.elapsed).toFixed(1)}/s); ` +
      `acknowledged writes ${acknowledged} (${writes.acknowledgedSaves} saves, ${writes.acknowledgedUploads} uploads), ` +
      `lost ${lost}; server RSS ${run.startRss} MB at start, ${run.peakRss} MB peak`,
  );
  // How much CPU the server got, and needed per request: on a shared machine the first explains the
  // latency (closed loop: latency is users / throughput), the second is the cost to cut.
  const cpuShare = run.serverCpu / run.elapsed;
  const cpuPerRequest = all.length > 0 ? (run.serverCpu * 1000) / all.length : 0;
  console.log(
    `server CPU ${run.serverCpu.toFixed(1)} s (${cpuShare.toFixed(2)} of a core), ` +
      `${cpuPerRequest.toFixed(1)} ms per request; ${run.serverWait.toFixed(1)} s waiting for a CPU; machine load average ${loadavg()[0]?.toFixed(1) ?? '?'} on ${availableParallelism()} cores`,
  );
  const targets = [
    { name: 'no errors', met: totalErrors === 0 },
    { name: `p99 under ${TARGET_P99_MS} ms`, met: p99 < TARGET_P99_MS },
    { name: 'no acknowledged write lost', met: lost === 0 },
  ];
  for (const target of targets) console.log(`target ${target.name}: ${target.met ? 'met' : 'NOT met'}`);
  console.log(
    JSON.stringify({
      users: USERS,
      seconds: SECONDS,
      elapsed_s: round(run.elapsed),
      think_ms: THINK_MS,
      providers: PROVIDERS,
      requests: all.length,
      errors: totalErrors,
      rps: round(all.length / run.elapsed),
      p50_ms: round(percentile(all, 50)),
      p95_ms: round(percentile(all, 95)),
      p99_ms: round(p99),
      acknowledged_writes: acknowledged,
      lost_writes: lost,
      ...Object.fromEntries(
        KINDS.map((kind) => [
          `${kind.replace(/ /g, '_')}_p99_ms`,
          round(percentile(latencies.get(kind) ?? [], 99)),
        ]),
      ),
      server_start_rss_mb: run.startRss,
      server_peak_rss_mb: run.peakRss,
      server_cpu_cores: Number(cpuShare.toFixed(2)),
      server_cpu_ms_per_request: round(cpuPerRequest),
      server_cpu_wait_s: round(run.serverWait),
    }),
  );
  return totalErrors > 0 || lost > 0 ? 1 : 0;
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

const round = (value: number) => Number(value.toFixed(1));

// ---------------------------------------------------------------------------------------------
// The server process

async function waitUntilReady(base: string, server: ServerProcess): Promise<void> {
  const giveUp = performance.now() + 120_000;
  const running = () => server.child.exitCode === null && server.child.signalCode === null;
  while (performance.now() < giveUp && running()) {
    const status = await fetch(`${base}${paths.health.ready}`)
      .then((response) => response.status)
      .catch(() => 0);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The server did not become ready. Its output:\n${server.output()}`);
}

/** SIGTERM (the server's own orderly shut-down), then SIGKILL if it takes too long. */
async function stopServer(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
  await server.exited;
  clearTimeout(timer);
}

/** User and system CPU time of a process from /proc (Linux), in seconds; 0 where that cannot be read. */
function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces, hence from the last ')'): utime is the
    // 12th and stime the 13th, in clock ticks (100 a second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').at(-1)?.trim().split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Time a process's threads spent runnable but not running (waiting for a CPU), from
 * /proc/<pid>/task/<tid>/schedstat (Linux; its second field, in nanoseconds); 0 where unreadable.
 */
function runQueueWaitSeconds(pid: number): number {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1] ?? 0);
    }
    return total / 1e9;
  } catch {
    return 0;
  }
}

/** Resident memory of a process from /proc (Linux); 0 where that cannot be read. */
function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0`);
  return value;
}

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('Nothing to pick from');
  return item;
}

function weighted<T extends string>(choices: readonly { action: T; weight: number }[]): T {
  const total = choices.reduce((sum, choice) => sum + choice.weight, 0);
  let roll = Math.random() * total;
  for (const choice of choices) {
    roll -= choice.weight;
    if (roll < 0) return choice.action;
  }
  return pick(choices).action;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(error);
  return 1;
});
