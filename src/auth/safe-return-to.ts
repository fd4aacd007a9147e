// Browsers drop tabs and line breaks inside a URL ("/\t/evil.example" becomes "//evil.example"),
// and a request path never holds them or spaces unencoded: any such character means a trick.
const CONTROL_OR_SPACE = /[\p{Cc}\s]/u;

/** Only paths on this site: never another origin, a protocol-relative URL or a backslash trick. */
export function safeReturnTo(candidate: string | undefined, fallback: string): string {
  if (!candidate?.startsWith('/')) return fallback;
  if (candidate.startsWith('//') || candidate.includes('\\') || CONTROL_OR_SPACE.test(candidate)) {
    return fallback;
  }
  return candidate;
}
