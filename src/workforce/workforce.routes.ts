import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { permissionsFor } from '../auth/access.js';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { ValidationFailed } from '../errors.js';
import { errorSummary, formBody, parseForm, textField, type FieldErrors } from '../forms.js';
import { formatDateTime, ukToday } from '../format.js';
import { FIRST_YEAR } from '../obligations/schemas.js';
import { pathTo, paths } from '../paths.js';
import { RETURN_STATUS_TAGS, REQUIREMENT_STATE_TAGS } from '../returns/progress.js';
import { idFromPath, signedInUser, submitForm } from '../route-helpers.js';
import { dueText } from './due.js';
import { parseEntry, formValues, type Entry } from './entry.js';
import {
  assertCanChange,
  assertCanDecide,
  decideWorkforceReturn,
  entryFrom,
  entryName,
  providerWorkforce,
  saveEntry,
  startWorkforceReturn,
  submitWorkforceReturn,
  workforceReturn,
  type EntryState,
  type WorkforceReturnView,
} from './workforce.service.js';

const NOTICES: Readonly<Record<string, string>> = {
  started: 'The return has been started. Enter each indicator below.',
  saved: 'Saved.',
  submitted: 'The return has been submitted to the integrated care board for review.',
  accepted: 'The return has been accepted.',
  returned: 'The return has been sent back to the provider with your reason.',
};

const startSchema = (lastYear: number) =>
  z.object({
    standard: z.enum(['WRES', 'WDES'], { error: 'Select WRES or WDES' }),
    year: z
      .string({ error: 'Select the year of the data' })
      .regex(/^\d{4}$/, 'Select the year of the data')
      .transform(Number)
      .refine((year) => year >= FIRST_YEAR && year <= lastYear, 'Select the year of the data'),
  });

const reviewSchema = z
  .object({
    decision: z.enum(['accepted', 'returned'], {
      error: 'Select whether to accept the return or send it back',
    }),
    reason: z.string().trim().max(5000, 'The reason must be 5,000 characters or fewer').default(''),
  })
  .refine((value) => value.decision !== 'returned' || value.reason !== '', {
    path: ['reason'],
    message: 'Enter the reason the provider needs to change the return',
  });

/** "2025 data (as at 31 March 2025)". */
export function dataYearLabel(year: number): string {
  return `${year} data (as at 31 March ${year})`;
}

