import { Router, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { formatFileSize } from '../evidence/format.js';
import { readUploadForm } from '../evidence/multipart-upload.js';
import { sendCsv } from '../exports/csv.js';
import { sendXlsx } from '../exports/xlsx.js';
import { formatDateTime } from '../format.js';
import { errorSummary, formBody, parseForm } from '../forms.js';
import { pathTo, paths } from '../paths.js';
import { PROVIDER_TYPE_LABELS } from '../providers/provider-types.js';
import { editorsOnly, idFromPath, signedInUser } from '../route-helpers.js';
import { REGISTER_COLUMNS, TEMPLATE_HEADER, TEMPLATE_LEAD_COLUMNS } from './register-file.js';
import {
  applyRegisterImport,
  registerImportView,
  startOdsImport,
  startRegisterImport,
  type ImportView,
} from './register-import.service.js';
import type { PlannedRow } from './register-plan.js';
import { loadOdsRoleCodes } from './ods-file.js';
import { confirmImportSchema, odsImportSchema } from './schemas.js';

/** Rows of each kind the preview lists in full; beyond that it says how many more. */
const ROWS_SHOWN = 500;

const STATUS_TAGS: Record<PlannedRow['status'], { text: string; colour: string }> = {
  new: { text: 'New', colour: 'blue' },
  changed: { text: 'Changed', colour: 'yellow' },
  unchanged: { text: 'Unchanged', colour: 'grey' },
  error: { text: 'Error', colour: 'red' },
};

const NOTICES: Readonly<Record<string, string>> = {
  'register-changed':
    'The register changed after this preview was made, so nothing was imported. Check the changes below, which are worked out afresh, and import again.',
};

export function importRoutes(deps: AppDeps): Router {
  const router = Router();
  const maxBytes = deps.config.imports.maxBytes;
  const maxRows = deps.config.imports.maxRows;

  const renderUpload = (res: Response, error?: string) => {
    const errors: Record<string, string> = error ? { file: error } : {};
    res.render('imports/register-upload', {
      errors,
      errorList: errorSummary(errors),
      uploadHint: `A CSV file or an Excel workbook (.xlsx), smaller than ${formatFileSize(maxBytes)}, with up to ${maxRows.toLocaleString('en-GB')} rows.`,
      columns: [
        ...REGISTER_COLUMNS.map((column) => ({
          header: column.header,
          required: column.required ? 'Yes' : 'No',
          description: column.description,
        })),
        {
          header: 'Lead 1 email, Lead 1 name, Lead 2 email ...',
          required: 'No',
          description:
            'Optional: the provider’s leads, as many pairs of columns as you need (add "Lead 3 email" and so on). Each lead is invited by email, as the invite page does. The name may be empty.',
        },
      ],
    });
  };

  router.get(paths.imports.register, requireSignIn, editorsOnly, (_req, res) => {
    renderUpload(res);
  });

  router.get(paths.imports.registerTemplateCsv, requireSignIn, editorsOnly, async (_req, res) => {
    await sendCsv(res, 'provider-register-template.csv', TEMPLATE_HEADER, []);
  });

  router.get(paths.imports.registerTemplateXlsx, requireSignIn, editorsOnly, async (_req, res) => {
    await sendXlsx(res, 'provider-register-template.xlsx', [
      { name: 'Providers', header: TEMPLATE_HEADER, rows: [], widths: TEMPLATE_HEADER.map(() => 24) },
      {
        name: 'How to fill it in',
        header: ['Column', 'Required', 'What to write', 'Example'],
        widths: [28, 10, 90, 40],
        rows: [
          ...REGISTER_COLUMNS.map((column) => [
            column.header,
            column.required ? 'Yes' : 'No',
            column.description,
            column.example,
          ]),
          [
            TEMPLATE_LEAD_COLUMNS.join(', '),
            'No',
            'The provider’s leads: add "Lead 3 email", "Lead 3 name" and so on for more. Each is invited by email.',
            'jo.bloggs@example.nhs.uk',
          ],
          ['Provider types', '', Object.values(PROVIDER_TYPE_LABELS).join(', '), ''],
        ],
      },
    ]);
  });

  // Multipart: the CSRF middleware leaves this route to check the token itself (src/middleware/csrf.ts),
  // from the `_csrf` field the form sends before the file, before a byte of the file is read.
  router.post(paths.imports.register, requireSignIn, editorsOnly, async (req, res) => {
    const user = signedInUser(res);
    const read = await readUploadForm(req, res, maxBytes);
    if (read.outcome === 'too-large') {
      res.status(413);
      renderUpload(res, `The file must be smaller than ${formatFileSize(maxBytes)}`);
      return;
    }
    if (read.outcome === 'no-file' || read.file.sizeBytes === 0) {
      res.status(400);
      renderUpload(
        res,
        read.outcome === 'no-file' ? 'Select a CSV or Excel file to import' : 'The selected file is empty',
      );
      return;
    }
    const outcome = await startRegisterImport(deps, user, read.file);
    if (!outcome.ok) {
      res.status(400);
      renderUpload(res, outcome.error);
      return;
    }
    res.redirect(pathTo(paths.imports.registerShow, { importId: outcome.importId }));
  });

  const odsFiles = loadOdsRoleCodes().files;
  const renderOds = (
    res: Response,
    error?: { field: string; text: string },
    values: Record<string, string> = {},
  ) => {
    const errors: Record<string, string> = error ? { [error.field]: error.text } : {};
    res.render('imports/ods-upload', {
      errors,
      errorList: errorSummary(errors),
      values,
      fileKindItems: Object.entries(odsFiles).map(([value, file]) => ({ value, text: file.label })),
      uploadHint: `The file as NHS England publishes it (CSV, no header row), smaller than ${formatFileSize(maxBytes)}.`,
    });
  };

  router.get(paths.imports.ods, requireSignIn, editorsOnly, (_req, res) => {
    renderOds(res);
  });

  // Multipart, its token checked before the file as above.
  router.post(paths.imports.ods, requireSignIn, editorsOnly, async (req, res) => {
    const user = signedInUser(res);
    const read = await readUploadForm(req, res, maxBytes);
    const values = { fileKind: read.fields.fileKind ?? '', addNew: read.fields.addNew ?? '' };
    const options = parseForm(odsImportSchema, read.fields);
    if (!options.ok) {
      res.status(400);
      renderOds(res, { field: 'fileKind', text: 'Select which ODS file this is' }, values);
      return;
    }
    if (read.outcome === 'too-large') {
      res.status(413);
      renderOds(
        res,
        { field: 'file', text: `The file must be smaller than ${formatFileSize(maxBytes)}` },
        values,
      );
      return;
    }
    if (read.outcome === 'no-file' || read.file.sizeBytes === 0) {
      res.status(400);
      renderOds(
        res,
        {
          field: 'file',
          text: read.outcome === 'no-file' ? 'Select the ODS file to load' : 'The selected file is empty',
        },
        values,
      );
      return;
    }
    const outcome = await startOdsImport(deps, user, read.file, options.data);
    if (!outcome.ok) {
      res.status(400);
      renderOds(res, { field: 'file', text: outcome.error }, values);
      return;
    }
    res.redirect(pathTo(paths.imports.registerShow, { importId: outcome.importId }));
  });

  router.get(paths.imports.registerShow, requireSignIn, editorsOnly, async (req, res) => {
    const view = await registerImportView(deps, signedInUser(res), idFromPath(req.params.importId));
    const done = typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
    renderImport(res, view, done);
  });

  router.post(paths.imports.registerShow, requireSignIn, editorsOnly, async (req, res) => {
    const user = signedInUser(res);
    const importId = idFromPath(req.params.importId);
    const form = parseForm(confirmImportSchema, formBody(req));
    const outcome = form.ok
      ? await applyRegisterImport(deps, user, importId, form.data.fingerprint)
      : 'register-changed';
    const show = pathTo(paths.imports.registerShow, { importId });
    res.redirect(outcome === 'register-changed' ? `${show}?done=register-changed` : show);
  });

  return router;
}

function rowItems(rows: PlannedRow[]) {
  return rows.slice(0, ROWS_SHOWN).map((row) => ({
    row: String(row.row),
    odsCode: row.odsCode || 'None',
    name: row.name || 'No name',
    tag: STATUS_TAGS[row.status],
    details: (row.status === 'error' ? row.errors : row.changes).join('. '),
  }));
}

function renderImport(res: Response, view: ImportView, notice: string | undefined): void {
  const common = {
    importId: view.id,
    fileName: view.fileName,
    uploadedBy: view.createdBy,
    uploadedAt: formatDateTime(view.createdAt),
    ignoredColumns: view.ignoredColumns,
    ods: view.ods,
    notice,
  };
  if (view.state.status === 'applied') {
    res.render('imports/register-result', {
      ...common,
      appliedAt: formatDateTime(view.state.appliedAt),
      counts: view.state.counts,
    });
    return;
  }
  const { plan } = view.state;
  const of = (status: PlannedRow['status']) => plan.rows.filter((row) => row.status === status);
  const errors = of('error');
  const changed = [...of('new'), ...of('changed')].sort((a, b) => a.row - b.row);
  res.render('imports/register-preview', {
    ...common,
    fingerprint: plan.fingerprint,
    counts: plan.counts,
    hasChanges: changed.length > 0,
    errorRows: rowItems(errors),
    errorRowsHidden: Math.max(0, errors.length - ROWS_SHOWN),
    changedRows: rowItems(changed),
    changedRowsHidden: Math.max(0, changed.length - ROWS_SHOWN),
    missing: plan.missing.slice(0, ROWS_SHOWN).map((provider) => ({
      name: provider.name,
      odsCode: provider.odsCode,
      href: pathTo(paths.providers.show, { providerId: provider.id }),
      deactivateHref: pathTo(paths.providers.deactivate, { providerId: provider.id }),
    })),
    missingHidden: Math.max(0, plan.missing.length - ROWS_SHOWN),
  });
}
