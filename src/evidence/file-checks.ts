import type { ActiveContentPolicy } from '../config.js';
import { htmlNearStart, inspectPdf, oleHoldsMacros, zipHoldsMacros } from './active-content.js';
import { formatFileSize } from './format.js';
import { isOleBased, isZipBased } from './media-type.js';
import { inspectZip } from './zip-archive.js';

// What the app itself refuses in a file whose type is allowed: zip bombs, macros, PDF scripts and
// launch actions, web page markup near the start. Each refusal says why, for the uploader.

export interface FileCheckOptions {
  maxBytes: number;
  refuse: ActiveContentPolicy;
}

/** How many times the upload limit an archive's (or a PDF's object streams') contents may come to. */
const EXPANSION_LIMIT = 20;
const ZIP_MAX_ENTRIES = 10_000;

const TOO_SLOW =
  'The selected file took too long to check: save it again (perhaps as a smaller file) and upload the new copy';
const DAMAGED = 'The selected file is damaged: open it, save it again and upload the new copy';

/** Why a file of an allowed type is refused, or undefined when it is not. Stops when `signal` aborts. */
export async function fileContentProblem(
  mediaType: string,
  content: Buffer,
  options: FileCheckOptions,
  signal: AbortSignal,
): Promise<string | undefined> {
  const maxInflatedBytes = options.maxBytes * EXPANSION_LIMIT;
  if (isZipBased(mediaType)) {
    const zip = await inspectZip(
      content,
      { maxEntries: ZIP_MAX_ENTRIES, maxUncompressedBytes: maxInflatedBytes },
      signal,
    );
    switch (zip.verdict) {
      case 'too-large':
        return `The selected file expands to more than ${formatFileSize(maxInflatedBytes)} when opened: reduce its size and upload it again`;
      case 'too-many-entries':
        return `The selected file holds more than ${ZIP_MAX_ENTRIES.toLocaleString('en-GB')} parts when opened: reduce its size and upload it again`;
      case 'damaged':
        return DAMAGED;
      case 'too-slow':
        return TOO_SLOW;
      case 'ok':
        return options.refuse.officeMacros && zipHoldsMacros(zip.names) ? MACROS : undefined;
    }
  }
  if (isOleBased(mediaType)) {
    return options.refuse.officeMacros && oleHoldsMacros(content) ? MACROS : undefined;
  }
  if (mediaType === 'application/pdf' || mediaType.startsWith('image/')) {
    if (htmlNearStart(content)) return WEB_PAGE;
  }
  if (mediaType === 'application/pdf' && (options.refuse.pdfJavaScript || options.refuse.pdfLaunch)) {
    const pdf = await inspectPdf(content, maxInflatedBytes, signal);
    if (signal.aborted) return TOO_SLOW;
    if (pdf.javaScript && options.refuse.pdfJavaScript) return PDF_JAVASCRIPT;
    if (pdf.launch && options.refuse.pdfLaunch) return PDF_LAUNCH;
    if (pdf.unreadable) return PDF_UNREADABLE;
  }
  return undefined;
}

const MACROS =
  'The selected file contains macros, which are not accepted: save a copy without macros (for example as .docx or .xlsx) and upload that';
const PDF_JAVASCRIPT =
  'The selected PDF contains JavaScript, which is not accepted: print it to a new PDF (or save a copy without scripts) and upload that';
const PDF_LAUNCH =
  'The selected PDF contains an action that starts another program, which is not accepted: print it to a new PDF and upload that';
const PDF_UNREADABLE =
  'The selected PDF is protected or compressed in a way that cannot be checked for scripts: print it to a new PDF and upload that';
const WEB_PAGE =
  'The selected file contains web page code near its start, which is not accepted: save it again from the program that made it and upload the new copy';
