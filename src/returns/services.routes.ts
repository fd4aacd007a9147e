import { Router, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { errorSummary, formBody, parseForm, type FieldErrors } from '../forms.js';
import { pathTo, paths } from '../paths.js';
import type { ReturnSummary } from './returns.service.js';
import { idFromPath, signedInUser, submitForm } from '../route-helpers.js';
import {
  minimumText,
  SERVICE_FIELDS,
  SERVICE_NAME_MAX,
  SERVICE_WHY_MAX,
  serviceFormSchema,
  serviceValuesFromBody,
  type ServiceValues,
} from './services.js';
import {
  addService,
  changeService,
  removeService,
  removeServicePage,
  reviewedServiceText,
  servicePage,
  servicesPage,
} from './services.service.js';

// Issue 14: the "Services assessed" step of an EDS 2022 return (see services.service.ts).

export function servicesRoutes(deps: AppDeps): Router {
  const router = Router();
  const now = () => deps.clock();

  router.get(paths.returns.services, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const page = await servicesPage(deps, signedInUser(res), returnId, now());
    res.render('returns/services', {
      ...page,
      minimumText: minimumText(page.rule.minimum),
      returnHref: pathTo(paths.returns.show, { returnId }),
      addHref: pathTo(paths.returns.serviceAdd, { returnId }),
      rows: page.services.map((service) => ({
        ...service,
        changeHref: pathTo(paths.returns.serviceChange, { returnId, serviceId: service.id }),
        removeHref: pathTo(paths.returns.serviceRemove, { returnId, serviceId: service.id }),
      })),
    });
  });

  router.get(paths.returns.serviceAdd, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const { summary } = await servicesPage(deps, signedInUser(res), returnId, now());
    renderForm(res, summary, returnId, undefined, { name: '', whyChosen: '' });
  });

  router.post(paths.returns.serviceAdd, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const user = signedInUser(res);
    // Refuse other providers, staff and frozen returns before looking at what was posted.
    const { summary } = await servicesPage(deps, user, returnId, now());
    const body = formBody(req);
    await submitForm(
      res,
      parseForm(serviceFormSchema, body),
      async (input) => {
        await addService(deps, user, returnId, input, now());
        res.redirect(pathTo(paths.returns.services, { returnId }));
      },
      (errors) => {
        renderForm(res, summary, returnId, undefined, serviceValuesFromBody(body), errors);
      },
    );
  });

  router.get(paths.returns.serviceChange, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const serviceId = idFromPath(req.params.serviceId);
    const { summary, service } = await servicePage(deps, signedInUser(res), returnId, serviceId, now());
    renderForm(res, summary, returnId, serviceId, { name: service.name, whyChosen: service.whyChosen });
  });

  router.post(paths.returns.serviceChange, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const serviceId = idFromPath(req.params.serviceId);
    const user = signedInUser(res);
    const { summary } = await servicePage(deps, user, returnId, serviceId, now());
    const body = formBody(req);
    await submitForm(
      res,
      parseForm(serviceFormSchema, body),
      async (input) => {
        await changeService(deps, user, returnId, serviceId, input, now());
        res.redirect(pathTo(paths.returns.services, { returnId }));
      },
      (errors) => {
        renderForm(res, summary, returnId, serviceId, serviceValuesFromBody(body), errors);
      },
    );
  });

  router.get(paths.returns.serviceRemove, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const serviceId = idFromPath(req.params.serviceId);
    const page = await removeServicePage(deps, signedInUser(res), returnId, serviceId, now());
    res.render('returns/service-remove', {
      summary: page.summary,
      service: page.service,
      answerCount: page.answerCount,
      reviewedText: page.decisionCount > 0 ? reviewedServiceText(page.service.name) : undefined,
      action: pathTo(paths.returns.serviceRemove, { returnId, serviceId }),
      servicesHref: pathTo(paths.returns.services, { returnId }),
    });
  });

  router.post(paths.returns.serviceRemove, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const serviceId = idFromPath(req.params.serviceId);
    await removeService(deps, signedInUser(res), returnId, serviceId, now());
    res.redirect(pathTo(paths.returns.services, { returnId }));
  });

  return router;
}

/**
 * The add or change form (serviceId: the service changed), with what was typed and any errors, under
 * the return's summary (from the page the route has read already).
 */
function renderForm(
  res: Response,
  summary: ReturnSummary,
  returnId: string,
  serviceId: string | undefined,
  values: ServiceValues,
  errors: FieldErrors = {},
): void {
  const ordered: FieldErrors = {};
  for (const field of SERVICE_FIELDS) if (errors[field]) ordered[field] = errors[field];
  res.render('returns/service-form', {
    summary,
    heading: serviceId ? 'Change a service' : 'Add a service',
    action: serviceId
      ? pathTo(paths.returns.serviceChange, { returnId, serviceId })
      : pathTo(paths.returns.serviceAdd, { returnId }),
    servicesHref: pathTo(paths.returns.services, { returnId }),
    nameMax: SERVICE_NAME_MAX,
    whyMax: SERVICE_WHY_MAX,
    values,
    errors: ordered,
    errorList: errorSummary(ordered),
  });
}
