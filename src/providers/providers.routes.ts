import { Router, type Response } from 'express';
import { isCommissionerEditor } from '../auth/access.js';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { errorSummary, parseForm, type FieldErrors, formBody } from '../forms.js';
import { pathTo, paths } from '../paths.js';
import { formatDate } from '../format.js';
import { PROVIDER_TYPE_LABELS } from './provider-types.js';
import {
  addProvider,
  editProvider,
  getProvider,
  getProviderForEdit,
  listRegister,
  setProviderActive,
} from './providers.service.js';
import { editorsOnly, idFromPath, signedInUser, staffOnly, submitForm } from '../route-helpers.js';
import { NEW_PROVIDER_VALUES, NOT_KNOWN, providerFormValues, providerSchema } from './schemas.js';
import {
  HEADCOUNT_BANDS,
  SECTOR_LABELS,
  TURNOVER_BANDS,
  YEAR_END_MONTHS,
  profileRows,
  yearEndLabel,
} from './provider-profile.js';
import { noticeFrom } from '../people/people.routes.js';
import { peopleSection } from '../people/people.service.js';
import { providerHub } from './hub.js';

const TYPE_ITEMS = Object.entries(PROVIDER_TYPE_LABELS).map(([value, text]) => ({ value, text }));
const SECTOR_ITEMS = Object.entries(SECTOR_LABELS).map(([value, text]) => ({ value, text }));
const NOT_KNOWN_ITEM = { value: NOT_KNOWN, text: 'Not known' };
const HEADCOUNT_ITEMS = [
  ...Object.entries(HEADCOUNT_BANDS).map(([value, band]) => ({ value, text: band.label })),
  NOT_KNOWN_ITEM,
];
const TURNOVER_ITEMS = [
  ...Object.entries(TURNOVER_BANDS).map(([value, band]) => ({ value, text: band.label })),
  NOT_KNOWN_ITEM,
];
const YEAR_END_ITEMS = [
  NOT_KNOWN_ITEM,
  ...YEAR_END_MONTHS.map((month) => ({ value: String(month), text: yearEndLabel(month) })),
];
const MENTAL_HEALTH_ITEMS = [{ value: 'yes', text: 'Yes' }, { value: 'no', text: 'No' }, NOT_KNOWN_ITEM];

export function providerRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get(paths.providers.list, requireSignIn, staffOnly, async (_req, res) => {
    const user = signedInUser(res);
    const providers = await listRegister(deps.prisma, user);
    res.render('providers/list', {
      canEdit: isCommissionerEditor(user),
      providers: providers.map((provider) => ({
        name: provider.name,
        href: pathTo(paths.providers.show, { providerId: provider.id }),
        odsCode: provider.odsCode,
        typeLabel: PROVIDER_TYPE_LABELS[provider.type],
        active: provider.active,
        contracts: provider._count.contracts,
      })),
    });
  });

  router.get(paths.providers.new, requireSignIn, editorsOnly, (_req, res) => {
    renderForm(res, { action: paths.providers.new, values: NEW_PROVIDER_VALUES });
  });

  router.post(paths.providers.new, requireSignIn, editorsOnly, async (req, res) => {
    const body = formBody(req);
    await submitForm(
      res,
      parseForm(providerSchema, body),
      async (input) => {
        const provider = await addProvider(deps.prisma, signedInUser(res), input);
        res.redirect(pathTo(paths.providers.show, { providerId: provider.id }));
      },
      (errors) => {
        renderForm(res, { action: paths.providers.new, values: body, errors });
      },
    );
  });

  router.get(paths.providers.show, requireSignIn, staffOnly, async (req, res) => {
    const providerId = idFromPath(req.params.providerId);
    const user = signedInUser(res);
    const provider = await getProvider(deps.prisma, user, providerId);
    res.render('providers/show', {
      hub: await providerHub(deps.prisma, user, provider, deps.clock()),
      people: await peopleSection(deps, user, provider),
      peopleNotice: noticeFrom(req),
      canEdit: isCommissionerEditor(user),
      provider: {
        ...provider,
        typeLabel: PROVIDER_TYPE_LABELS[provider.type],
        profile: profileRows(provider),
      },
      contracts: provider.contracts.map((contract) => ({
        reference: contract.reference,
        editHref: pathTo(paths.contracts.edit, { contractId: contract.id }),
        startDate: formatDate(contract.startDate),
        endDate: contract.endDate ? formatDate(contract.endDate) : 'No end date',
        contractManager: contract.contractManager.displayName,
        standards: contract.standards.map((standard) => standard.framework.name).join(', '),
      })),
    });
  });

  router.get(paths.providers.edit, requireSignIn, editorsOnly, async (req, res) => {
    const providerId = idFromPath(req.params.providerId);
    const provider = await getProviderForEdit(deps.prisma, signedInUser(res), providerId);
    renderForm(res, {
      action: pathTo(paths.providers.edit, { providerId }),
      providerId,
      providerName: provider.name,
      values: providerFormValues(provider),
    });
  });

  router.post(paths.providers.edit, requireSignIn, editorsOnly, async (req, res) => {
    const providerId = idFromPath(req.params.providerId);
    const user = signedInUser(res);
    const provider = await getProviderForEdit(deps.prisma, user, providerId);
    const body = formBody(req);
    const page = {
      action: pathTo(paths.providers.edit, { providerId }),
      providerId,
      providerName: provider.name,
      values: body,
    };
    await submitForm(
      res,
      parseForm(providerSchema, body),
      async (input) => {
        await editProvider(deps.prisma, user, providerId, input);
        res.redirect(pathTo(paths.providers.show, { providerId }));
      },
      (errors) => {
        renderForm(res, { ...page, errors });
      },
    );
  });

  router.get(paths.providers.deactivate, requireSignIn, editorsOnly, async (req, res) => {
    const providerId = idFromPath(req.params.providerId);
    const provider = await getProviderForEdit(deps.prisma, signedInUser(res), providerId);
    res.render('providers/deactivate', { provider });
  });

  router.post(paths.providers.deactivate, requireSignIn, editorsOnly, async (req, res) => {
    const providerId = idFromPath(req.params.providerId);
    await setProviderActive(deps.prisma, signedInUser(res), providerId, false);
    res.redirect(pathTo(paths.providers.show, { providerId }));
  });

  router.post(paths.providers.reactivate, requireSignIn, editorsOnly, async (req, res) => {
    const providerId = idFromPath(req.params.providerId);
    await setProviderActive(deps.prisma, signedInUser(res), providerId, true);
    res.redirect(pathTo(paths.providers.show, { providerId }));
  });

  return router;
}

interface FormPage {
  action: string;
  /** Set when editing: the provider being changed. */
  providerId?: string;
  providerName?: string;
  values: unknown;
  errors?: FieldErrors;
}

function renderForm(res: Response, page: FormPage): void {
  const errors = page.errors ?? {};
  res.render('providers/form', {
    ...page,
    errors,
    errorList: errorSummary(errors),
    typeItems: TYPE_ITEMS,
    sectorItems: SECTOR_ITEMS,
    headcountItems: HEADCOUNT_ITEMS,
    turnoverItems: TURNOVER_ITEMS,
    yearEndItems: YEAR_END_ITEMS,
    mentalHealthItems: MENTAL_HEALTH_ITEMS,
  });
}
