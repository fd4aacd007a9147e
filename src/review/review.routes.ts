import { Router, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import { ValidationFailed } from '../errors.js';
import {
  parseForm,
  partsFromDate,
  readDateFields,
  type ErrorSummaryItem,
  type FieldErrors,
  formBody,
  textField,
} from '../forms.js';
import { pathTo, paths } from '../paths.js';
import { idFromPath, serviceFromQuery, signedInUser } from '../route-helpers.js';
import {
  acceptReturn,
  acceptUnchangedRequirements,
  decideRequirement,
  decideRequirements,
  DECISION_ERROR_FIELDS,
  getDecisionPage,
  getRequirementReview,
  getReviewPage,
  requirementReviewHref,
  returnToProvider,
  returnToProviderProblems,
  reviewQueue,
  type RequirementView,
  type ReviewPage,
} from './review.service.js';
import {
  allDecisionFields,
  overallDecisionSchema,
  type DecidableAnswer,
  parseAllDecisions,
  parseReturnToProvider,
  requirementDecisionSchema,
} from './schemas.js';

/** Where each error of the review page links to: its field, or the part of the page it is about. */
// Each links to a control that takes focus: the link to decide every requirement on one page (where
// undecided and returned requirements are put right), or the field itself.
const DECISION_ERROR_HREFS: Record<string, string> = {
  [DECISION_ERROR_FIELDS.undecided]: '#decide-all',
  [DECISION_ERROR_FIELDS.returnedRequirements]: '#decide-all',
  [DECISION_ERROR_FIELDS.noneReturned]: '#decide-all',
  decision: '#decide-all',
  newDueDate: '#newDueDate-day',
  comment: '#comment',
};

function errorList(errors: FieldErrors, hrefs: Record<string, string>): ErrorSummaryItem[] {
  return Object.entries(errors).map(([field, text]) => ({ text, href: hrefs[field] ?? `#${field}` }));
}

interface DecisionValues {
  newDueDate: { day: string; month: string; year: string };
  comment: string;
}

const NO_DECISION_VALUES: DecisionValues = { newDueDate: partsFromDate(null), comment: '' };

function renderReview(
  res: Response,
  page: ReviewPage,
  values = NO_DECISION_VALUES,
  errors: FieldErrors = {},
  notice?: string,
): void {
  res.render('review/show', {
    review: page,
    values,
    errors,
    errorList: errorList(errors, DECISION_ERROR_HREFS),
    notice,
  });
}

/** What the page says after "accept the unchanged requirements" (post/redirect/get carries the count). */
function acceptedNotice(count: unknown): string | undefined {
  if (typeof count !== 'string' || !/^\d{1,4}$/.test(count)) return undefined;
  const n = Number(count);
  if (n === 0) return 'No requirements were accepted: none was still unchanged and undecided.';
  return `You accepted ${String(n)} unchanged ${n === 1 ? 'requirement' : 'requirements'}.`;
}

function renderRequirement(
  res: Response,
  page: ReviewPage,
  requirement: RequirementView,
  values: { decision: string; reason: string },
  errors: FieldErrors = {},
): void {
  res.render('review/requirement', {
    review: page,
    requirement,
    values,
    errors,
    errorList: errorList(errors, { decision: '#decision', reason: '#reason' }),
    action: requirementReviewHref(page.returnId, requirement.requirementId ?? '', requirement.serviceId),
    backHref: `${pathTo(paths.review.show, { returnId: page.returnId })}#${requirement.anchor}`,
  });
}

/** The answers of a review that can be decided (those of the version's requirements, in page order). */
function decidable(page: ReviewPage): DecidableAnswer[] {
  return page.groups.flatMap((group) =>
    group.requirements.flatMap((item) =>
      item.requirementId
        ? [
            {
              key: item.key,
              code: item.code,
              answer: { requirementId: item.requirementId, serviceId: item.serviceId },
            },
          ]
        : [],
    ),
  );
}

/** The decisions already made, as the one-page form starts. */
function currentDecisions(page: ReviewPage): Record<string, { decision: string; reason: string }> {
  const values: Record<string, { decision: string; reason: string }> = {};
  for (const item of page.groups.flatMap((group) => group.requirements)) {
    if (item.requirementId)
      values[item.key] = {
        decision: item.review?.decision ?? '',
        reason: item.review?.reason ?? '',
      };
  }
  return values;
}

function renderAll(
  res: Response,
  page: ReviewPage,
  values: Record<string, { decision: string; reason: string }>,
  errors: FieldErrors = {},
): void {
  // The summary lists the problems in the page's order.
  const ordered: FieldErrors = {};
  for (const { key } of decidable(page)) {
    for (const field of Object.values(allDecisionFields(key))) {
      const message = errors[field];
      if (message) ordered[field] = message;
    }
  }
  res.render('review/all', {
    review: page,
    values,
    errors: ordered,
    errorList: errorList(ordered, {}),
    fieldsOf: allDecisionFields,
    action: pathTo(paths.review.all, { returnId: page.returnId }),
    backHref: pathTo(paths.review.show, { returnId: page.returnId }),
  });
}

export function reviewRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get(paths.review.queue, requireSignIn, async (_req, res) => {
    const items = await reviewQueue(deps.prisma, signedInUser(res), deps.clock());
    res.render('review/queue', { items });
  });

  router.get(paths.review.show, requireSignIn, async (req, res) => {
    const page = await getReviewPage(deps.prisma, signedInUser(res), idFromPath(req.params.returnId));
    const accepted = req.query['accepted-unchanged'];
    renderReview(res, page, NO_DECISION_VALUES, {}, acceptedNotice(accepted));
  });

  // `?service=<id>`: one service's answer to a requirement answered per service (issue 14).
  router.get(paths.review.requirement, requireSignIn, async (req, res) => {
    const { page, requirement } = await getRequirementReview(
      deps.prisma,
      signedInUser(res),
      idFromPath(req.params.returnId),
      idFromPath(req.params.requirementId),
      serviceFromQuery(req) ?? null,
    );
    renderRequirement(res, page, requirement, {
      decision: requirement.review?.decision ?? '',
      reason: requirement.review?.reason ?? '',
    });
  });

  router.post(paths.review.requirement, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const returnId = idFromPath(req.params.returnId);
    const answer = {
      requirementId: idFromPath(req.params.requirementId),
      serviceId: serviceFromQuery(req) ?? null,
    };
    // Loads the page first: it checks who may decide and that the return still waits for review.
    const { page, requirement } = await getRequirementReview(
      deps.prisma,
      user,
      returnId,
      answer.requirementId,
      answer.serviceId,
    );
    const body = formBody(req);
    const values = { decision: textField(body, 'decision'), reason: textField(body, 'reason') };
    const form = parseForm(requirementDecisionSchema(requirement.code), body);
    if (!form.ok) {
      renderRequirement(res.status(400), page, requirement, values, form.errors);
      return;
    }
    await decideRequirement(deps.prisma, user, returnId, answer, form.data, deps.clock());
    // "Save and next": the next answer in the page's order (the next service's, where per service);
    // after the last, the decision.
    if (textField(body, 'then') === 'next') {
      const order = page.groups.flatMap((group) => group.requirements);
      const next = order[order.findIndex((item) => item.key === requirement.key) + 1];
      res.redirect(
        next?.requirementId
          ? requirementReviewHref(returnId, next.requirementId, next.serviceId)
          : `${pathTo(paths.review.show, { returnId })}#decide`,
      );
      return;
    }
    res.redirect(`${pathTo(paths.review.show, { returnId })}#${requirement.anchor}`);
  });

  // Every requirement on one page, in one form (works without JavaScript): the decisions are saved
  // together in one transaction, or, on any error, none is and the page comes back with the input.
  router.get(paths.review.all, requireSignIn, async (req, res) => {
    const page = await getDecisionPage(deps.prisma, signedInUser(res), idFromPath(req.params.returnId));
    renderAll(res, page, currentDecisions(page));
  });

  router.post(paths.review.all, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const returnId = idFromPath(req.params.returnId);
    const page = await getDecisionPage(deps.prisma, user, returnId);
    const form = parseAllDecisions(formBody(req), decidable(page));
    if (Object.keys(form.errors).length > 0) {
      renderAll(res.status(400), page, form.values, form.errors);
      return;
    }
    await decideRequirements(deps.prisma, user, returnId, form.decisions, deps.clock());
    res.redirect(`${pathTo(paths.review.show, { returnId })}#decide`);
  });

  router.post(paths.review.acceptUnchanged, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const count = await acceptUnchangedRequirements(deps.prisma, signedInUser(res), returnId, deps.clock());
    res.redirect(`${pathTo(paths.review.show, { returnId })}?accepted-unchanged=${String(count)}`);
  });

  router.post(paths.review.decide, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const returnId = idFromPath(req.params.returnId);
    // Refuses (403, 409) before reading the form: who may decide, and only while it waits for review.
    const page = await getDecisionPage(deps.prisma, user, returnId);
    const body = formBody(req);
    const values: DecisionValues = {
      newDueDate: readDateFields(body, 'newDueDate'),
      comment: textField(body, 'comment'),
    };
    try {
      const choice = parseForm(overallDecisionSchema, body);
      if (!choice.ok) throw new ValidationFailed(choice.errors);
      if (choice.data.decision === 'accept') {
        await acceptReturn(deps.prisma, user, returnId, deps.clock());
      } else {
        const form = parseReturnToProvider(body);
        if (!form.ok) {
          // List every problem at once: the form's, and the rules the page already shows.
          const returned = page.groups
            .flatMap((group) => group.requirements)
            .filter((requirement) => requirement.review?.decision === 'returned').length;
          throw new ValidationFailed({
            ...returnToProviderProblems(returned, undefined, deps.clock()),
            ...form.errors,
          });
        }
        await returnToProvider(deps.prisma, user, returnId, form.data, deps.clock());
      }
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      renderReview(res.status(400), page, values, error.fieldErrors);
      return;
    }
    res.redirect(pathTo(paths.review.show, { returnId }));
  });

  return router;
}
