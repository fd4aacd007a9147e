import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { createApp } from '../src/app.js';
import { createCaches } from '../src/caches.js';
import { loadConfig } from '../src/config.js';
import { adminQuery, databaseUrl } from '../src/db/admin-query.js';
import { startThrowawayPostgres } from '../src/db/embedded-postgres.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, createPrisma, type Db } from '../src/db/prisma.js';
import { importStandards } from '../src/frameworks/import-standards.js';
import { loadObligations } from '../src/obligations/obligation-files.js';
import { sha256 } from '../src/hash.js';
import type { Logger } from '../src/logger.js';
import { createVirusScanner } from '../src/evidence/virus-scanner.js';
import { createMailer } from '../src/mail/mailer.js';
import { createSessionStore } from '../src/middleware/session.js';
import { MIGRATIONS_DIR } from '../src/project-root.js';

/**
 * The app as the benchmarks run it: sessions in PostgreSQL, no logging, mail configured but never
 * sent by the pages measured; `environment` adds settings (rate limits, say).
 */
export function createBenchApp(options: {
  pool: pg.Pool;
  prisma: Db;
  logger: Logger;
  clock: () => Date;
  environment?: Record<string, string>;
}) {
  const { pool, prisma, logger, clock } = options;
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...options.environment });
  return createApp({
    config,
    prisma,
    pool,
    logger,
    sessionStore: createSessionStore(pool, clock),
    sessionSecret: randomUUID() + randomUUID(),
    clock,
    mailer: createMailer(config.mail, logger),
    caches: createCaches(),
    scanner: createVirusScanner(config.scanner),
  });
}

export interface BenchDatabase {
  url: string;
  pool: ReturnType<typeof createPool>;
  prisma: Db;
  /** Closes the connections and drops the database (kept with BENCH_KEEP=1), then any embedded server. */
  close(): Promise<void>;
}

/** A migrated database of the benchmark's own: on DATABASE_URL's server, else a throw-away embedded one. */
export async function openBenchDatabase(logger: Logger): Promise<BenchDatabase> {
  const embedded = process.env.DATABASE_URL ? undefined : await startThrowawayPostgres(logger);
  const serverUrl = process.env.DATABASE_URL ?? embedded?.connectionString ?? '';
  const database = `tracker_bench_${randomUUID().slice(0, 8)}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${database}`);
  const url = databaseUrl(serverUrl, database);
  await migrate(url, MIGRATIONS_DIR, logger);
  const pool = createPool(url, 10);
  const prisma = createPrisma(pool);
  return {
    url,
    pool,
    prisma,
    async close() {
      await prisma.$disconnect();
      await pool.end();
      if (process.env.BENCH_KEEP !== '1') {
        await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      }
      await embedded?.stop();
    },
  };
}

/** A reporting period of the seeded world; `eds` is the EDS version code its returns use. */
export interface SeedPeriod {
  label: string;
  start: string;
  end: string;
  eds: string;
  due: string;
}

/** Three periods: EDS2 then EDS 2022 for the EDS column; AIS 2025 throughout. */
export const THREE_PERIODS: readonly SeedPeriod[] = [
  { label: '2023/24', start: '2023-04-01', end: '2024-03-31', eds: '2', due: '2024-03-31' },
  { label: '2024/25', start: '2024-04-01', end: '2025-03-31', eds: '2022', due: '2025-03-31' },
  { label: '2025/26', start: '2025-04-01', end: '2026-03-31', eds: '2022', due: '2026-10-31' },
];

/**
 * A commissioner's world, bulk-seeded in SQL (INSERT ... SELECT generate_series): seconds, not minutes.
 * `providers` providers with a contract each (20 contract managers), an AIS 2025 and an EDS return per
 * period (oldest first; all accepted but the last, which has every state), every requirement answered,
 * `evidencePerProvider` evidence records per provider linked to its latest AIS answers.
 */
