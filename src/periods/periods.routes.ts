import { Router, type Response } from 'express';
import { isCommissionerEditor } from '../auth/access.js';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import {
  errorSummary,
  parseForm,
  partsFromDate,
  readDateFields,
  type DateParts,
  type FieldErrors,
  formBody,
  textField,
} from '../forms.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import { pathTo, paths } from '../paths.js';
import { editorsOnly, idFromPath, signedInUser, staffOnly, submitForm } from '../route-helpers.js';
import { formatDate } from '../format.js';
import { dueRuleText } from '../frameworks/due-dates.js';
import { RETURN_STATUS_TAGS } from '../returns/progress.js';
import {
  changePeriodStandard,
  createPeriod,
  getPeriodPage,
  getPeriodStandardForEdit,
  listAllPeriods,
  openPeriod,
} from './periods.service.js';
import { periodSchema, readPeriodStandardForm } from './schemas.js';

export function periodRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get(paths.periods.list, requireSignIn, staffOnly, async (_req, res) => {
    const user = signedInUser(res);
    const periods = await listAllPeriods(deps.prisma, user);
    res.render('periods/list', {
      canEdit: isCommissionerEditor(user),
      periods: periods.map((period) => ({
        label: period.label,
        href: pathTo(paths.periods.show, { periodId: period.id }),
        startDate: formatDate(period.startDate),
        endDate: formatDate(period.endDate),
        opened: period._count.returns > 0,
        returns: period._count.returns,
      })),
    });
  });

  router.get(paths.periods.new, requireSignIn, editorsOnly, (_req, res) => {
    renderNewPeriod(res, {});
  });

  router.post(paths.periods.new, requireSignIn, editorsOnly, async (req, res) => {
    const body = formBody(req);
    await submitForm(
      res,
      parseForm(periodSchema, body),
      async ({ label }) => {
        const period = await createPeriod(deps.prisma, signedInUser(res), label);
        res.redirect(pathTo(paths.periods.show, { periodId: period.id }));
      },
      (errors) => {
        renderNewPeriod(res, body, errors);
      },
    );
  });

  router.get(paths.periods.show, requireSignIn, staffOnly, async (req, res) => {
    const user = signedInUser(res);
    const periodId = idFromPath(req.params.periodId);
    const page = await getPeriodPage(deps.prisma, user, periodId);
    const canEdit = isCommissionerEditor(user);
    res.render('periods/show', {
      canEdit,
      opened: page.opened,
      period: {
        id: page.period.id,
        label: page.period.label,
        startDate: formatDate(page.period.startDate),
        endDate: formatDate(page.period.endDate),
      },
      standards: page.period.standards.map((standard) => ({
        name: standard.framework.name,
        version: standard.frameworkVersion.name,
        dueDate: formatDate(standard.dueDate),
        dueRule: dueRuleText(standard.frameworkVersion),
        changeHref:
          canEdit && !page.opened
            ? pathTo(paths.periods.editStandard, { periodId, frameworkId: standard.frameworkId })
            : undefined,
      })),
      statusCounts: (Object.keys(RETURN_STATUS_TAGS) as ReturnStatus[]).map((status) => ({
        tag: RETURN_STATUS_TAGS[status],
        count: page.statusCounts[status] ?? 0,
      })),
      returns: page.returns.map((row) => ({
        provider: row.provider.name,
        href: pathTo(paths.returns.show, { returnId: row.id }),
        contract: row.contract.reference,
        standard: row.frameworkVersion.name,
        tag: RETURN_STATUS_TAGS[row.status],
        dueDate: formatDate(row.dueDate),
        extended: row.dueDate.getTime() !== row.originalDueDate.getTime(),
        extensionHref:
          canEdit && row.status !== 'accepted'
            ? pathTo(paths.returns.extension, { returnId: row.id })
            : undefined,
      })),
    });
  });

  router.get(paths.periods.editStandard, requireSignIn, editorsOnly, async (req, res) => {
    const ids = periodStandardIds(req.params);
    const found = await getPeriodStandardForEdit(
      deps.prisma,
      signedInUser(res),
      ids.periodId,
      ids.frameworkId,
    );
    await renderStandard(deps, res, ids, {
      frameworkVersionId: found.standard.frameworkVersionId,
      dueDate: partsFromDate(found.standard.dueDate),
    });
  });

  router.post(paths.periods.editStandard, requireSignIn, editorsOnly, async (req, res) => {
    const user = signedInUser(res);
    const ids = periodStandardIds(req.params);
    const body = formBody(req);
    const values = {
      frameworkVersionId: textField(body, 'frameworkVersionId'),
      dueDate: readDateFields(body, 'dueDate'),
    };
    await submitForm(
      res,
      readPeriodStandardForm(body),
      async (input) => {
        await changePeriodStandard(deps.prisma, user, ids.periodId, ids.frameworkId, input);
        res.redirect(pathTo(paths.periods.show, { periodId: ids.periodId }));
      },
      (errors) => renderStandard(deps, res, ids, values, errors),
    );
  });

  router.post(paths.periods.open, requireSignIn, editorsOnly, async (req, res) => {
    const periodId = idFromPath(req.params.periodId);
    await openPeriod(deps.prisma, signedInUser(res), periodId);
    res.redirect(pathTo(paths.periods.show, { periodId }));
  });

  return router;
}

function renderNewPeriod(res: Response, values: unknown, errors: FieldErrors = {}): void {
  res.render('periods/new', { values, errors, errorList: errorSummary(errors) });
}

interface StandardIds {
  periodId: string;
  frameworkId: string;
}

function periodStandardIds(params: Record<string, string | string[] | undefined>): StandardIds {
  return { periodId: idFromPath(params.periodId), frameworkId: idFromPath(params.frameworkId) };
}

async function renderStandard(
  deps: AppDeps,
  res: Response,
  ids: StandardIds,
  values: { frameworkVersionId: string; dueDate: DateParts },
  errors: FieldErrors = {},
): Promise<void> {
  const { period, standard, versions } = await getPeriodStandardForEdit(
    deps.prisma,
    signedInUser(res),
    ids.periodId,
    ids.frameworkId,
  );
  res.render('periods/standard', {
    action: pathTo(paths.periods.editStandard, { ...ids }),
    periodHref: pathTo(paths.periods.show, { periodId: ids.periodId }),
    periodLabel: period.label,
    frameworkName: standard.framework.name,
    versionItems: versions.map((version) => ({
      value: version.id,
      text: version.name,
      hint: [version.publishedOn ? `Published ${formatDate(version.publishedOn)}.` : '', dueRuleText(version)]
        .filter(Boolean)
        .join(' '),
    })),
    values,
    errors,
    errorList: errorSummary(errors, ['dueDate']),
  });
}
