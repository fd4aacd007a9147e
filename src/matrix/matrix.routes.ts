import { join } from 'node:path';
import ejs from 'ejs';
import { Router, type Request, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { sendCsv, type CsvRow } from '../exports/csv.js';
import { paths } from '../paths.js';
import { VIEWS_DIR } from '../project-root.js';
import { PROVIDER_TYPE_LABELS } from '../providers/provider-types.js';
import { RETURN_STATUS_TAGS } from '../returns/progress.js';
import { signedInUser, staffOnly } from '../route-helpers.js';
import {
  MATRIX_STATES,
  matrixHref,
  matrixPage,
  type MatrixPage,
  type TableBytes,
  type TableHtml,
} from './matrix.service.js';
import { deflatePart, gzipOf } from '../gzip-parts.js';
import { parseMatrixQuery, PUBLICATION_STATES } from './schemas.js';
import { PUBLICATION_STATE_TAGS } from '../obligations/publications.service.js';
import { queryFields } from '../forms.js';
import { isoDate } from '../format.js';

/** The matrix for the request's filters, as views/matrix/_matrix.ejs shows it (matrix page and staff home). */
export async function matrixLocalsFor(deps: AppDeps, req: Request, res: Response) {
  const { page, table } = await matrixPage(
    deps,
    signedInUser(res),
    parseMatrixQuery(queryFields(req)),
    deps.clock(),
  );
  return matrixViewLocals(page, table, req.app.enabled('view cache'));
}

/** Renders the matrix page for the request's filters. */
export async function renderMatrix(deps: AppDeps, req: Request, res: Response): Promise<void> {
  const locals = await matrixLocalsFor(deps, req, res);
  await sendWithTable(res, 'matrix/index', locals, locals.table);
}

const TABLE_VIEW = join(VIEWS_DIR, 'matrix', '_table.ejs');

/** Where the table goes in a rendered page (views/matrix/_matrix.ejs); sendWithTable puts it there. */
const TABLE_SLOT = '<!-- the matrix table -->';

/** The locals of views/matrix/index.ejs for a matrix page, its table rendered apart (see _table.ejs). */
export async function matrixViewLocals(page: MatrixPage, table: TableHtml, cache: boolean) {
  return {
    page,
    table:
      page.period && page.rows.length > 0
        ? await table(() =>
            ejs.renderFile(TABLE_VIEW, { page }, { strict: true, localsName: 'locals', cache }),
          )
        : null,
    tableSlot: TABLE_SLOT,
    exportHref: matrixHref(page.query, paths.matrix.export),
    providerTypes: Object.entries(PROVIDER_TYPE_LABELS).map(([value, text]) => ({ value, text })),
    states: MATRIX_STATES.map((value) => ({ value, text: RETURN_STATUS_TAGS[value].text })),
    publicationStates: PUBLICATION_STATES.map((value) => ({
      value,
      text: PUBLICATION_STATE_TAGS[value].text,
    })),
  };
}

/**
 * Renders a page holding the matrix and sends it with the kept table written in its slot as bytes:
 * the page around it is small, and the table (megabytes for a national register) is neither copied
 * into the page's string nor encoded again per request, which kept memory high under load. A browser
 * that asks for gzip (all do) gets the table compressed once and kept, a tenth of its size, and the
 * page around it uncompressed (src/gzip-parts.ts says why).
 */
export async function sendWithTable(
  res: Response,
  view: string,
  locals: Record<string, unknown>,
  table: TableBytes | null,
): Promise<void> {
  const html = await new Promise<string>((resolve, reject) => {
    res.render(view, locals, (error: Error | null, rendered: string) => {
      if (error) reject(error);
      else resolve(rendered);
    });
  });
  const at = table ? html.indexOf(TABLE_SLOT) : -1;
  if (!table || at < 0) {
    res.send(html);
    return;
  }
  const head = Buffer.from(html.slice(0, at));
  const tail = Buffer.from(html.slice(at + TABLE_SLOT.length));
  res.type('html');
  res.vary('Accept-Encoding');
  const gzip = res.req.acceptsEncodings('gzip') === 'gzip';
  const body = gzip
    ? gzipOf(await Promise.all([deflatePart(head, false), table.gzipPart(), deflatePart(tail, false)]))
    : [head, table.html, tail];
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  res.setHeader(
    'Content-Length',
    body.reduce((length, part) => length + part.length, 0),
  );
  for (const part of body.slice(0, -1)) res.write(part);
  res.end(body.at(-1));
}

export function matrixRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get(paths.matrix.show, requireSignIn, staffOnly, (req, res) => renderMatrix(deps, req, res));
  // The current filtered and sorted view as CSV (same filters, same rows, same order).
  router.get(paths.matrix.export, requireSignIn, staffOnly, async (req, res) => {
    const { page } = await matrixPage(
      deps,
      signedInUser(res),
      parseMatrixQuery(queryFields(req)),
      deps.clock(),
    );
    const label = page.period?.label.replace(/[^A-Za-z0-9-]+/g, '-') ?? 'none';
    await sendCsv(res, `compliance-matrix-${label}.csv`, csvHeader(page), csvRows(page));
  });
  return router;
}

function csvHeader(page: MatrixPage): string[] {
  return [
    'Period',
    'Provider',
    'ODS code',
    'Provider type',
    ...page.columns.flatMap((column) => [
      `${column.name}: state`,
      `${column.name}: days overdue`,
      `${column.name}: result`,
    ]),
    ...page.workforceColumns.flatMap((column) => [
      `${column.name} return: state`,
      `${column.name} return: days overdue`,
      `${column.name} return: due date`,
    ]),
    ...page.obligationColumns.flatMap((column) => [
      `${column.name}: state`,
      `${column.name}: detail`,
      `${column.name}: published at`,
      `${column.name}: date published`,
      `${column.name}: checked by`,
      `${column.name}: checked at`,
    ]),
  ];
}

function* csvRows(page: MatrixPage): Generator<CsvRow> {
  for (const row of page.rows) {
    yield [
      page.period?.label ?? '',
      row.name,
      row.odsCode,
      row.typeLabel,
      ...row.cells.flatMap((cell) =>
        cell ? [cell.statusText, cell.overdueDays, cell.resultLines.join('; ')] : ['No return due', null, ''],
      ),
      ...row.workforceCells.flatMap((cell) => [
        cell.statusText,
        cell.overdueDays,
        cell.dueOn ? isoDate(cell.dueOn) : '',
      ]),
      ...row.obligationCells.flatMap((cell) => [
        cell.statusText,
        cell.detail,
        cell.publication?.url ?? '',
        cell.publication ? isoDate(cell.publication.publishedOn) : '',
        cell.publication?.checkedBy ?? '',
        cell.publication?.checkedAt?.toISOString() ?? '',
      ]),
    ];
  }
}
