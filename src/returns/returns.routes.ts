import { Router, type Response } from 'express';
import { requireSignIn } from '../auth/current-user.middleware.js';
import type { AppDeps } from '../deps.js';
import {
  errorSummary,
  parseForm,
  type FieldErrors,
  formBody,
  queryFields,
  textField,
  type FormBody,
} from '../forms.js';
import { pathTo, paths } from '../paths.js';
import { idFromPath, serviceFromQuery, signedInUser } from '../route-helpers.js';
import { NotFound } from '../errors.js';
import { formatDateTime } from '../format.js';
import { chaseHistory } from '../reminders/outbox.service.js';
import { historyRows } from './history.js';
import {
  IMPORTED_TAG,
  OVERDUE_TAG,
  REQUIREMENT_STATE_TAGS,
  RETURN_STATUS_TAGS,
  RETURNED_REQUIREMENT_TAG,
} from './progress.js';
import type { AnswerRow } from './queries.js';
import {
  answerTarget,
  assertCanSubmit,
  carryForward,
  checkAnswersPage,
  replyField,
  confirmationPage,
  historyPage,
  requirementPage,
  returnTaskList,
  saveAnswer,
  submitReturn,
  type RequirementPage,
} from './returns.service.js';
import { parseReturnsListQuery, returnsListPage } from './returns-list.js';
import { answerFormSchema, declarationSchema, NOT_APPLICABLE_RATING, repliesFrom } from './schemas.js';
import { minimumText } from './services.js';

// What every returns view may use to show dates and status tags.
const viewHelpers = {
  returnStatusTags: RETURN_STATUS_TAGS,
  requirementStateTags: REQUIREMENT_STATE_TAGS,
  returnedRequirementTag: RETURNED_REQUIREMENT_TAG,
  overdueTag: OVERDUE_TAG,
  importedTag: IMPORTED_TAG,
};

const ANSWER_FIELDS = ['rating', 'notApplicableReason', 'narrative', 'version'] as const;

interface AnswerValues {
  rating: string;
  notApplicableReason: string;
  narrative: string;
  version: number;
}

function valuesFromAnswer(answer: AnswerRow | null): AnswerValues {
  return {
    rating: answer?.notApplicable ? NOT_APPLICABLE_RATING : (answer?.ratingLevel?.code ?? ''),
    notApplicableReason: answer?.notApplicableReason ?? '',
    narrative: answer?.narrative ?? '',
    version: answer?.version ?? 0,
  };
}

/**
 * Exactly what was typed, so nothing is lost when the page comes back with errors. The version stays
 * the one the form was opened with, so a later save still notices anyone else's change.
 */
function valuesFromBody(body: FormBody, currentVersion: number): AnswerValues {
  const text = (name: string) => textField(body, name);
  const posted = text('version');
  const version = /^\d{1,9}$/.test(posted) ? Number(posted) : currentVersion;
  return {
    rating: text('rating'),
    notApplicableReason: text('notApplicableReason'),
    narrative: text('narrative'),
    version,
  };
}

interface RequirementView {
  values: AnswerValues;
  errors?: FieldErrors;
  conflict?: { message: string; saved: AnswerRow };
}

function renderRequirement(res: Response, page: RequirementPage, view: RequirementView): void {
  const errors = view.errors ?? {};
  const ordered: FieldErrors = {};
  for (const field of ANSWER_FIELDS) {
    const message = errors[field];
    if (message) ordered[field] = message;
  }
  res.render('returns/requirement', {
    ...viewHelpers,
    ...page,
    values: view.values,
    errors: ordered,
    errorList: errorSummary(ordered),
    conflict: view.conflict,
    notApplicableRating: NOT_APPLICABLE_RATING,
  });
}

function conflictMessage(saved: AnswerRow): string {
  const who = saved.updatedBy?.displayName ?? 'another user';
  return (
    `This answer was changed by ${who} at ${formatDateTime(saved.updatedAt)} after you opened it. ` +
    'Your text is below; check it against the saved answer and save again.'
  );
}

