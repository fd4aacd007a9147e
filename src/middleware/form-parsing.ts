import { parse as parseQuery } from 'node:querystring';
import express, { type Express, type Request } from 'express';
import { formBody, type FormBody } from '../forms.js';

// PostgreSQL text cannot hold U+0000 (saving it fails deep in the database, a 500), and nobody means
// to type it. It is dropped from every posted field and query value here, once, instead of in each form.
const NUL = '\u0000';

function withoutNul(fields: Readonly<Record<string, string | string[] | undefined>>): FormBody {
  const clean: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') clean[name] = value.replaceAll(NUL, '');
    else if (value) clean[name] = value.map((item) => item.replaceAll(NUL, ''));
  }
  return clean;
}

/** Ordinary (urlencoded) forms, and the query strings of GET forms, without NUL characters. */
export function setUpFormParsing(app: Express): void {
  // Express 5's "simple" parser, cleaned (req.query is parsed again on each read, so it is done here).
  app.set('query parser', (text: string) => withoutNul(parseQuery(text)));
  app.use(
    express.urlencoded({
      extended: false,
      // The longest form is a requirement's answer: 15,200 characters of text (narrative, actions
      // planned, action owner). A character may take 3 bytes of UTF-8, each sent as %XX: 9 bytes, so
      // 137 KB of text at worst, with the other fields well inside this.
      limit: '256kb',
      parameterLimit: 1000,
      // Browsers never compress a form: a compressed body is refused (415), never inflated.
      inflate: false,
    }),
  );
  app.use((req: Request, _res, next) => {
    // Routes read the form through formBody (src/forms.ts), never req.body itself.
    if (req.body !== undefined) req.body = withoutNul(formBody(req));
    next();
  });
}
