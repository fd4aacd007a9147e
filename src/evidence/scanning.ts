import { recordAudit } from '../audit/audit.js';
import { nextAttemptAt } from '../backoff.js';
import type { Config } from '../config.js';
import type { Db, DbClient } from '../db/prisma.js';
import type { EvidenceScanStatus } from '../generated/prisma/enums.js';
import type { Logger } from '../logger.js';
import { fileContent, filesDueForScan, recordScan, returnsLinkedToFile, type ScanRecord } from './queries.js';
import type { ScanVerdict, VirusScanner } from './virus-scanner.js';

// A file's virus scan, at upload and again by the rescan job (jobs/rescan-evidence.ts) for files that
// are still waiting: the scanner was unreachable or too slow, or the file came before a scanner was
// configured. Nothing is lost: a file waits (not downloadable) until a scan gives a verdict.

export interface ScanningDeps {
  prisma: Db;
  scanner: VirusScanner;
  clock: () => Date;
  logger: Logger;
  config: Pick<Config, 'scanner'>;
}

/**
 * What to store after a scan of a file now in `current` state (a new upload counts as pending) that
 * had failed `attempts` times before. A failure leaves the file as it was, to be tried again later:
 * at once when the scanner was unreachable (not the file's fault), after a growing wait otherwise.
 */
export function scanRecord(
  verdict: ScanVerdict,
  current: { scanStatus: EvidenceScanStatus; scanAttempts: number },
  now: Date,
  retryBaseSeconds: number,
): ScanRecord {
  const done = { scanAttempts: current.scanAttempts, nextScanAt: null, scanError: null };
  switch (verdict.result) {
    case 'clean':
      return { ...done, scanStatus: 'clean', scanSignature: null, scannedAt: now };
    case 'infected':
      return { ...done, scanStatus: 'infected', scanSignature: verdict.signature, scannedAt: now };
    case 'not-scanned':
      return { ...done, scanStatus: 'unscanned', scanSignature: null, scannedAt: null };
    case 'failed': {
      const counted = verdict.reason !== 'unavailable';
      const attempts = current.scanAttempts + (counted ? 1 : 0);
      return {
        scanStatus: current.scanStatus === 'unscanned' ? 'unscanned' : 'pending',
        scanSignature: null,
        scannedAt: null,
        scanAttempts: attempts,
        nextScanAt: counted ? nextAttemptAt(now, attempts, retryBaseSeconds) : now,
        scanError: verdict.detail,
      };
    }
  }
}

/** Logs what a scan found or why it failed (never the file's contents). */
export function logScan(logger: Logger, sha256: string, verdict: ScanVerdict): void {
  if (verdict.result === 'infected') {
    logger.warn(
      { sha256, signature: verdict.signature },
      'evidence file quarantined: the virus scanner found malware',
    );
  } else if (verdict.result === 'failed') {
    logger.warn(
      { sha256, reason: verdict.reason, detail: verdict.detail },
      'evidence file not scanned: it waits for a later scan',
    );
  }
}

/** The audit trail of a quarantine: one event per return the file is linked to (or one on its own). */
export async function auditQuarantine(
  tx: DbClient,
  file: { sha256: string; signature: string },
  actorId: string | null,
  returnIds: readonly string[],
): Promise<void> {
  const event = {
    actorId,
    action: 'evidence.quarantined',
    entityType: 'evidence_file',
    entityId: file.sha256,
    after: { signature: file.signature },
  };
  if (returnIds.length === 0) await recordAudit(tx, event);
  for (const returnId of returnIds) await recordAudit(tx, { ...event, returnId });
}

export interface RescanCounts {
  clean: number;
  infected: number;
  /** Still waiting: the scan failed (time-out, error), or the scanner went away during the run. */
  waiting: number;
  /** 1 when the run found the scanner unreachable and scanned nothing. */
  scannerUnavailable: number;
}

export interface RescanOptions {
  /** Files read at a time. */
  batchSize?: number;
  /** Aborted at shut-down: no further file is started. */
  signal?: AbortSignal;
}

/**
 * Scans every file that is due a scan, oldest wait first. An unreachable scanner ends the run at once
 * without counting an attempt against any file; each file's verdict commits on its own.
 */
export async function rescanDueFiles(deps: ScanningDeps, options: RescanOptions = {}): Promise<RescanCounts> {
  const counts: RescanCounts = { clean: 0, infected: 0, waiting: 0, scannerUnavailable: 0 };
  if (!deps.scanner.enabled) return counts;
  if ((await deps.scanner.state()) !== 'ok') {
    counts.scannerUnavailable = 1;
    return counts;
  }
  // Each file is looked at once per run (one that failed is not due again until its next try anyway).
  const started = deps.clock();
  const seen = new Set<string>();
  for (;;) {
    const due = (await filesDueForScan(deps.prisma, started, options.batchSize ?? 20)).filter(
      (file) => !seen.has(file.sha256),
    );
    if (due.length === 0) return counts;
    for (const file of due) {
      if (options.signal?.aborted) return counts;
      seen.add(file.sha256);
      const content = await fileContent(deps.prisma, file.sha256);
      if (!content) continue;
      const verdict = await deps.scanner.scan(content);
      logScan(deps.logger, file.sha256, verdict);
      const record = scanRecord(verdict, file, deps.clock(), deps.config.scanner.retryBaseSeconds);
      await deps.prisma.$transaction(async (tx) => {
        const recorded = await recordScan(tx, file.sha256, record);
        if (recorded && record.scanStatus === 'infected' && record.scanSignature) {
          const returnIds = await returnsLinkedToFile(tx, file.sha256);
          await auditQuarantine(
            tx,
            { sha256: file.sha256, signature: record.scanSignature },
            null,
            returnIds,
          );
        }
      });
      if (record.scanStatus === 'clean') counts.clean += 1;
      else if (record.scanStatus === 'infected') counts.infected += 1;
      else counts.waiting += 1;
      if (verdict.result === 'failed' && verdict.reason === 'unavailable') {
        counts.scannerUnavailable = 1;
        return counts;
      }
    }
  }
}
