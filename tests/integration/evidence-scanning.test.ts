import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { run as rescanEvidence, type RescanJobDeps } from '../../jobs/rescan-evidence.js';
import { scheduledJobs } from '../../jobs/schedule.js';
import { createVirusScanner, warnWithoutScanner } from '../../src/evidence/virus-scanner.js';
import { sha256 } from '../../src/hash.js';
import { createLogger } from '../../src/logger.js';
import { pathTo, paths } from '../../src/paths.js';
import { buildTestApp, csrfTokenFrom, signedInAgent, testConfig, type Agent } from '../support/app.js';
import {
  EICAR,
  EICAR_SIGNATURE,
  MALWARE_MARKER,
  MARKER_SIGNATURE,
  startSwitchableClamd,
  startTarpit,
  testClamdEnvironment,
} from '../support/clamd.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { pdfFile } from '../support/evidence-files.js';
import { createTwoProviderWorld, importTestStandards } from '../support/fixtures.js';
import { testLogger } from '../support/test-logger.js';

// Every evidence file goes through a real ClamAV daemon (tests/support/clamd.ts) before anyone may
// download it: clean, found (EICAR), the scanner down and back, a scan that times out, and files kept
// while there was no scanner. The rescan job is run directly, on a frozen clock.

let db: TestDatabase;
let world: Awaited<ReturnType<typeof createTwoProviderWorld>>;
let now = new Date('2026-06-01T09:00:00Z');
const clock = () => now;

beforeAll(async () => {
  db = await createTestDatabase();
  await importTestStandards(db.prisma);
  world = await createTwoProviderWorld(db.prisma);
});
afterAll(async () => {
  await db.drop();
});

/** An app (and a signed-in lead of provider A) with these settings; the real clamd unless told otherwise. */
async function scanningApp(environment: Record<string, string> = testClamdEnvironment()) {
  const config = testConfig(environment);
  const app = buildTestApp(db, { config, clock });
  const lead = await signedInAgent(app, world.leadA.id);
  const jobDeps: RescanJobDeps = {
    prisma: db.prisma,
    pool: db.pool,
    logger: testLogger,
    clock,
    config,
    scanner: createVirusScanner(config.scanner),
  };
  return { app, lead, jobDeps };
}

/** The rescan job as scheduled, against whatever scanner `environment` names. */
function runRescan(environment: Record<string, string> = testClamdEnvironment()) {
  const config = testConfig(environment);
  return rescanEvidence({
    prisma: db.prisma,
    pool: db.pool,
    logger: testLogger,
    clock,
    config,
    scanner: createVirusScanner(config.scanner),
  });
}

const requirementOf = (index: number) => {
  const response = world.returnA.responses[index];
  if (!response) throw new Error(`return A has no response ${String(index)}`);
  return response.requirementId;
};
const evidencePath = (requirementId: string) =>
  pathTo(paths.evidence.upload, { returnId: world.returnA.id, requirementId });

async function upload(agent: Agent, requirementId: string, content: Buffer, name: string) {
  const page = evidencePath(requirementId);
  const token = csrfTokenFrom((await agent.get(page).expect(200)).text);
  const response = await agent.post(page).field('_csrf', token).attach('file', content, name).expect(302);
  const evidence = await db.prisma.evidence.findFirstOrThrow({ where: { fileSha256: sha256(content) } });
  return {
    done: /[?&]done=([a-z-]+)/.exec(response.headers.location ?? '')?.[1],
    download: pathTo(paths.evidence.download, { evidenceId: evidence.id }),
    file: () => db.prisma.evidenceFile.findUniqueOrThrow({ where: { sha256: sha256(content) } }),
  };
}

test('a clean file is scanned at upload: "Ready", with its download link', async () => {
  const { lead } = await scanningApp();
  const requirement = requirementOf(0);
  const uploaded = await upload(lead, requirement, pdfFile(), 'Policy.pdf');
  expect(uploaded.done).toBe('uploaded');
  expect(await uploaded.file()).toMatchObject({ scanStatus: 'clean', scannedAt: now, scanSignature: null });
  const page = (await lead.get(evidencePath(requirement)).expect(200)).text;
  expect(page).toContain('Each file is checked for viruses before anyone can download it.');
  expect(page).toContain('<strong class="nhsuk-tag nhsuk-tag--green">Ready</strong>');
  expect(page).toContain(`href="${uploaded.download}"`);
  await lead.get(uploaded.download).expect(200);
});

