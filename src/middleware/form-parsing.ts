import { parse as parseQuery } from 'node:querystring';
import express, { type Express, type Request } from 'express';

// PostgreSQL text cannot hold U+0000 (saving it fails deep in the database, a 500), and nobody means
// to type it. It is dropped from every posted field and query value here, once, instead of in each form.
const NUL = '\u0000';

function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll(NUL, '');
  if (Array.isArray(value)) return value.map(withoutNul);
  return value;
}

function cleanFields(fields: unknown): void {
  if (typeof fields !== 'object' || fields === null) return;
  const record = fields as Record<string, unknown>;
  for (const name of Object.keys(record)) record[name] = withoutNul(record[name]);
}

/** Ordinary (urlencoded) forms, and the query strings of GET forms, without NUL characters. */
export function setUpFormParsing(app: Express): void {
  // Express 5's "simple" parser, cleaned (req.query is parsed again on each read, so it is done here).
  app.set('query parser', (text: string) => {
    const query = parseQuery(text);
    cleanFields(query);
    return query;
  });
  app.use(express.urlencoded({ extended: false, limit: '100kb' }));
  app.use((req: Request, _res, next) => {
    cleanFields(req.body);
    next();
  });
}
