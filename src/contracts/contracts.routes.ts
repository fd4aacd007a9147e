import { Router, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { errorSummary, partsFromDate, type FieldErrors, formBody } from '../forms.js';
import { pathTo, paths } from '../paths.js';
import { editorsOnly, idFromPath, signedInUser, submitForm } from '../route-helpers.js';
import {
  addContract,
  contractFormOptions,
  editContract,
  getContractForEdit,
  getProviderForNewContract,
} from './contracts.service.js';
import {
  CONTRACT_DATE_FIELDS,
  contractFormValues,
  readContractForm,
  type ContractFormValues,
} from './schemas.js';

export function contractRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get(paths.contracts.new, requireSignIn, editorsOnly, async (req, res) => {
    const user = signedInUser(res);
    const provider = await getProviderForNewContract(deps.prisma, user, idFromPath(req.params.providerId));
    await renderForm(deps, res, {
      action: pathTo(paths.contracts.new, { providerId: provider.id }),
      provider,
      values: contractFormValues({}),
    });
  });

  router.post(paths.contracts.new, requireSignIn, editorsOnly, async (req, res) => {
    const user = signedInUser(res);
    const provider = await getProviderForNewContract(deps.prisma, user, idFromPath(req.params.providerId));
    const page = {
      action: pathTo(paths.contracts.new, { providerId: provider.id }),
      provider,
      values: contractFormValues(formBody(req)),
    };
    await submitForm(
      res,
      readContractForm(formBody(req)),
      async (input) => {
        await addContract(deps.prisma, user, provider.id, input);
        res.redirect(pathTo(paths.providers.show, { providerId: provider.id }));
      },
      (errors) => renderForm(deps, res, { ...page, errors }),
    );
  });

  router.get(paths.contracts.edit, requireSignIn, editorsOnly, async (req, res) => {
    const contract = await getContractForEdit(
      deps.prisma,
      signedInUser(res),
      idFromPath(req.params.contractId),
    );
    await renderForm(deps, res, {
      action: pathTo(paths.contracts.edit, { contractId: contract.id }),
      provider: contract.provider,
      reference: contract.reference,
      values: {
        reference: contract.reference,
        startDate: partsFromDate(contract.startDate),
        endDate: partsFromDate(contract.endDate),
        contractManagerId: contract.contractManagerId,
        standards: contract.standards.map((standard) => standard.framework.id),
      },
    });
  });

  router.post(paths.contracts.edit, requireSignIn, editorsOnly, async (req, res) => {
    const user = signedInUser(res);
    const contract = await getContractForEdit(deps.prisma, user, idFromPath(req.params.contractId));
    const page = {
      action: pathTo(paths.contracts.edit, { contractId: contract.id }),
      provider: contract.provider,
      reference: contract.reference,
      values: contractFormValues(formBody(req)),
    };
    await submitForm(
      res,
      readContractForm(formBody(req)),
      async (input) => {
        await editContract(deps.prisma, user, contract.id, input);
        res.redirect(pathTo(paths.providers.show, { providerId: contract.provider.id }));
      },
      (errors) => renderForm(deps, res, { ...page, errors }),
    );
  });

  return router;
}

interface FormPage {
  action: string;
  provider: { id: string; name: string };
  /** Set when changing an existing contract: its reference as stored. */
  reference?: string;
  values: ContractFormValues;
  errors?: FieldErrors;
}

async function renderForm(deps: AppDeps, res: Response, page: FormPage): Promise<void> {
  const { managers, frameworks } = await contractFormOptions(deps.prisma, signedInUser(res));
  const errors = page.errors ?? {};
  res.render('contracts/form', {
    ...page,
    errors,
    errorList: errorSummary(errors, CONTRACT_DATE_FIELDS),
    managerItems: managers.map((manager) => ({
      value: manager.id,
      text: manager.displayName,
      hint: manager.email,
    })),
    standardItems: frameworks.map((framework) => ({ value: framework.id, text: framework.name })),
  });
}
