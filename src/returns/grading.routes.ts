import { Router, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { errorSummary, formBody, partsFromDate, type FieldErrors } from '../forms.js';
import { pathTo, paths } from '../paths.js';
import { idFromPath, signedInUser, submitForm } from '../route-helpers.js';
import { GRADING_GROUPS, gradingValuesFromBody, readGradingForm, type GradingValues } from './grading.js';
import { gradingPage, recordGrading } from './grading.service.js';

const GRADING_FIELDS = ['firstDate', 'lastDate', 'groups', 'howAgreed', 'dissent'] as const;

export function gradingRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get(paths.returns.grading, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const page = await gradingPage(deps, signedInUser(res), returnId, deps.clock());
    const record = page.record;
    await renderGrading(deps, res, returnId, {
      firstDate: partsFromDate(record?.firstDate),
      lastDate: partsFromDate(record?.lastDate),
      groups: record?.groups ?? [],
      howAgreed: record?.howAgreed ?? '',
      dissent: record?.dissent ?? '',
    });
  });

  router.post(paths.returns.grading, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const user = signedInUser(res);
    // Refuse other providers, staff and frozen returns before looking at what was posted.
    await gradingPage(deps, user, returnId, deps.clock());
    const body = formBody(req);
    await submitForm(
      res,
      readGradingForm(body),
      async (input) => {
        await recordGrading(deps, user, returnId, input, deps.clock());
        res.redirect(pathTo(paths.returns.show, { returnId }));
      },
      (errors) => renderGrading(deps, res, returnId, gradingValuesFromBody(body), errors),
    );
  });

  return router;
}

async function renderGrading(
  deps: AppDeps,
  res: Response,
  returnId: string,
  values: GradingValues,
  errors: FieldErrors = {},
): Promise<void> {
  const page = await gradingPage(deps, signedInUser(res), returnId, deps.clock());
  const ordered: FieldErrors = {};
  for (const field of GRADING_FIELDS) if (errors[field]) ordered[field] = errors[field];
  res.render('returns/grading', {
    summary: page.summary,
    action: pathTo(paths.returns.grading, { returnId }),
    returnHref: pathTo(paths.returns.show, { returnId }),
    groupItems: GRADING_GROUPS.map((group) => ({ value: group.code, text: group.label })),
    values,
    errors: ordered,
    errorList: errorSummary(ordered, ['firstDate', 'lastDate']),
  });
}
