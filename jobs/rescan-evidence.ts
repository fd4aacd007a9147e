import type { Config } from '../src/config.js';
import type { VirusScanner } from '../src/evidence/virus-scanner.js';
import { rescanDueFiles, type RescanOptions } from '../src/evidence/scanning.js';
import { runLockedJob, type JobDeps, type JobOutcome } from './run-locked-job.js';

export const RESCAN_EVIDENCE_JOB = 'rescan-evidence';

export interface RescanJobDeps extends JobDeps {
  config: Config;
  scanner: VirusScanner;
}

/**
 * Scans the evidence files still waiting for a virus scan (the scanner was unreachable or too slow at
 * upload, or the file came before a scanner was configured), each after its back-off. Scheduled every
 * minute when a scanner is configured; while the scanner is unreachable a run only says so.
 */
export function run(deps: RescanJobDeps, options: RescanOptions = {}): Promise<JobOutcome> {
  return runLockedJob(deps, RESCAN_EVIDENCE_JOB, async () => ({ ...(await rescanDueFiles(deps, options)) }));
}