test('EICAR is quarantined: audited, shown to staff with its signature, never downloaded or added elsewhere', async () => {
  const { app, lead } = await scanningApp();
  const requirement = requirementOf(1);
  const uploaded = await upload(lead, requirement, Buffer.from(EICAR), 'notes.txt');
  expect(uploaded.done).toBe('blocked');
  const file = await uploaded.file();
  expect(file).toMatchObject({ scanStatus: 'infected', scanSignature: EICAR_SIGNATURE, scannedAt: now });
  expect(
    await db.prisma.auditEvent.findMany({
      where: { action: 'evidence.quarantined', entityId: file.sha256 },
      select: { actorId: true, returnId: true, entityType: true, after: true },
    }),
  ).toEqual([
    {
      actorId: world.leadA.id,
      returnId: world.returnA.id,
      entityType: 'evidence_file',
      after: { signature: EICAR_SIGNATURE },
    },
  ]);

  // The uploader is told why, and cannot download it.
  const leadPage = (await lead.get(`${evidencePath(requirement)}?done=blocked`).expect(200)).text;
  expect(leadPage).toContain('The file was blocked: the virus check found something harmful in it');
  expect(leadPage).toContain(`Blocked: ${EICAR_SIGNATURE}`);
  expect(leadPage).not.toContain(uploaded.download);
  expect((await lead.get(uploaded.download).expect(409)).text).toContain(
    `the virus check found ${EICAR_SIGNATURE} in it`,
  );

  // Staff see it on the answer with the signature, and cannot download it either.
  const manager = await signedInAgent(app, world.manager.id);
  const requirementPage = pathTo(paths.returns.requirement, {
    returnId: world.returnA.id,
    requirementId: requirement,
  });
  const staffView = (await manager.get(requirementPage).expect(200)).text;
  expect(staffView).toContain(
    `<strong class="nhsuk-tag nhsuk-tag--red">Blocked: ${EICAR_SIGNATURE}</strong>`,
  );
  expect(staffView).toContain(
    `The virus check found ${EICAR_SIGNATURE} in this file, so no one can download it.`,
  );
  await manager.get(uploaded.download).expect(409);
  const history = (await manager.get(pathTo(paths.returns.history, { returnId: world.returnA.id }))).text;
  expect(history).toContain('Evidence blocked by the virus check');

  // Not offered from the library for another requirement, and refused if asked for by id.
  const other = requirementOf(2);
  const otherPage = (await lead.get(evidencePath(other)).expect(200)).text;
  expect(otherPage).not.toContain('notes.txt');
  const evidence = await db.prisma.evidence.findFirstOrThrow({ where: { fileSha256: file.sha256 } });
  const linked = await lead
    .post(pathTo(paths.evidence.link, { returnId: world.returnA.id, requirementId: other }))
    .type('form')
    .send({ _csrf: csrfTokenFrom(otherPage), evidenceId: evidence.id })
    .expect(409);
  expect(linked.text).toContain('That file was blocked by the virus check');

  // The same bytes again keep their verdict without another scan.
  expect((await upload(lead, other, Buffer.from(EICAR), 'again.txt')).done).toBe('blocked');
});

test('the scanner down, then back: the upload is kept but not downloadable until the rescan job scans it', async () => {
  const relay = await startSwitchableClamd();
  try {
    await relay.down();
    const environment = { CLAMD_HOST: '127.0.0.1', CLAMD_PORT: String(relay.port) };
    const { app, lead } = await scanningApp(environment);
    const requirement = requirementOf(3);
    const uploaded = await upload(lead, requirement, pdfFile(), 'Plan.pdf');
    expect(uploaded.done).toBe('checking');
    // Not the file's fault: no attempt counted, due again at once.
    expect(await uploaded.file()).toMatchObject({ scanStatus: 'pending', scanAttempts: 0, nextScanAt: now });
    expect((await uploaded.file()).scanError).toMatch(/ECONNREFUSED/);
    const page = (await lead.get(`${evidencePath(requirement)}?done=checking`).expect(200)).text;
    expect(page).toContain('It is being checked for viruses');
    expect(page).toContain('<strong class="nhsuk-tag nhsuk-tag--yellow">Being checked</strong>');
    expect(page).not.toContain(uploaded.download);
    expect((await lead.get(uploaded.download).expect(409)).text).toContain('still being checked for viruses');
    const ready = await lead.get(paths.health.ready).expect(200);
    expect(ready.body).toEqual({ status: 'ok', database: 'ok', scanner: 'unreachable' });

    // While it is down the job only says so.
    expect(await runRescan(environment)).toEqual({
      status: 'succeeded',
      counts: { clean: 0, infected: 0, waiting: 0, scannerUnavailable: 1 },
    });
    expect(await uploaded.file()).toMatchObject({ scanStatus: 'pending', scanAttempts: 0 });

    await relay.up();
    expect((await lead.get(paths.health.ready).expect(200)).body).toMatchObject({ scanner: 'ok' });
    const outcome = await runRescan(environment);
    expect(outcome).toMatchObject({ status: 'succeeded', counts: { clean: 1, scannerUnavailable: 0 } });
    expect(await uploaded.file()).toMatchObject({ scanStatus: 'clean', scanError: null, nextScanAt: null });
    await lead.get(uploaded.download).expect(200);
    await (await signedInAgent(app, world.manager.id)).get(uploaded.download).expect(200);
  } finally {
    await relay.close();
  }
});