export function workforceRoutes(deps: AppDeps): Router {
  const router = Router();
  const lastYear = () => ukToday(deps.clock()).getUTCFullYear();
  const notice = (req: Request) => (typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined);

  const renderProvider = async (
    req: Request,
    res: Response,
    providerId: string,
    form: { values: Record<string, string>; errors: FieldErrors } = { values: {}, errors: {} },
  ) => {
    const user = signedInUser(res);
    const page = await providerWorkforce(deps, user, providerId);
    const years = [];
    for (let year = lastYear(); year >= FIRST_YEAR; year -= 1)
      years.push({ value: String(year), text: dataYearLabel(year) });
    res.render('workforce/provider', {
      provider: page.provider,
      notice: notice(req),
      providerHref: user.role === 'provider_lead' ? undefined : pathTo(paths.providers.show, { providerId }),
      trendLinks: [
        ...deps.caches.workforce.all.map((standard) => ({
          text: `${standard.code} trends over three years`,
          href: pathTo(paths.workforce.providerTrends, { providerId, standard: standard.code.toLowerCase() }),
        })),
        ...(permissionsFor(user).readRegister
          ? deps.caches.workforce.all.map((standard) => ({
              text: `${standard.code} across all providers`,
              href: pathTo(paths.workforce.icb, { standard: standard.code.toLowerCase() }),
            }))
          : []),
      ],
      returns: page.returns.map((row) => ({
        href: pathTo(paths.workforce.show, { returnId: row.id }),
        name: `${row.standardCode} ${row.year}`,
        standard:
          deps.caches.workforce.all.find((item) => item.code === row.standardCode)?.name ?? row.standardCode,
        yearText: dataYearLabel(row.year),
        due: dueText(row.due, row.status, ukToday(deps.clock())),
        tag: RETURN_STATUS_TAGS[row.status],
      })),
      start: page.canStart
        ? {
            action: pathTo(paths.workforce.provider, { providerId }),
            standards: deps.caches.workforce.all.map((standard) => ({
              value: standard.code,
              text: `${standard.name} (${standard.code})`,
            })),
            years,
            values: form.values,
            errors: form.errors,
            errorList: errorSummary(form.errors),
          }
        : undefined,
    });
  };

  router.get(paths.workforce.provider, requireSignIn, async (req, res) => {
    await renderProvider(req, res, idFromPath(req.params.providerId));
  });

  router.post(paths.workforce.provider, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const providerId = idFromPath(req.params.providerId);
    const body = formBody(req);
    await submitForm(
      res,
      parseForm(startSchema(lastYear()), body),
      async (data) => {
        const returnId = await startWorkforceReturn(deps, user, providerId, data.standard, data.year);
        res.redirect(`${pathTo(paths.workforce.show, { returnId })}?done=started`);
      },
      (errors) =>
        renderProvider(req, res, providerId, {
          values: { standard: textField(body, 'standard'), year: textField(body, 'year') },
          errors,
        }),
    );
  });

  const renderShow = (
    req: Request,
    res: Response,
    page: WorkforceReturnView,
    errors: FieldErrors = {},
    values: Record<string, string> = {},
  ) => {
    const returnId = page.row.id;
    res.render('workforce/show', {
      ...returnLocals(page),
      due: dueText(page.due, page.row.status, ukToday(deps.clock())),
      notice: notice(req),
      entries: page.entries.map((state) => entryRow(page, state)),
      checkHref: page.editable ? pathTo(paths.workforce.checkAnswers, { returnId }) : undefined,
      submissions: page.row.submissions.map((submission) => ({
        title: `Submission ${submission.sequence}`,
        submitted: `Submitted by ${submission.submittedBy.displayName} at ${formatDateTime(submission.submittedAt)}`,
        decision:
          submission.decision === null
            ? 'Waiting for review'
            : `${submission.decision === 'accepted' ? 'Accepted' : 'Returned'} by ${submission.reviewer?.displayName ?? 'the integrated care board'} at ${submission.decidedAt ? formatDateTime(submission.decidedAt) : ''}`,
        reason: submission.reason,
      })),
      review: page.canReview
        ? {
            action: pathTo(paths.workforce.review, { returnId }),
            values,
            errors,
            errorList: errorSummary(errors),
          }
        : undefined,
    });
  };

  router.get(paths.workforce.show, requireSignIn, async (req, res) => {
    const page = await workforceReturn(deps, signedInUser(res), idFromPath(req.params.returnId));
    renderShow(req, res, page);
  });

  const renderEntry = (
    req: Request,
    res: Response,
    page: WorkforceReturnView,
    state: EntryState,
    values: Record<string, string>,
    errors: FieldErrors = {},
  ) => {
    res.render('workforce/entry', {
      ...returnLocals(page),
      entry: state.entry,
      name: entryName(page.standard, state.entry),
      result: state.complete && Object.keys(errors).length === 0 ? state.result : undefined,
      action: pathTo(paths.workforce.entry, { returnId: page.row.id, indicatorCode: state.entry.code }),
      editable: page.editable,
      values,
      errors,
      errorList: errorSummary(errors),
      next: nextEntry(page, state.entry),
      notice: Object.keys(errors).length === 0 ? notice(req) : undefined,
    });
  };

  router.get(paths.workforce.entry, requireSignIn, async (req, res) => {
    const page = await workforceReturn(deps, signedInUser(res), idFromPath(req.params.returnId));
    const state = entryFrom(page, req.params.indicatorCode);
    renderEntry(req, res, page, state, state.complete ? formValues(state.inputs) : {});
  });

  router.post(paths.workforce.entry, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const returnId = idFromPath(req.params.returnId);
    const page = await workforceReturn(deps, user, returnId);
    const state = entryFrom(page, req.params.indicatorCode);
    const body = formBody(req);
    const parsed = parseEntry(page.standard, state.entry, body);
    const values = Object.fromEntries(
      state.entry.fields.map((field) => [field.name, textField(body, field.name)]),
    );
    assertCanChange(user, page.row);
    if (!parsed.ok) {
      res.status(400);
      renderEntry(req, res, page, state, values, parsed.errors);
      return;
    }
    await saveEntry(deps, user, returnId, state.entry.code, parsed.inputs);
    res.redirect(
      `${pathTo(paths.workforce.entry, { returnId, indicatorCode: state.entry.code })}?done=saved`,
    );
  });

  const renderCheck = (res: Response, page: WorkforceReturnView, errors: FieldErrors = {}) => {
    res.render('workforce/check-answers', {
      ...returnLocals(page),
      entries: page.entries.map((state) => entryRow(page, state)),
      submitAction: page.canSubmit ? pathTo(paths.workforce.submit, { returnId: page.row.id }) : undefined,
      errors,
      errorList: Object.entries(errors).map(([field, text]) => ({ text, href: `#${field}` })),
    });
  };

  router.get(paths.workforce.checkAnswers, requireSignIn, async (req, res) => {
    const page = await workforceReturn(deps, signedInUser(res), idFromPath(req.params.returnId));
    renderCheck(res, page);
  });

  router.post(paths.workforce.submit, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const returnId = idFromPath(req.params.returnId);
    try {
      await submitWorkforceReturn(deps, user, returnId);
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      res.status(400);
      renderCheck(res, await workforceReturn(deps, user, returnId), error.fieldErrors);
      return;
    }
    res.redirect(`${pathTo(paths.workforce.show, { returnId })}?done=submitted`);
  });

  router.post(paths.workforce.review, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const returnId = idFromPath(req.params.returnId);
    const body = formBody(req);
    const page = await workforceReturn(deps, user, returnId);
    assertCanDecide(user, page.row);
    await submitForm(
      res,
      parseForm(reviewSchema, body),
      async (data) => {
        await decideWorkforceReturn(
          deps,
          user,
          returnId,
          data.decision === 'accepted'
            ? { decision: 'accepted' }
            : { decision: 'returned', reason: data.reason },
        );
        res.redirect(`${pathTo(paths.workforce.show, { returnId })}?done=${data.decision}`);
      },
      (errors) =>
        renderShow(req, res, page, errors, {
          decision: textField(body, 'decision'),
          reason: textField(body, 'reason'),
        }),
    );
  });

  return router;
}

