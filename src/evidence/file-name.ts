// The original name of an uploaded file is kept for people to recognise, never trusted. A name that
// tries something (a folder path, control or direction-changing characters, an absurd length) is
// refused with the reason, for the user to rename the file; an ordinary name is only tidied.

export const MAX_FILE_NAME_LENGTH = 150;
const FALLBACK_NAME = 'evidence';

// Controls (C0, DEL, C1) and invisible format characters such as right-to-left overrides, which can
// disguise an extension ("invoice\u202efdp.exe" shows as "invoiceexe.pdf").
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;

/** Why an uploaded file's name is refused, in words for the error summary; undefined if it is fine. */
export function fileNameProblem(original: string): string | undefined {
  if (/[/\\]/.test(original))
    return 'The name of the selected file contains a folder path (/ or \\): choose the file itself';
  if (INVISIBLE.test(original))
    return 'The name of the selected file contains hidden or control characters: rename the file';
  if (Array.from(original).length > MAX_FILE_NAME_LENGTH)
    return `The name of the selected file must be ${String(MAX_FILE_NAME_LENGTH)} characters or fewer: rename the file`;
  return undefined;
}

/** A name fileNameProblem accepts, tidied: one space between words, no trailing dots, never empty. */
export function tidyFileName(original: string): string {
  const tidied = original
    .normalize('NFC')
    .replace(/\s+/gu, ' ')
    .trim()
    // Windows drops trailing dots and spaces; a name of only dots ("..") means nothing.
    .replace(/[. ]+$/u, '');
  return tidied === '' ? FALLBACK_NAME : tidied;
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
