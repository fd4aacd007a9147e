import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express from 'express';
import { paths } from '../paths.js';
import { PUBLIC_DIR } from '../project-root.js';

const require = createRequire(import.meta.url);
const NHSUK_PACKAGE_JSON = require.resolve('nhsuk-frontend/package.json');

/** The folder of compiled NHS.UK frontend files: CSS, JS and `assets/` (images, manifest). */
export const NHSUK_DIST_DIR = join(dirname(NHSUK_PACKAGE_JSON), 'dist', 'nhsuk');

/** The installed (pinned) nhsuk-frontend version, which its compiled CSS and JS carry in their file names. */
export const NHSUK_FRONTEND_VERSION = (
  JSON.parse(readFileSync(NHSUK_PACKAGE_JSON, 'utf8')) as { version: string }
).version;

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;
const ONE_DAY_SECONDS = 24 * 60 * 60;
const TEN_MINUTES_SECONDS = 10 * 60;

/** Files with the version in their name (`nhsuk-frontend-10.6.1.min.css`) never change: cache them for good. */
function nhsukCacheControl(filePath: string): string {
  return filePath.includes(`-${NHSUK_FRONTEND_VERSION}.`)
    ? `public, max-age=${ONE_YEAR_SECONDS}, immutable`
    : `public, max-age=${ONE_DAY_SECONDS}`;
}

/**
 * Serves the NHS.UK frontend files straight from the pinned package and the app's own `public/`
 * folder. Unknown files fall through to the app's 404 page; directories are never listed.
 */
export function setUpStatic(app: express.Express): void {
  const common = { index: false, fallthrough: true, redirect: false, dotfiles: 'ignore' } as const;

  app.use(
    paths.assets.nhsuk,
    express.static(NHSUK_DIST_DIR, {
      ...common,
      cacheControl: false,
      setHeaders: (res, filePath) => {
        res.setHeader('Cache-Control', nhsukCacheControl(filePath));
      },
    }),
  );

  app.use(
    paths.assets.nhsukCssImages,
    express.static(join(NHSUK_DIST_DIR, 'assets', 'images'), {
      ...common,
      cacheControl: false,
      setHeaders: (res) => {
        res.setHeader('Cache-Control', `public, max-age=${ONE_DAY_SECONDS}`);
      },
    }),
  );

  app.use(paths.assets.app, express.static(PUBLIC_DIR, { ...common, maxAge: TEN_MINUTES_SECONDS * 1000 }));
}
