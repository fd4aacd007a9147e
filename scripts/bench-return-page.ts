// `npm run bench:return-page`: server time of the return pages for a return of 40 requirements with
// 100 evidence items, measured over loopback against a real PostgreSQL (DATABASE_URL, else a
// throw-away embedded one). Prints a table and, last, one JSON line. Not part of the test run.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCaches } from '../src/caches.js';
import type { Db } from '../src/db/prisma.js';
import { importStandards } from '../src/frameworks/import-standards.js';
import { sha256 } from '../src/hash.js';
import { createLogger } from '../src/logger.js';
import { pathTo, paths } from '../src/paths.js';
import { STANDARDS_DIR } from '../src/project-root.js';
import { submitReturn } from '../src/returns/returns.service.js';
import { signedInCookie } from '../tests/support/app.js';
import { createBenchApp, openBenchDatabase } from './bench-support.js';

const REQUIREMENTS = 40;
const EVIDENCE_ITEMS = 100;
const ROUNDS = 40;
const logger = createLogger('silent');

async function main(): Promise<void> {
  const bench = await openBenchDatabase(logger);
  const { pool, prisma } = bench;
  try {
    const fixture = await seed(prisma);
    // Nothing on the return page sends email.
    const app = createBenchApp({ pool, prisma, logger, clock: () => new Date() });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const lead = await signedInCookie(base, fixture.leadId);
    const rows: { page: string; median: number; p95: number; bytes: number }[] = [];
    rows.push(
      await measure(
        'task list (lead)',
        base,
        lead,
        pathTo(paths.returns.show, { returnId: fixture.returnId }),
      ),
    );
    rows.push(await measure('requirement with 3 evidence (lead)', base, lead, fixture.requirementPath));
    rows.push(
      await measure(
        'check answers (lead)',
        base,
        lead,
        pathTo(paths.returns.checkAnswers, { returnId: fixture.returnId }),
      ),
    );
    const submitted = await submitReturn(
      { prisma, caches: createCaches() },
      fixture.leadUser,
      fixture.returnId,
      new Date(),
    );
    if (submitted.kind !== 'submitted') throw new Error(`The return was not submitted: ${submitted.kind}`);
    const manager = await signedInCookie(base, fixture.managerId);
    rows.push(
      await measure(
        'review, 100 evidence (manager)',
        base,
        manager,
        pathTo(paths.review.show, { returnId: fixture.returnId }),
      ),
    );
    server.close();

    console.log('page                                   median ms   p95 ms   KB');
    for (const row of rows) {
      console.log(
        `${row.page.padEnd(38)} ${row.median.toFixed(1).padStart(9)} ${row.p95.toFixed(1).padStart(8)} ${(row.bytes / 1024).toFixed(0).padStart(4)}`,
      );
    }
    console.log(
      JSON.stringify({
        requirements: REQUIREMENTS,
        evidence_items: EVIDENCE_ITEMS,
        rounds: ROUNDS,
        ...Object.fromEntries(
          rows.map((row) => [
            `${row.page.split(' (')[0]?.replace(/[^a-z]+/g, '_')}_median_ms`,
            Number(row.median.toFixed(1)),
          ]),
        ),
      }),
    );
  } finally {
    await bench.close();
  }
}

/** A version of 40 requirements (8 groups of 5) on the EDS 2022 scale, imported like the real ones. */
async function importBenchStandard(prisma: Db): Promise<void> {
  const model = JSON.parse(await readFile(join(STANDARDS_DIR, 'eds-2022.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const groups = Array.from({ length: REQUIREMENTS / 5 }, (_, g) => ({
    code: `G${g + 1}`,
    title: `Bench group ${g + 1}`,
    description: 'A group made for the benchmark.',
    position: g + 1,
    source: 'benchmark',
    verified: false,
    requirements: Array.from({ length: 5 }, (_, r) => ({
      code: `G${g + 1}.${r + 1}`,
      title: `Bench requirement ${g + 1}.${r + 1}`,
      guidance: 'Describe what the organisation does and how it knows it works.',
      evidenceExpected: 'Policies, audits, minutes.',
      position: r + 1,
      source: 'benchmark',
      verified: false,
    })),
  }));
  const dir = await mkdtemp(join(tmpdir(), 'bench-standard-'));
  const file = {
    ...model,
    // An extra version of EDS: the file format allows only the frameworks the app knows. Without
    // EDS 2022's services (its perService names a group this file does not have): one answer each.
    version: {
      ...(model.version as object),
      code: 'bench',
      name: 'EDS benchmark',
      groupLabel: 'Group',
      perService: undefined,
    },
    overallRatingBands: [
      { minTotal: 0, maxTotal: 59, label: 'Developing', position: 1, source: 'benchmark', verified: false },
      { minTotal: 60, maxTotal: 120, label: 'Achieving', position: 2, source: 'benchmark', verified: false },
    ],
    groups,
  };
  await writeFile(join(dir, 'bench.json'), JSON.stringify(file));
  await importStandards(prisma, logger, dir);
  await rm(dir, { recursive: true, force: true });
}

