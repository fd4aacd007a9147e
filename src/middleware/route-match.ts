import type { Request } from 'express';
import { match } from 'path-to-regexp';

/**
 * Whether a request is for one of `patterns` (routes from paths.ts) with `method`, matched as
 * Express's own router matches them (path-to-regexp: any case, an optional trailing slash), for the
 * middleware that must decide before routing (CSRF's multipart exception, rate limits).
 */
export function requestMatcher(method: 'GET' | 'POST', ...patterns: string[]): (req: Request) => boolean {
  const matchers = patterns.map((pattern) => match(pattern, { sensitive: false, trailing: true }));
  return (req) => req.method === method && matchers.some((matches) => matches(req.path) !== false);
}