function returnLocals(page: WorkforceReturnView) {
  const { row, standard } = page;
  return {
    returnId: row.id,
    provider: row.provider,
    title: `${standard.code} return, ${dataYearLabel(row.year)}`,
    standardName: `${standard.name} (${standard.code} ${standard.version})`,
    statusTag: RETURN_STATUS_TAGS[row.status],
    showHref: pathTo(paths.workforce.show, { returnId: row.id }),
    providerHref: pathTo(paths.workforce.provider, { providerId: row.providerId }),
    standardCode: standard.code,
    trendsHref: pathTo(paths.workforce.providerTrends, {
      providerId: row.providerId,
      standard: standard.code.toLowerCase(),
    }),
    parityBand: `${standard.parityBand.low.toFixed(2)} to ${standard.parityBand.high.toFixed(2)}`,
    smallNumbers: standard.smallNumbers.below,
  };
}

function entryRow(page: WorkforceReturnView, state: EntryState) {
  return {
    id: `entry-${state.entry.code}`,
    code: state.entry.code,
    name: entryName(page.standard, state.entry),
    title: state.entry.title,
    href: pathTo(paths.workforce.entry, { returnId: page.row.id, indicatorCode: state.entry.code }),
    tag: REQUIREMENT_STATE_TAGS[state.complete ? 'completed' : 'not_started'],
    // A representation's counts are in its result's tables.
    inputs:
      state.complete && state.entry.kind !== 'representation'
        ? state.entry.fields.map((field) => ({
            label: field.label,
            value:
              field.kind === 'yes-no'
                ? state.inputs[field.name] === 'yes'
                  ? 'Yes'
                  : 'No'
                : String(state.inputs[field.name] ?? ''),
          }))
        : [],
    result: state.complete ? state.result : undefined,
  };
}

function nextEntry(page: WorkforceReturnView, entry: Entry) {
  const index = page.entries.findIndex((state) => state.entry.code === entry.code);
  const next = page.entries[index + 1];
  return next
    ? {
        href: pathTo(paths.workforce.entry, { returnId: page.row.id, indicatorCode: next.entry.code }),
        text: `Next: ${entryName(page.standard, next.entry)}`,
      }
    : { href: pathTo(paths.workforce.checkAnswers, { returnId: page.row.id }), text: 'Check your answers' };
}
