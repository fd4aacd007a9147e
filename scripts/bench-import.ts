// `npm run bench:import`: the register import at the size of a large ICB. A register workbook of
// 10,000 providers, each with one contract and two leads (20,000 leads), as an XLSX written by a
// spreadsheet writer, is read, checked and previewed (what the upload and the preview page do), then
// applied (the confirm button), then imported again (every row unchanged). Against a real PostgreSQL
// (DATABASE_URL, else a throw-away embedded one). Reports preview and apply times and the process's
// peak memory growth over the work. Not part of the test run. Prints a summary and, last, one JSON line.
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { CurrentUser } from '../src/auth/current-user.js';
import { loadConfig } from '../src/config.js';
import { importStandards } from '../src/frameworks/import-standards.js';
import {
  applyRegisterImport,
  registerImportView,
  startRegisterImport,
  type ImportDeps,
} from '../src/imports/register-import.service.js';
import { TEMPLATE_HEADER } from '../src/imports/register-file.js';
import { createLogger } from '../src/logger.js';
import { openBenchDatabase } from './bench-support.js';

const PROVIDERS = Number(process.env.BENCH_PROVIDERS ?? 10_000);
const MANAGERS = 25;
const logger = createLogger('silent');
const TYPES = [
  'Acute trust',
  'GP practice',
  'Care home',
  'Hospice',
  'Independent provider',
  'Community trust',
];

/** The register as an XLSX (the template's columns, inline strings, dates as dates). */
async function registerWorkbook(managerEmails: string[]): Promise<Buffer> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream,
    useSharedStrings: false,
    useStyles: true,
  });
  const sheet = workbook.addWorksheet('Providers');
  sheet.addRow([...TEMPLATE_HEADER]).commit();
  const column = (name: string) => TEMPLATE_HEADER.indexOf(name);
  for (let index = 1; index <= PROVIDERS; index += 1) {
    const code = `B${String(index).padStart(5, '0')}`;
    const row: (string | Date)[] = TEMPLATE_HEADER.map(() => '');
    row[column('ODS code')] = code;
    row[column('Provider name')] = `Bench Provider ${String(index)}`;
    row[column('Provider type')] = TYPES[index % TYPES.length] ?? 'Hospice';
    row[column('Contract reference')] = `ICB-BENCH-${String(index).padStart(5, '0')}`;
    row[column('Contract start date')] = new Date(Date.UTC(2026, 3, 1));
    row[column('Contract end date')] = new Date(Date.UTC(2029, 2, 31));
    row[column('Contract manager email')] = managerEmails[index % managerEmails.length] ?? '';
    row[column('Standards')] = 'AIS; EDS';
    row[column('Lead 1 email')] = `lead1.${code.toLowerCase()}@bench.example.nhs.uk`;
    row[column('Lead 1 name')] = `First Lead ${code}`;
    row[column('Lead 2 email')] = `lead2.${code.toLowerCase()}@bench.example.nhs.uk`;
    row[column('Lead 2 name')] = `Second Lead ${code}`;
    const added = sheet.addRow(row);
    added.getCell(column('Contract start date') + 1).numFmt = 'dd/mm/yyyy';
    added.getCell(column('Contract end date') + 1).numFmt = 'dd/mm/yyyy';
    added.commit();
  }
  sheet.commit();
  await workbook.commit();
  return Buffer.concat(chunks);
}