export async function seedCommissioner(
  prisma: Db,
  logger: Logger,
  options: { providers: number; evidencePerProvider: number; periods: readonly SeedPeriod[] },
) {
  await importStandards(prisma, logger);
  const admin = await prisma.user.create({
    data: { email: 'bench.admin@example.nhs.uk', displayName: 'Bench Admin', role: 'admin' },
  });
  await prisma.$executeRawUnsafe(`
    INSERT INTO users (email, display_name, role)
    SELECT 'manager' || i || '@example.nhs.uk', 'Contract Manager ' || i, 'contract_manager'
      FROM generate_series(1, 20) AS i`);
  // The facts the obligation columns are worked out from, in every combination the rules look at
  // (sector, employees, turnover, year end, mental health services); one provider in 20 has none
  // recorded, so "not known" shows too.
  await prisma.$executeRawUnsafe(`
    INSERT INTO providers (name, ods_code, type, sector, headcount_band, turnover_band, financial_year_end_month,
                           provides_mental_health_services)
    SELECT 'Provider ' || lpad(i::text, 4, '0') || ' NHS Trust', 'B' || lpad(i::text, 5, '0'),
           (enum_range(NULL::provider_type))[1 + i % 8],
           CASE WHEN i % 20 = 0 THEN NULL ELSE (enum_range(NULL::provider_sector))[1 + i % 8] END,
           CASE WHEN i % 20 = 0 THEN NULL ELSE (enum_range(NULL::headcount_band))[1 + (i / 3) % 4] END,
           CASE WHEN i % 20 = 0 THEN NULL ELSE (enum_range(NULL::turnover_band))[1 + (i / 7) % 4] END,
           CASE WHEN i % 20 = 0 THEN NULL ELSE (ARRAY[3, 3, 3, 12, 6])[1 + i % 5] END,
           CASE WHEN i % 20 = 0 THEN NULL ELSE i % 3 = 0 END
      FROM generate_series(1, ${options.providers}) AS i`);
  await prisma.$executeRawUnsafe(`
    WITH managers AS (SELECT id, row_number() OVER (ORDER BY email) - 1 AS n FROM users WHERE role = 'contract_manager'),
         numbered AS (SELECT id, row_number() OVER (ORDER BY ods_code) AS n FROM providers)
    INSERT INTO contracts (provider_id, reference, start_date, contract_manager_id)
    SELECT p.id, 'ICB-' || p.n, DATE '2023-04-01', m.id
      FROM numbered p JOIN managers m ON m.n = p.n % 20`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO contract_standards (contract_id, framework_id)
    SELECT c.id, f.id FROM contracts c CROSS JOIN frameworks f`);

  const periods = options.periods;
  const latestLabel = periods.at(-1)?.label ?? '';
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
  // Every requirement answered: a level picked by a hash of (return, requirement) and a narrative.
  await prisma.$executeRawUnsafe(`
    INSERT INTO responses (return_id, requirement_id, rating_level_id, narrative)
    SELECT r.id, q.id,
           (SELECT l.id FROM rating_levels l WHERE l.scale_id = q.rating_scale_id
             ORDER BY l.position
             OFFSET (abs(hashtext(r.id::text || q.id::text)) % (SELECT count(*) FROM rating_levels c WHERE c.scale_id = q.rating_scale_id)) LIMIT 1),
           'How ' || q.code || ' is met: staff are trained, the policy is reviewed annually and audited.'
      FROM returns r JOIN requirements q ON q.framework_version_id = r.framework_version_id`);
  // Evidence records sharing a few tiny files.
  const files = Array.from({ length: options.evidencePerProvider }, (_, index) =>
    Buffer.from(`Evidence document ${index}\nPolicy text.\n`),
  );
  await prisma.evidenceFile.createMany({
    data: files.map((content) => ({
      sha256: sha256(content),
      content,
      sizeBytes: content.length,
      scanStatus: 'unscanned',
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
            WHERE r.period_id = (SELECT id FROM reporting_periods WHERE label = '${latestLabel}')
              AND r.framework_version_id = '${ais.id}')
    INSERT INTO evidence_links (evidence_id, response_id, linked_by_id)
    SELECT ev.id, a.id, '${admin.id}' FROM ev JOIN answers a ON a.provider_id = ev.provider_id AND a.n = 1 + (ev.n - 1) % a.total`);
  // Publication records for the periods' financial years: for each provider and obligation, none,
  // published or checked (by a hash), so the matrix's obligation columns show every state.
  const obligations = loadObligations().all.map(({ code, version }) => `('${code}', ${version})`);
  const years = periods.map((period) => Number(period.start.slice(0, 4)));
  await prisma.$executeRawUnsafe(`
    INSERT INTO publications (provider_id, obligation_code, obligation_version, year, status, url, published_on,
                              recorded_by_id, recorded_at, checked_by_id, checked_at)
    SELECT p.id, o.code, o.version, y.year, s.status::publication_status,
           'https://www.example.org/' || p.ods_code || '/' || o.code || '/' || y.year,
           make_date(y.year, 9, 1), '${admin.id}', now(),
           CASE WHEN s.status = 'checked' THEN '${admin.id}'::uuid END, CASE WHEN s.status = 'checked' THEN now() END
      FROM providers p
     CROSS JOIN (VALUES ${obligations.join(', ')}) AS o(code, version)
     CROSS JOIN unnest(ARRAY[${years.join(',')}]) AS y(year)
     CROSS JOIN LATERAL (SELECT (ARRAY[NULL, 'published', 'checked', 'checked'])[1 + abs(hashtext(p.id::text || o.code || y.year)) % 4] AS status) s
     WHERE s.status IS NOT NULL`);
  // WRES and WDES returns for the periods' years: for each provider and standard, none or one in a
  // state picked by a hash, so the matrix's workforce columns show every state (issue 17).
  await prisma.$executeRawUnsafe(`
    INSERT INTO workforce_returns (provider_id, standard_code, standard_version, year, status, created_by_id)
    SELECT p.id, w.code, w.version, y.year, s.status::return_status, '${admin.id}'
      FROM providers p
     CROSS JOIN (VALUES ('WRES', '2025'), ('WDES', '2023')) AS w(code, version)
     CROSS JOIN unnest(ARRAY[${years.join(',')}]) AS y(year)
     CROSS JOIN LATERAL (SELECT (ARRAY[NULL, 'in_progress', 'submitted', 'returned', 'accepted', 'accepted'])[1 + abs(hashtext(p.id::text || w.code || y.year)) % 6] AS status) s
     WHERE s.status IS NOT NULL`);
  await prisma.$executeRawUnsafe('ANALYZE');

  const inProgress = await prisma.return.findFirstOrThrow({
    where: { status: 'in_progress', period: { label: latestLabel }, frameworkVersionId: ais.id },
    select: { id: true },
  });
  const counts = {
    providers: await prisma.provider.count(),
    returns: await prisma.return.count(),
    responses: await prisma.response.count(),
    evidence: await prisma.evidence.count(),
    evidence_links: await prisma.evidenceLink.count(),
    publications: await prisma.publication.count(),
    workforce_returns: await prisma.workforceReturn.count(),
  };
  return {
    adminId: admin.id,
    adminUser: {
      id: admin.id,
      email: admin.email,
      displayName: admin.displayName,
      role: admin.role,
      providerIds: [] as string[],
      leadProviderIds: [] as string[],
    },
    returnId: inProgress.id,
    aisVersionId: ais.id,
    periodIds: (await prisma.reportingPeriod.findMany({ select: { id: true } })).map((period) => period.id),
    counts,
  };
}