export function returnsRoutes(deps: AppDeps): Router {
  const router = Router();
  const { prisma, clock } = deps;

  router.get(paths.returns.list, requireSignIn, async (req, res) => {
    const page = await returnsListPage(
      prisma,
      signedInUser(res),
      parseReturnsListQuery(queryFields(req)),
      clock(),
    );
    res.render('returns/list', { ...viewHelpers, page });
  });

  router.get(paths.returns.show, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const returnId = idFromPath(req.params.returnId);
    const page = await returnTaskList(deps, user, returnId, clock());
    res.render('returns/show', {
      ...viewHelpers,
      ...page,
      chaseHistory: await chaseHistory(prisma, user, page.summary),
    });
  });

  router.get(paths.returns.requirement, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const requirementId = idFromPath(req.params.requirementId);
    const serviceId = serviceFromQuery(req);
    const page = await requirementPage(deps, signedInUser(res), returnId, requirementId, clock(), serviceId);
    if (page.kind === 'redirect') {
      res.redirect(page.location);
      return;
    }
    renderRequirement(res, page, { values: valuesFromAnswer(page.answer) });
  });

  router.post(paths.returns.requirement, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const returnId = idFromPath(req.params.returnId);
    const requirementId = idFromPath(req.params.requirementId);
    // Refuse other providers, staff and frozen returns before looking at what was posted.
    const target = await answerTarget(deps, user, returnId, requirementId, serviceFromQuery(req));
    const body = formBody(req);
    const complete = body.action !== 'draft';
    const parsed = parseForm(
      answerFormSchema({
        subject: target.subject,
        levelCodes: target.requirement.ratingScale.levels.map((level) => level.code),
        complete,
        notApplicableAllowed: target.requirement.notApplicableAllowed,
      }),
      body,
    );
    // The page is read only when it is shown again: a save that works goes straight on.
    const showAgain = async (status: number, view: (page: RequirementPage) => RequirementView) => {
      const page = await requirementPage(deps, user, returnId, requirementId, clock(), target.service?.id);
      // Removed meanwhile: its page is gone.
      if (page.kind === 'redirect') throw new NotFound();
      res.status(status);
      renderRequirement(res, page, view(page));
    };
    if (!parsed.ok) {
      const errors = parsed.errors;
      await showAgain(400, (page) => ({ values: valuesFromBody(body, page.answer?.version ?? 0), errors }));
      return;
    }

    const { rating, notApplicableReason, narrative, version } = parsed.data;
    const notApplicable = rating === NOT_APPLICABLE_RATING;
    const outcome = await saveAnswer(
      deps,
      user,
      target,
      {
        ratingCode: rating === '' || notApplicable ? null : rating,
        notApplicable,
        notApplicableReason,
        narrative,
        version,
      },
      clock(),
    );
    if (outcome.kind === 'conflict') {
      await showAgain(409, () => ({
        // The form now carries the saved version: saving again is a deliberate overwrite.
        values: { ...valuesFromBody(body, version), version: outcome.current.version },
        conflict: { message: conflictMessage(outcome.current), saved: outcome.current },
      }));
      return;
    }
    const next = complete ? target.next : undefined;
    res.redirect(next ?? pathTo(paths.returns.show, { returnId }));
  });

  router.post(paths.returns.carryForward, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    await carryForward(deps, signedInUser(res), returnId, clock());
    res.redirect(pathTo(paths.returns.show, { returnId }));
  });

  router.get(paths.returns.checkAnswers, requireSignIn, async (req, res) => {
    const page = await checkAnswersPage(deps, signedInUser(res), idFromPath(req.params.returnId), clock());
    res.render('returns/check-answers', {
      ...viewHelpers,
      ...page,
      errors: {},
      errorList: [],
      replyValues: {},
    });
  });

  router.post(paths.returns.submit, requireSignIn, async (req, res) => {
    const user = signedInUser(res);
    const returnId = idFromPath(req.params.returnId);
    await assertCanSubmit(deps, user, returnId);
    const body = formBody(req);
    const parsed = parseForm(declarationSchema, body);
    const replies = repliesFrom(body);
    const outcome =
      parsed.ok && replies.ok ? await submitReturn(deps, user, returnId, clock(), replies.data) : undefined;
    if (outcome?.kind === 'submitted') {
      res.redirect(pathTo(paths.returns.confirmation, { returnId }));
      return;
    }
    const errors: FieldErrors = {
      ...(parsed.ok ? {} : parsed.errors),
      ...(replies.ok ? {} : replies.errors),
      ...(outcome?.kind === 'incomplete'
        ? { incomplete: 'Complete every requirement and confirm carried-forward answers before you submit' }
        : {}),
      ...(outcome?.kind === 'ungraded' ? { grading: 'Record who graded the return before you submit' } : {}),
      ...(outcome?.kind === 'blocked-evidence'
        ? { 'blocked-evidence': 'Remove the files blocked by the virus check before you submit' }
        : {}),
      ...(outcome?.kind === 'unanswered'
        ? Object.fromEntries(
            outcome.requirements.map((item) => [
              replyField(item.id),
              `Change your answer to ${item.code} as your contract manager asked, or tell them why you have not`,
            ]),
          )
        : {}),
    };
    // What is missing, each linked to the page where it is put right (issue 14: a service and its outcome).
    const elsewhere = [
      ...(outcome?.kind === 'too-few-services'
        ? [{ text: `Add ${minimumText(outcome.minimum)} you assessed before you submit`, href: outcome.href }]
        : []),
      ...(outcome?.kind === 'incomplete'
        ? outcome.items.map((item) => ({
            text: `${item.code}${item.serviceName ? ` for ${item.serviceName}` : ''}: ${item.problem}`,
            href: item.href,
          }))
        : []),
    ];
    const page = await checkAnswersPage(deps, user, returnId, clock());
    res.status(400);
    res.render('returns/check-answers', {
      ...viewHelpers,
      ...page,
      errors,
      errorList: [...errorSummary(errors), ...elsewhere],
      // What they wrote is kept.
      replyValues: Object.fromEntries(
        page.returned.map((item) => {
          const value = body[item.replyField];
          return [item.replyField, typeof value === 'string' ? value : ''];
        }),
      ),
    });
  });

  router.get(paths.returns.confirmation, requireSignIn, async (req, res) => {
    const returnId = idFromPath(req.params.returnId);
    const page = await confirmationPage(deps, signedInUser(res), returnId, clock());
    if (!page.submission) {
      res.redirect(pathTo(paths.returns.show, { returnId }));
      return;
    }
    res.render('returns/confirmation', { ...viewHelpers, ...page });
  });

  router.get(paths.returns.history, requireSignIn, async (req, res) => {
    const page = await historyPage(deps, signedInUser(res), idFromPath(req.params.returnId), clock());
    res.render('returns/history', {
      ...viewHelpers,
      ...page,
      events: historyRows(page.events, res.locals.can.seeTechnicalDetails),
    });
  });

  return router;
}
