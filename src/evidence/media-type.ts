import { fileTypeFromBuffer } from 'file-type';

// What an evidence file is, decided from its bytes. The name is only consulted for CSV and plain
// text, which have no signature: they must be clean UTF-8 text AND be named .csv or .txt.

export const ALLOWED_TYPES_MESSAGE =
  'The selected file must be a PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG file';

const WORD = 'application/msword';
const EXCEL = 'application/vnd.ms-excel';
const POWERPOINT = 'application/vnd.ms-powerpoint';

/** Media types file-type reports that we accept as they are. */
const ALLOWED_SIGNATURE_TYPES: ReadonlySet<string> = new Set([
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'image/png',
  'image/jpeg',
]);

/**
 * The media type to store and serve, or undefined when the content is not on the allow-list.
 * `fileName` is the tidied name.
 */
export async function detectEvidenceMediaType(
  content: Uint8Array,
  fileName: string,
): Promise<string | undefined> {
  const detected = await fileTypeFromBuffer(content);
  if (detected) {
    if (ALLOWED_SIGNATURE_TYPES.has(detected.mime)) return detected.mime;
    // Word 97-2003, Excel 97-2003 and PowerPoint 97-2003 files are all OLE compound files.
    if (detected.mime === 'application/x-cfb') return oldOfficeType(content);
    return undefined;
  }
  const extension = /\.(csv|txt)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (extension && isPlainText(content)) return extension === 'csv' ? 'text/csv' : 'text/plain';
  return undefined;
}

/** Valid UTF-8 with no control character other than tab, line feed and carriage return. */
export function isPlainText(content: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(content);
  } catch {
    return false;
  }
  // \p{Cc}: the C0 controls, DEL and the C1 controls.
  return !/(?![\t\n\r])\p{Cc}/u.test(text);
}

// The stream that makes a compound file a Word, PowerPoint or Excel document, in the order checked:
// a Word document with an embedded spreadsheet is still a Word document.
const OLD_OFFICE_STREAMS: readonly (readonly [string, string])[] = [
  ['WordDocument', WORD],
  ['PowerPoint Document', POWERPOINT],
  ['Workbook', EXCEL],
  ['Book', EXCEL],
];

const DIRECTORY_ENTRY_SIZE = 128;
const STORAGE_OBJECT = 1;
const STREAM_OBJECT = 2;

/**
 * Which of `names` an OLE compound file has as directory entries (streams, or storages too when
 * `storages`). Entries are 128 bytes, aligned on 128 in the file (sectors are 512 or 4096 bytes);
 * each starts with its name in UTF-16LE, with the name's byte length (including the terminator) at
 * 64 and the object type at 66.
 */
export function oleEntriesPresent(
  content: Uint8Array,
  names: readonly string[],
  options: { storages: boolean } = { storages: false },
): Set<string> {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const found = new Set<string>();
  const encoded = names.map((name) => [name, Buffer.from(name, 'utf16le')] as const);
  for (let offset = 512; offset + DIRECTORY_ENTRY_SIZE <= bytes.length; offset += DIRECTORY_ENTRY_SIZE) {
    const type = bytes[offset + 66];
    if (type !== STREAM_OBJECT && !(options.storages && type === STORAGE_OBJECT)) continue;
    for (const [name, wanted] of encoded) {
      if (
        bytes.readUInt16LE(offset + 64) === wanted.length + 2 &&
        bytes.compare(wanted, 0, wanted.length, offset, offset + wanted.length) === 0
      ) {
        found.add(name);
      }
    }
  }
  return found;
}

/**
 * Finds which Office stream an OLE compound file holds by looking for its directory entry. Other
 * compound files (installers, Outlook messages) have none of these streams.
 */
function oldOfficeType(content: Uint8Array): string | undefined {
  const found = oleEntriesPresent(
    content,
    OLD_OFFICE_STREAMS.map(([name]) => name),
  );
  return OLD_OFFICE_STREAMS.find(([name]) => found.has(name))?.[1];
}

/** Word, Excel and PowerPoint 97-2003 files: OLE compound files underneath. */
export function isOleBased(mediaType: string): boolean {
  return mediaType === WORD || mediaType === EXCEL || mediaType === POWERPOINT;
}

/** Office Open XML and OpenDocument files: zip archives underneath. */
export function isZipBased(mediaType: string): boolean {
  return (
    mediaType.startsWith('application/vnd.openxmlformats-') || mediaType.startsWith('application/vnd.oasis.')
  );
}

/** The file name endings each accepted type may have. */
const EXTENSIONS: Readonly<Record<string, readonly string[]>> = {
  'application/pdf': ['pdf'],
  [WORD]: ['doc', 'dot'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  [EXCEL]: ['xls', 'xlt'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  [POWERPOINT]: ['ppt', 'pot', 'pps'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'application/vnd.oasis.opendocument.text': ['odt'],
  'application/vnd.oasis.opendocument.spreadsheet': ['ods'],
  'application/vnd.oasis.opendocument.presentation': ['odp'],
  'text/csv': ['csv'],
  'text/plain': ['txt'],
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg'],
};

/**
 * A name and content that disagree ("report.pdf" holding a picture, a document named ".exe") would
 * open in the wrong program once downloaded: the message saying so, or undefined when they agree. A
 * name without an extension (or ending in a number, "Policy v2.1") is left as it is.
 */
export function nameMismatchMessage(mediaType: string, fileName: string): string | undefined {
  const extension = /\.([\p{L}\p{N}]{1,10})$/u.exec(fileName)?.[1]?.toLowerCase();
  if (extension === undefined || !/\p{L}/u.test(extension)) return undefined;
  const expected = EXTENSIONS[mediaType] ?? [];
  if (expected.includes(extension)) return undefined;
  const label = MEDIA_TYPE_LABELS[mediaType] ?? 'different';
  const article = /^[AEIOU]/.test(label) ? 'an' : 'a';
  return `The selected file is ${article} ${label} file but its name ends in .${extension}: rename it to end in .${expected[0] ?? ''}, or choose the right file`;
}

/** How pages name a stored media type. */
export const MEDIA_TYPE_LABELS: Readonly<Record<string, string>> = {
  'application/pdf': 'PDF',
  [WORD]: 'Word',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word',
  [EXCEL]: 'Excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel',
  [POWERPOINT]: 'PowerPoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PowerPoint',
  'application/vnd.oasis.opendocument.text': 'OpenDocument text',
  'application/vnd.oasis.opendocument.spreadsheet': 'OpenDocument spreadsheet',
  'application/vnd.oasis.opendocument.presentation': 'OpenDocument presentation',
  'text/csv': 'CSV',
  'text/plain': 'Text',
  'image/png': 'PNG image',
  'image/jpeg': 'JPEG image',
};
