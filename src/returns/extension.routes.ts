import { Router, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import {
  errorSummary,
  readDateFields,
  type DateParts,
  type FieldErrors,
  formBody,
  textField,
} from '../forms.js';
import { pathTo, paths } from '../paths.js';
import { editorsOnly, idFromPath, signedInUser, submitForm } from '../route-helpers.js';
import { formatDate } from '../format.js';
import { RETURN_STATUS_TAGS } from '../returns/progress.js';
import { agreeExtension, getReturnForExtension } from './extension.service.js';
import { readExtensionForm } from './schemas.js';

export function extensionRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get(paths.returns.extension, requireSignIn, editorsOnly, async (req, res) => {
    await renderExtension(deps, res, idFromPath(req.params.returnId), {
      dueDate: { day: '', month: '', year: '' },
      reason: '',
    });
  });

  router.post(paths.returns.extension, requireSignIn, editorsOnly, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const body = formBody(req);
    const values = {
      dueDate: readDateFields(body, 'dueDate'),
      reason: textField(body, 'reason'),
    };
    await submitForm(
      res,
      readExtensionForm(body),
      async (input) => {
        const period = await agreeExtension(deps.prisma, signedInUser(res), returnId, input);
        res.redirect(pathTo(paths.periods.show, { periodId: period.id }));
      },
      (errors) => renderExtension(deps, res, returnId, values, errors),
    );
  });

  return router;
}

async function renderExtension(
  deps: AppDeps,
  res: Response,
  returnId: string,
  values: { dueDate: DateParts; reason: string },
  errors: FieldErrors = {},
): Promise<void> {
  const found = await getReturnForExtension(deps.prisma, signedInUser(res), returnId);
  res.render('returns/extension', {
    action: pathTo(paths.returns.extension, { returnId }),
    periodHref: pathTo(paths.periods.show, { periodId: found.period.id }),
    summary: {
      provider: found.provider.name,
      contract: found.contract.reference,
      standard: found.frameworkVersion.name,
      period: found.period.label,
      tag: RETURN_STATUS_TAGS[found.status],
      dueDate: formatDate(found.dueDate),
      originalDueDate: formatDate(found.originalDueDate),
      extensionReason: found.extensionReason,
    },
    values,
    errors,
    errorList: errorSummary(errors, ['dueDate']),
  });
}