async function seed(prisma: Db) {
  await importBenchStandard(prisma);
  const version = await prisma.frameworkVersion.findFirstOrThrow({
    where: { code: 'bench', framework: { code: 'EDS' } },
    include: { requirements: true, ratingScale: { include: { levels: true } } },
  });
  const manager = await prisma.user.create({
    data: { email: 'bench.manager@example.nhs.uk', displayName: 'Bench Manager', role: 'contract_manager' },
  });
  const provider = await prisma.provider.create({
    data: { name: 'Bench Trust', odsCode: 'BEN1', type: 'acute_trust' },
  });
  const lead = await prisma.user.create({
    data: { email: 'bench.lead@example.nhs.uk', displayName: 'Bench Lead', role: 'provider_lead' },
  });
  await prisma.membership.create({ data: { userId: lead.id, providerId: provider.id } });
  const contract = await prisma.contract.create({
    data: {
      providerId: provider.id,
      contractManagerId: manager.id,
      reference: 'BENCH-1',
      startDate: new Date('2026-04-01'),
      standards: { create: [{ frameworkId: version.frameworkId }] },
    },
  });
  const period = await prisma.reportingPeriod.create({
    data: { label: '2026/27', startDate: new Date('2026-04-01'), endDate: new Date('2027-03-31') },
  });
  const level = version.ratingScale.levels[2] ?? version.ratingScale.levels[0];
  const bench = await prisma.return.create({
    data: {
      contractId: contract.id,
      providerId: provider.id,
      frameworkVersionId: version.id,
      periodId: period.id,
      status: 'in_progress',
      originalDueDate: new Date('2027-03-31'),
      dueDate: new Date('2027-03-31'),
      responses: {
        create: version.requirements.map((requirement) => ({
          requirementId: requirement.id,
          ratingLevelId: level?.id ?? null,
          narrative: `How ${requirement.code} is met: ${'a realistic paragraph of narrative text. '.repeat(8)}`,
        })),
      },
    },
    include: { responses: true },
  });
  // EDS is graded by panels: the return goes for review with its grading record (issue 14).
  await prisma.gradingRecord.create({
    data: {
      returnId: bench.id,
      firstDate: new Date('2027-01-15'),
      groups: ['Staff network'],
      howAgreed: 'By consensus at the grading panel.',
      updatedById: lead.id,
      updatedAt: new Date(),
    },
  });
  for (let index = 0; index < EVIDENCE_ITEMS; index++) {
    const content = Buffer.from(`Evidence document ${index}\n${'Lorem evidence line.\n'.repeat(50)}`);
    const digest = sha256(content);
    await prisma.evidenceFile.create({
      data: {
        sha256: digest,
        content,
        sizeBytes: content.length,
        mediaType: 'text/plain',
        scanStatus: 'unscanned',
      },
    });
    const evidence = await prisma.evidence.create({
      data: {
        providerId: provider.id,
        fileSha256: digest,
        fileName: `evidence-${index}.txt`,
        uploadedById: lead.id,
      },
    });
    // 100 items over 40 responses: 2 or 3 each.
    const response = bench.responses[index % bench.responses.length];
    if (response)
      await prisma.evidenceLink.create({
        data: { evidenceId: evidence.id, responseId: response.id, linkedById: lead.id },
      });
  }
  const first = bench.responses[0];
  return {
    returnId: bench.id,
    leadId: lead.id,
    managerId: manager.id,
    leadUser: {
      id: lead.id,
      email: lead.email,
      displayName: lead.displayName,
      role: lead.role,
      providerIds: [provider.id],
      leadProviderIds: [provider.id],
    },
    requirementPath: pathTo(paths.returns.requirement, {
      returnId: bench.id,
      requirementId: first?.requirementId ?? '',
    }),
  };
}

async function measure(page: string, base: string, cookie: string, path: string) {
  const times: number[] = [];
  let bytes = 0;
  for (let round = 0; round < ROUNDS + 5; round++) {
    const started = performance.now();
    const response = await fetch(`${base}${path}`, { headers: { cookie } });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${page}: ${response.status}`);
    // The first rounds warm caches and the JIT; they are not counted.
    if (round >= 5) times.push(performance.now() - started);
    bytes = body.length;
  }
  times.sort((a, b) => a - b);
  return {
    page,
    median: times[Math.floor(times.length / 2)] ?? 0,
    p95: times[Math.floor(times.length * 0.95)] ?? 0,
    bytes,
  };
}

await main();
