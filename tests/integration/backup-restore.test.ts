import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { createCaches } from '../../src/caches.js';
import pg from 'pg';
import { adminQuery, databaseUrl } from '../../src/db/admin-query.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import type { Db } from '../../src/db/prisma.js';
import {
  assertCanChangeEvidence,
  checkUploadedFile,
  storeUpload,
} from '../../src/evidence/evidence.service.js';
import { createInspections } from '../../src/evidence/inspections.js';
import { createVirusScanner } from '../../src/evidence/virus-scanner.js';
import { sha256 } from '../../src/hash.js';
import { MIGRATIONS_DIR } from '../../src/project-root.js';
import { snapshotDigest } from '../../src/returns/snapshot.js';
import type { CurrentUser } from '../../src/auth/current-user.js';
import { testConfig } from '../support/app.js';
import { BOUNDS } from '../support/bounds.js';
import { connectToDatabase } from '../support/database.js';
import { pdfFile, pngFile } from '../support/evidence-files.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { backupServer, type BackupServer } from '../support/pg-tools.js';
import { answerReturn, attachEvidence, submitReturn } from '../support/review-fixtures.js';
import { testLogger } from '../support/test-logger.js';

// The procedure of docs/operations.md, run for real: pg_dump in custom format, pg_restore into a
// new database, and the restored database compared with the original row by row and byte by byte.

// Set-up may start a PostgreSQL cluster of its own (see backupServer).
jest.setTimeout(BOUNDS.processes);

const run = promisify(execFile);

let server: BackupServer;
const sourceName = `tracker_backup_${randomBytes(6).toString('hex')}`;
const restoredName = `tracker_restored_${randomBytes(6).toString('hex')}`;
let sourceUrl: string;
let restoredUrl: string;
let prisma: Db;
let disconnect: () => Promise<void>;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'tracker-backup-'));
  const runServer = process.env.TEST_SERVER_URL;
  if (!runServer) throw new Error('TEST_SERVER_URL is not set: run the tests with npm test.');
  server = await backupServer(runServer, testLogger);
  sourceUrl = databaseUrl(server.serverUrl, sourceName);
  restoredUrl = databaseUrl(server.serverUrl, restoredName);
  await adminQuery(server.serverUrl, `CREATE DATABASE ${sourceName}`);
  await migrate(sourceUrl, MIGRATIONS_DIR, testLogger);
  ({ prisma, disconnect } = connectToDatabase(sourceUrl));
  await importTestStandards(prisma);
  const world = await createTwoProviderWorld(prisma);

  // Provider A: every requirement answered, text evidence on two answers, then submitted (a snapshot
  // and its hash).
  await answerReturn(prisma, world.returnA.id, world.leadA.id);
  const [first, second] = await prisma.requirement.findMany({
    where: { frameworkVersionId: world.ais.id },
    orderBy: { position: 'asc' },
  });
  if (!first || !second) throw new Error('AIS 2025 has too few requirements');
  await attachEvidence(
    prisma,
    world.returnA.id,
    first.code,
    { fileName: 'Accessible communication policy.txt', content: 'Policy: ask, record, flag, share, meet.' },
    world.leadA.id,
  );
  await attachEvidence(
    prisma,
    world.returnA.id,
    second.code,
    { fileName: 'Staff training log.csv', content: 'name,date\nA. Nurse,2026-05-01\n' },
    world.leadA.id,
  );
  await submitReturn(prisma, world.returnA.id, world.leadA.id);

  // Provider B: in progress, binary evidence uploaded through the service; the PNG carries every byte
  // value after its end, so a lossy bytea round trip would show.
  const leadB: CurrentUser = {
    ...world.leadB,
    providerIds: [world.providerB.id],
    leadProviderIds: [world.providerB.id],
  };
  const everyByte = Array.from({ length: 256 }, (_, value) => value);
  const files = [
    { name: 'Easy read poster.png', content: Buffer.from([...pngFile(), ...everyByte]) },
    { name: 'Board report.pdf', content: Buffer.from(pdfFile()) },
  ];
  const config = testConfig();
  const checks = { maxBytes: 1024 * 1024, refuse: config.evidence.refuse };
  const deps = {
    prisma,
    caches: createCaches(),
    scanner: createVirusScanner(config.scanner),
    clock: () => new Date(),
    logger: testLogger,
    config,
  };
  for (const { name, content } of files) {
    const checked = await checkUploadedFile(
      { name, content, sha256: sha256(content), sizeBytes: content.byteLength },
      checks,
      createInspections(),
    );
    if (!checked.ok) throw new Error(`Upload refused: ${checked.error}`);
    const target = await assertCanChangeEvidence(deps, leadB, world.returnB.id, first.id);
    await storeUpload(deps, leadB, target, checked.file, { coversFrom: null, coversTo: null });
  }
});