async function main(): Promise<void> {
  const bench = await openBenchDatabase(logger);
  const { prisma } = bench;
  try {
    await importStandards(prisma, logger);
    const admin = await prisma.user.create({
      data: { email: 'bench.admin@icb.example.nhs.uk', displayName: 'Bench Admin', role: 'admin' },
    });
    const managers = await Promise.all(
      Array.from({ length: MANAGERS }, (_unused, index) =>
        prisma.user.create({
          data: {
            email: `manager${String(index)}@icb.example.nhs.uk`,
            displayName: `Manager ${String(index)}`,
            role: 'contract_manager',
          },
        }),
      ),
    );
    const actor: CurrentUser = {
      id: admin.id,
      email: admin.email,
      displayName: admin.displayName,
      role: 'admin',
      providerIds: [],
      leadProviderIds: [],
    };
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      PUBLIC_BASE_URL: 'https://tracker.example.nhs.uk',
    });
    const deps: ImportDeps = {
      prisma,
      config,
      sessionSecret: 'bench-secret-'.repeat(4),
      clock: () => new Date(),
    };
    const content = await registerWorkbook(managers.map((manager) => manager.email));
    const file = {
      name: 'register.xlsx',
      content,
      sha256: createHash('sha256').update(content).digest('hex'),
    };

    // Memory from here on: what the import itself takes (the workbook's bytes are already held, as
    // the upload would hold them).
    global.gc?.();
    const baseRss = process.memoryUsage().rss;
    let peakRss = baseRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 10);

    const previewStart = performance.now();
    const started = await startRegisterImport(deps, actor, file);
    if (!started.ok) throw new Error(`the bench file was refused: ${started.error}`);
    const readMs = performance.now() - previewStart;
    const view = await registerImportView(deps, actor, started.importId);
    const previewMs = performance.now() - previewStart;
    const previewPeakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (view.state.status !== 'previewed') throw new Error('expected a preview');
    const { counts, fingerprint } = view.state.plan;

    const applyStart = performance.now();
    const outcome = await applyRegisterImport(deps, actor, started.importId, fingerprint);
    const applyMs = performance.now() - applyStart;
    const applyPeakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (outcome !== 'applied') throw new Error(`apply answered ${outcome}`);

    const againStart = performance.now();
    const again = await startRegisterImport(deps, actor, file);
    if (!again.ok) throw new Error('the second import was refused');
    const againView = await registerImportView(deps, actor, again.importId);
    const againMs = performance.now() - againStart;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (againView.state.status !== 'previewed') throw new Error('expected a preview');

    const [providers, contracts, leads, invitations, outbox] = await Promise.all([
      prisma.provider.count(),
      prisma.contract.count(),
      prisma.membership.count({ where: { role: 'lead' } }),
      prisma.emailLink.count({ where: { purpose: 'invitation' } }),
      prisma.outboxEmail.count(),
    ]);
    const result = {
      rows: PROVIDERS,
      file_bytes: content.length,
      read_ms: Math.round(readMs),
      preview_ms: Math.round(previewMs),
      apply_ms: Math.round(applyMs),
      reimport_preview_ms: Math.round(againMs),
      reimport_unchanged_rows: againView.state.plan.counts.rowsUnchanged,
      providers,
      contracts,
      leads,
      invitations,
      emails_queued: outbox,
      planned: counts,
      peak_rss_growth_mb: Math.round((peakRss - baseRss) / 1024 / 1024),
      preview_peak_rss_growth_mb: Math.round((previewPeakRss - baseRss) / 1024 / 1024),
      apply_peak_rss_growth_mb: Math.round((applyPeakRss - baseRss) / 1024 / 1024),
      base_rss_mb: Math.round(baseRss / 1024 / 1024),
    };
    process.stdout.write(
      [
        `register file:             ${String(result.rows)} providers, one contract and two leads each (XLSX, ${String(Math.round(result.file_bytes / 1024))} KB)`,
        `read and checked:          ${String(result.read_ms)} ms`,
        `preview (read + plan):     ${String(result.preview_ms)} ms (target < 10000 ms)`,
        `apply (one transaction):   ${String(result.apply_ms)} ms (target < 20000 ms)`,
        `written:                   ${String(providers)} providers, ${String(contracts)} contracts, ${String(leads)} leads, ${String(invitations)} invitations, ${String(outbox)} emails queued`,
        `same file again:           ${String(result.reimport_unchanged_rows)} rows unchanged, previewed in ${String(result.reimport_preview_ms)} ms`,
        `peak memory growth (RSS):  ${String(result.peak_rss_growth_mb)} MB (target < 200 MB; ${String(result.base_rss_mb)} MB before): ${String(result.preview_peak_rss_growth_mb)} MB by the end of the preview, ${String(result.apply_peak_rss_growth_mb)} MB by the end of the apply`,
        '',
      ].join('\n'),
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await bench.close();
  }
}

await main();
