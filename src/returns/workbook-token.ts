import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

// The signed token a downloaded return workbook carries on its hidden sheet: which return (and
// provider) it was made from, and the version of each answer at that moment, so an upload can tell
// what changed in the app since. HMAC-SHA256 under a key derived from the app's secret: editing the
// token, or copying one workbook's token into another, makes it fail to verify.

export interface WorkbookToken {
  returnId: string;
  providerId: string;
  /** The answer's version by requirement id when the workbook was made (0: no answer yet). */
  versions: Record<string, number>;
}

const payloadSchema = z.object({
  v: z.literal(1),
  r: z.string(),
  p: z.string(),
  a: z.record(z.string(), z.number().int().min(0)),
});

function tokenKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('return workbook v1').digest();
}

function signature(secret: string, payload: string): Buffer {
  return createHmac('sha256', tokenKey(secret)).update(payload).digest();
}

export function signWorkbookToken(secret: string, token: WorkbookToken): string {
  const payload = Buffer.from(
    JSON.stringify({ v: 1, r: token.returnId, p: token.providerId, a: token.versions }),
  ).toString('base64url');
  return `${payload}.${signature(secret, payload).toString('base64url')}`;
}

/** The token's contents, or undefined when it is not one this app signed (or was changed). */
export function verifyWorkbookToken(secret: string, text: string): WorkbookToken | undefined {
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const given = Buffer.from(match[2], 'base64url');
  const expected = signature(secret, match[1]);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const parsed = payloadSchema.safeParse(JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')));
    if (!parsed.success) return undefined;
    return { returnId: parsed.data.r, providerId: parsed.data.p, versions: parsed.data.a };
  } catch {
    return undefined;
  }
}
