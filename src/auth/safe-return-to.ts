/** Only paths on this site: never another origin, a protocol-relative URL or a backslash trick. */
export function safeReturnTo(candidate: string | undefined, fallback: string): string {
  if (!candidate?.startsWith('/')) return fallback;
  if (candidate.startsWith('//') || candidate.includes('\\')) return fallback;
  return candidate;
}
