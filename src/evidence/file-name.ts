// The original name of an uploaded file is kept for people to recognise, never trusted: no path,
// no control or direction-changing characters, a sensible length, and never empty.

export const MAX_FILE_NAME_LENGTH = 150;
const FALLBACK_NAME = 'evidence';

const WHITESPACE_CONTROLS = /[\t\n\v\f\r\u0085]/g;
// Controls (C0, DEL, C1) and invisible format characters such as right-to-left overrides, which can
// disguise an extension ("invoice‮fdp.exe").
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;
const EXTENSION = /\.[\p{L}\p{N}]{1,10}$/u;

export function sanitiseFileName(original: string): string {
  // Browsers send only the name, but some clients send a full path, Windows or not.
  const lastPart = original.split(/[/\\]/).pop() ?? '';
  const cleaned = lastPart
    .normalize('NFC')
    .replace(WHITESPACE_CONTROLS, ' ')
    .replace(INVISIBLE, '')
    .replace(/\s+/gu, ' ')
    .trim()
    // Windows drops trailing dots and spaces; a name of only dots ("..") means nothing.
    .replace(/[. ]+$/u, '');
  if (cleaned === '') return FALLBACK_NAME;
  return truncateKeepingExtension(cleaned, MAX_FILE_NAME_LENGTH);
}

/** Shortens by characters (not UTF-16 units, so no half emoji), keeping the extension. */
function truncateKeepingExtension(name: string, maxLength: number): string {
  const characters = Array.from(name);
  if (characters.length <= maxLength) return name;
  const extension = EXTENSION.exec(name)?.[0] ?? '';
  const baseLength = maxLength - Array.from(extension).length;
  const base = characters
    .slice(0, baseLength)
    .join('')
    .replace(/[. ]+$/u, '');
  return base === '' ? FALLBACK_NAME + extension : base + extension;
}

/** A US-ASCII stand-in for a name, for the plain `filename=` of Content-Disposition. */
export function asciiFileName(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]/g, '_')
    .trim();
  return ascii === '' ? FALLBACK_NAME : ascii;
}