afterAll(async () => {
  await disconnect();
  for (const name of [sourceName, restoredName]) {
    await adminQuery(server.serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  await server.stop();
  await rm(workDir, { recursive: true, force: true });
});

/** Rows of a query, as plain values (bytea as Buffers), for comparing two databases. */
async function rowsOf(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end();
  }
}

const RETURNS = `SELECT id, provider_id, status, version, due_date, submitted_at FROM returns ORDER BY id`;
const SUBMISSIONS = `SELECT id, return_id, sequence, snapshot, snapshot_sha256 FROM return_submissions ORDER BY id`;
const RESPONSES = `SELECT id, return_id, requirement_id, rating_level_id, narrative, version, updated_at
                     FROM responses ORDER BY id`;
const EVIDENCE = `SELECT e.id, e.provider_id, e.file_name, e.file_sha256, l.response_id
                    FROM evidence e LEFT JOIN evidence_links l ON l.evidence_id = e.id ORDER BY e.id, l.response_id`;
const FILES = `SELECT sha256, content, size_bytes, media_type FROM evidence_files ORDER BY sha256`;
const AUDIT = `SELECT id, action, entity_id FROM audit_events ORDER BY id`;
// The guards live in the schema (append-only audit, frozen submissions, the matrix's tallies).
const SCHEMA = `SELECT 'trigger ' || tgname AS name FROM pg_trigger WHERE NOT tgisinternal
                UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`;

test('a pg_dump restored with pg_restore into a new database gives the same returns, answers and evidence', async () => {
  const { tools } = server;
  const dumpFile = join(workDir, 'tracker.dump');
  await run(tools.pgDump, ['--format=custom', '--no-owner', `--file=${dumpFile}`, `--dbname=${sourceUrl}`]);
  await adminQuery(server.serverUrl, `CREATE DATABASE ${restoredName}`);
  await run(tools.pgRestore, ['--no-owner', '--exit-on-error', `--dbname=${restoredUrl}`, dumpFile]);

  const original = {
    returns: await rowsOf(sourceUrl, RETURNS),
    submissions: await rowsOf(sourceUrl, SUBMISSIONS),
    responses: await rowsOf(sourceUrl, RESPONSES),
    evidence: await rowsOf(sourceUrl, EVIDENCE),
    files: await rowsOf(sourceUrl, FILES),
    audit: await rowsOf(sourceUrl, AUDIT),
    schema: await rowsOf(sourceUrl, SCHEMA),
  };
  // The world is what the comparison is about: make sure it is not empty.
  expect(original.returns).toHaveLength(2);
  expect(original.submissions).toHaveLength(1);
  expect(original.files).toHaveLength(4);
  expect(original.evidence).toHaveLength(4);
  expect(original.schema.some((row) => String(row.name).startsWith('trigger '))).toBe(true);

  const restored = {
    returns: await rowsOf(restoredUrl, RETURNS),
    submissions: await rowsOf(restoredUrl, SUBMISSIONS),
    responses: await rowsOf(restoredUrl, RESPONSES),
    evidence: await rowsOf(restoredUrl, EVIDENCE),
    files: await rowsOf(restoredUrl, FILES),
    audit: await rowsOf(restoredUrl, AUDIT),
    schema: await rowsOf(restoredUrl, SCHEMA),
  };
  expect(restored).toEqual(original);

  // Evidence bytes: the SHA-256 of what came back is the hash recorded at upload.
  for (const file of restored.files) {
    expect(sha256(file.content as Buffer)).toBe(file.sha256);
    expect((file.content as Buffer).byteLength).toBe(file.size_bytes);
  }
  // The frozen snapshot still hashes to the digest recorded when it was submitted.
  for (const submission of restored.submissions) {
    expect(snapshotDigest(submission.snapshot as Parameters<typeof snapshotDigest>[0])).toBe(
      submission.snapshot_sha256,
    );
  }

  // _prisma_migrations came along: the app's migration runner finds nothing to do.
  const migrations = await migrate(restoredUrl, MIGRATIONS_DIR, testLogger);
  expect(migrations.applied).toEqual([]);
  expect(migrations.alreadyApplied).toBe((await readMigrations(MIGRATIONS_DIR)).length);
});
