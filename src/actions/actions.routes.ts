import { Router, type Request, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { CurrentUser } from '../auth/current-user.js';
import type { AppDeps } from '../deps.js';
import { errorSummary, formBody, parseForm, queryFields, textField, type FieldErrors } from '../forms.js';
import { pathTo, paths, withService } from '../paths.js';
import { idFromPath, serviceFromQuery, signedInUser, submitForm } from '../route-helpers.js';
import { OVERDUE_TAG } from '../returns/progress.js';
import { answerTarget } from '../returns/returns.service.js';
import { ACTION_STATUS_LABELS } from './actions.js';
import { actionsListPage, parseActionsListQuery } from './actions-list.js';
import {
  actionPage,
  addAction,
  addActionPage,
  addActionUpdate,
  assertCanUpdateAction,
  linkAction,
} from './actions.service.js';
import {
  actionUpdateSchema,
  linkActionSchema,
  newActionValuesFromBody,
  NO_STATUS_CHANGE,
  readNewActionForm,
  type NewActionValues,
} from './schemas.js';
import { ActionStatus } from '../generated/prisma/enums.js';

const NEW_ACTION_FIELDS = ['description', 'owner', 'dueDate'] as const;

const EMPTY_ACTION: NewActionValues = {
  description: '',
  owner: '',
  dueDate: { day: '', month: '', year: '' },
};

export function actionRoutes(deps: AppDeps): Router {
  const router = Router();
  const { clock } = deps;

  // The service whose page the action was added from (issue 14) is carried so the user goes back there.
  const ids = (req: Request) => ({
    returnId: idFromPath(req.params.returnId),
    requirementId: idFromPath(req.params.requirementId),
    serviceId: serviceFromQuery(req),
  });

  const backTo = ({ returnId, requirementId, serviceId }: ReturnType<typeof ids>) =>
    withService(pathTo(paths.returns.requirement, { returnId, requirementId }), serviceId);

  async function renderAdd(
    res: Response,
    user: CurrentUser,
    { returnId, requirementId, serviceId }: ReturnType<typeof ids>,
    view: { values: NewActionValues; errors?: FieldErrors; linkErrors?: FieldErrors; actionId?: string },
  ) {
    const page = await addActionPage(deps, user, returnId, requirementId, clock(), serviceId);
    const errors: FieldErrors = {};
    for (const field of NEW_ACTION_FIELDS) if (view.errors?.[field]) errors[field] = view.errors[field];
    const linkErrors = view.linkErrors ?? {};
    res.render('actions/add', {
      ...page,
      addAction: withService(pathTo(paths.actions.add, { returnId, requirementId }), serviceId),
      linkAction: withService(pathTo(paths.actions.link, { returnId, requirementId }), serviceId),
      values: view.values,
      selectedAction: view.actionId ?? '',
      errors,
      linkErrors,
      errorList: [...errorSummary(linkErrors), ...errorSummary(errors, ['dueDate'])],
    });
  }

  router.get(paths.actions.list, requireSignIn, async (req, res) => {
    const page = await actionsListPage(
      deps.prisma,
      signedInUser(res),
      parseActionsListQuery(queryFields(req)),
      clock(),
    );
    res.render('actions/list', { page, overdueTag: OVERDUE_TAG });
  });

  router.get(paths.actions.add, requireSignIn, async (req, res) => {
    await renderAdd(res, signedInUser(res), ids(req), { values: EMPTY_ACTION });
  });

  router.post(paths.actions.add, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const at = ids(req);
    // Refuse other providers, staff and frozen returns before looking at what was posted.
    const target = await answerTarget(deps, user, at.returnId, at.requirementId, at.serviceId);
    const body = formBody(req);
    await submitForm(
      res,
      readNewActionForm(body),
      async (input) => {
        await addAction(deps, user, target, input, clock());
        res.redirect(`${backTo(at)}#actions`);
      },
      (errors) => renderAdd(res, user, at, { values: newActionValuesFromBody(body), errors }),
    );
  });

  router.post(paths.actions.link, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const at = ids(req);
    const target = await answerTarget(deps, user, at.returnId, at.requirementId, at.serviceId);
    const body = formBody(req);
    await submitForm(
      res,
      parseForm(linkActionSchema, body),
      async ({ actionId }) => {
        await linkAction(deps, user, target, actionId, clock());
        res.redirect(`${backTo(at)}#actions`);
      },
      (linkErrors) =>
        renderAdd(res, user, at, {
          values: EMPTY_ACTION,
          linkErrors,
          actionId: textField(body, 'actionId'),
        }),
    );
  });

  async function renderAction(
    res: Response,
    actionId: string,
    view: { values: { text: string; status: string }; errors?: FieldErrors },
  ) {
    const page = await actionPage(deps, signedInUser(res), actionId, clock());
    const errors = view.errors ?? {};
    res.render('actions/show', {
      action: page,
      updateHref: pathTo(paths.actions.update, { actionId }),
      statusItems: [
        { value: NO_STATUS_CHANGE, text: `Keep it as it is (${ACTION_STATUS_LABELS[page.status]})` },
        ...Object.values(ActionStatus)
          .filter((status) => status !== page.status)
          .map((status) => ({ value: status, text: ACTION_STATUS_LABELS[status] })),
      ],
      values: view.values,
      errors,
      errorList: errorSummary(errors),
    });
  }

  router.get(paths.actions.show, requireSignIn, async (req, res) => {
    await renderAction(res, idFromPath(req.params.actionId), {
      values: { text: '', status: NO_STATUS_CHANGE },
    });
  });

  router.post(paths.actions.update, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const actionId = idFromPath(req.params.actionId);
    await assertCanUpdateAction(deps, user, actionId);
    const body = formBody(req);
    await submitForm(
      res,
      parseForm(actionUpdateSchema, body),
      async (input) => {
        await addActionUpdate(deps, user, actionId, input, clock());
        res.redirect(`${pathTo(paths.actions.show, { actionId })}#updates`);
      },
      (errors) =>
        renderAction(res, actionId, {
          values: { text: textField(body, 'text'), status: textField(body, 'status') || NO_STATUS_CHANGE },
          errors,
        }),
    );
  });

  return router;
}