test('a scan that times out: the file waits, and is scanned again after its back-off', async () => {
  const tarpit = await startTarpit();
  try {
    const { lead } = await scanningApp({
      CLAMD_HOST: '127.0.0.1',
      CLAMD_PORT: String(tarpit.port),
      CLAMD_TIMEOUT_SECONDS: '1',
      CLAMD_RETRY_BASE_SECONDS: '60',
    });
    const uploaded = await upload(lead, requirementOf(4), pdfFile(), 'Audit.pdf');
    expect(uploaded.done).toBe('checking');
    const waiting = await uploaded.file();
    expect(waiting).toMatchObject({
      scanStatus: 'pending',
      scanAttempts: 1,
      nextScanAt: new Date(now.getTime() + 60_000),
    });
    expect(waiting.scanError).toBe('no answer from clamd within 1000 ms');

    // Before its next try the job leaves it be; after, it scans it.
    expect(await runRescan()).toMatchObject({ counts: { clean: 0, waiting: 0 } });
    expect(await uploaded.file()).toMatchObject({ scanStatus: 'pending' });
    now = new Date(now.getTime() + 61_000);
    expect(await runRescan()).toMatchObject({ counts: { clean: 1 } });
    expect(await uploaded.file()).toMatchObject({ scanStatus: 'clean', scanAttempts: 1 });
  } finally {
    await tarpit.close();
  }
});

test('malware found by the rescan job is quarantined and audited on every return it is linked to', async () => {
  const relay = await startSwitchableClamd();
  try {
    await relay.down();
    const environment = { CLAMD_HOST: '127.0.0.1', CLAMD_PORT: String(relay.port) };
    const { lead } = await scanningApp(environment);
    const content = Buffer.from(`Meeting notes ${randomUUID()}\n${MALWARE_MARKER}\n`);
    const uploaded = await upload(lead, requirementOf(5), content, 'notes.txt');
    expect(uploaded.done).toBe('checking');
    await relay.up();
    expect(await runRescan(environment)).toMatchObject({ counts: { infected: 1 } });
    const file = await uploaded.file();
    expect(file).toMatchObject({ scanStatus: 'infected', scanSignature: MARKER_SIGNATURE });
    // Found by the job: no one's action, recorded on the return the file is linked to.
    expect(
      await db.prisma.auditEvent.findMany({
        where: { action: 'evidence.quarantined', entityId: file.sha256 },
        select: { actorId: true, returnId: true, after: true },
      }),
    ).toEqual([{ actorId: null, returnId: world.returnA.id, after: { signature: MARKER_SIGNATURE } }]);
    // The uploader sees why on the page.
    const page = (await lead.get(evidencePath(requirementOf(5))).expect(200)).text;
    expect(page).toContain(`Blocked: ${MARKER_SIGNATURE}`);
    await lead.get(uploaded.download).expect(409);
  } finally {
    await relay.close();
  }
});

test('files kept while there was no scanner stay downloadable, marked so, and are scanned once there is one', async () => {
  const { lead } = await scanningApp({});
  const requirement = requirementOf(6);
  const uploaded = await upload(lead, requirement, pdfFile(), 'Unscanned.pdf');
  expect(uploaded.done).toBe('uploaded');
  expect(await uploaded.file()).toMatchObject({ scanStatus: 'unscanned', scannedAt: null });
  const page = (await lead.get(evidencePath(requirement)).expect(200)).text;
  expect(page).toContain('Files are not checked for viruses');
  expect(page).toContain('<strong class="nhsuk-tag nhsuk-tag--grey">Not checked for viruses</strong>');
  await lead.get(uploaded.download).expect(200);
  expect((await lead.get(paths.health.ready).expect(200)).body).toMatchObject({ scanner: 'disabled' });

  // Without a scanner the job has nothing to do; with one it scans them.
  expect(await runRescan({})).toMatchObject({ counts: { clean: 0, scannerUnavailable: 0 } });
  expect(await runRescan()).toMatchObject({ status: 'succeeded' });
  expect(await uploaded.file()).toMatchObject({ scanStatus: 'clean' });
});

test('the rescan job is scheduled only where there is a scanner', () => {
  expect(scheduledJobs(testConfig()).map((job) => job.name)).not.toContain('rescan-evidence');
  expect(scheduledJobs(testConfig(testClamdEnvironment())).map((job) => job.name)).toContain(
    'rescan-evidence',
  );
});

test('start-up warns when files are not checked for viruses', () => {
  const lines: string[] = [];
  const destination = { write: (line: string) => lines.push(line) } as unknown as Writable;
  const logger = createLogger('info', destination);
  warnWithoutScanner(testConfig(testClamdEnvironment()), logger);
  warnWithoutScanner(testConfig({ CLAMD_DISABLED: 'true' }), logger);
  warnWithoutScanner(testConfig(), logger);
  expect(lines.map((line) => (JSON.parse(line) as { level: number; msg: string }).msg)).toEqual([
    'CLAMD_DISABLED=true: evidence files are NOT checked for viruses before people download them',
    'no virus scanner (CLAMD_HOST not set): evidence files are not checked for viruses (local use only)',
  ]);
});
