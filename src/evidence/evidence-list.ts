import { formatDate } from '../format.js';
import type { EvidenceScanStatus } from '../generated/prisma/enums.js';
import { pathTo, paths } from '../paths.js';
import type { TagParams } from '../returns/progress.js';
import { formatFileSize, mediaTypeLabel } from './format.js';
import type { EvidenceItem } from './queries.js';

// Evidence as pages show it: the words, tags and links are decided here, once, and the views only
// place them (views/evidence/_response-evidence.ejs, the review page).

/** A file may be downloaded once scanned clean, or when it was kept while no scanner was configured. */
export function isDownloadable(scanStatus: EvidenceScanStatus): boolean {
  return scanStatus === 'clean' || scanStatus === 'unscanned';
}

export interface ScanStateView {
  tag: TagParams;
  /** What the state means for whoever sees it (absent when the file is ready). */
  note: string | undefined;
}

/** The virus check's state in words: "Being checked", "Ready", "Blocked: <signature>". */
export function scanStateView(scanStatus: EvidenceScanStatus, signature: string | null): ScanStateView {
  switch (scanStatus) {
    case 'clean':
      return { tag: { text: 'Ready', colour: 'green' }, note: undefined };
    case 'pending':
      return {
        tag: { text: 'Being checked', colour: 'yellow' },
        note: 'This file is being checked for viruses. It can be downloaded once the check has finished: reload the page to see.',
      };
    case 'infected':
      return {
        tag: { text: `Blocked: ${signature ?? 'malware found'}`, colour: 'red' },
        note: `The virus check found ${signature ?? 'malware'} in this file, so no one can download it. If you uploaded it, remove it, check the computer it came from and upload a clean copy.`,
      };
    case 'unscanned':
      return {
        tag: { text: 'Not checked for viruses', colour: 'grey' },
        note: 'This file was uploaded when files were not checked for viruses.',
      };
  }
}

/** One file of a requirement's evidence list, ready to show. */
export interface EvidenceListItem {
  id: string;
  fileName: string;
  /** "PDF, 1.5 MB" */
  description: string;
  /** Only when the file may be downloaded. */
  downloadHref: string | undefined;
  scan: ScanStateView;
  /** "Older than this period", when the period it covers ended before the return's began. */
  staleTag: TagParams | undefined;
  /** "1 April 2025 to 31 March 2026", "From ...", "Up to ..." (absent without dates). */
  periodCovered: string | undefined;
}

/** Evidence whose period covered ended before the return's period began. */
export function isOlderThanPeriod(coversTo: Date | null, periodStart: Date): boolean {
  return coversTo !== null && coversTo.getTime() < periodStart.getTime();
}

export function evidenceListItems(items: readonly EvidenceItem[], periodStart: Date): EvidenceListItem[] {
  return items.map((item) => ({
    id: item.id,
    fileName: item.fileName,
    description: fileDescription(item.mediaType, item.sizeBytes),
    downloadHref: isDownloadable(item.scanStatus)
      ? pathTo(paths.evidence.download, { evidenceId: item.id })
      : undefined,
    scan: scanStateView(item.scanStatus, item.scanSignature),
    staleTag: isOlderThanPeriod(item.coversTo, periodStart)
      ? { text: 'Older than this period', colour: 'orange' }
      : undefined,
    periodCovered: periodCoveredText(item.coversFrom, item.coversTo),
  }));
}

/** "PDF, 1.5 MB" */
export function fileDescription(mediaType: string, sizeBytes: number): string {
  return `${mediaTypeLabel(mediaType)}, ${formatFileSize(sizeBytes)}`;
}

export function periodCoveredText(from: Date | null, to: Date | null): string | undefined {
  if (from && to) return `${formatDate(from)} to ${formatDate(to)}`;
  if (from) return `From ${formatDate(from)}`;
  if (to) return `Up to ${formatDate(to)}`;
  return undefined;
}
