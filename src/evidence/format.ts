import { MEDIA_TYPE_LABELS } from './media-type.js';

/** A size as people read it: "12 KB", "1.5 MB", "20 MB" (1 KB = 1,024 bytes). */
export function formatFileSize(bytes: number): string {
  const megabyte = 1024 * 1024;
  if (bytes < megabyte) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${Math.round((bytes / megabyte) * 10) / 10} MB`;
}

export function mediaTypeLabel(mediaType: string): string {
  return MEDIA_TYPE_LABELS[mediaType] ?? 'File';
}
