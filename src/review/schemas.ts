import { z } from 'zod';
import { dateFromParts, readDateFields, textField, type FormBody, type FormResult } from '../forms.js';

export const REASON_MAX = 2000;
export const COMMENT_MAX = 2000;

/** Accept or return one requirement; a reason is required when returning it. */
export function requirementDecisionSchema(requirementCode: string) {
  return z
    .object({
      decision: z.enum(['accepted', 'returned'], {
        error: `Select whether to accept or return requirement ${requirementCode}`,
      }),
      reason: z
        .string()
        .trim()
        .max(REASON_MAX, `The reason must be ${REASON_MAX} characters or fewer`)
        .default(''),
    })
    .superRefine((form, ctx) => {
      if (form.decision === 'returned' && form.reason === '') {
        ctx.addIssue({
          code: 'custom',
          path: ['reason'],
          message: `Enter a reason for returning requirement ${requirementCode}`,
        });
      }
    })
    .transform((form) => ({
      decision: form.decision,
      reason: form.decision === 'returned' ? form.reason : '',
    }));
}

export type RequirementDecisionInput = z.output<ReturnType<typeof requirementDecisionSchema>>;

/** Which overall decision a posted form asks for (each has its own form and button). */
export const overallDecisionSchema = z.object({
  decision: z.enum(['accept', 'return'], { error: 'Choose whether to accept the return or return it' }),
});

const commentSchema = z
  .string()
  .trim()
  .max(COMMENT_MAX, `The comment must be ${COMMENT_MAX} characters or fewer`)
  .default('');

export interface ReturnToProviderInput {
  newDueDate: Date;
  comment: string;
}

/** The "return to the provider" form: a new due date (date input) and an optional comment. */
export function parseReturnToProvider(body: FormBody): FormResult<ReturnToProviderInput> {
  const errors: Record<string, string> = {};
  const due = dateFromParts(readDateFields(body, 'newDueDate'), 'The new due date');
  if (due.error) errors.newDueDate = due.error;
  const comment = commentSchema.safeParse(textField(body, 'comment'));
  if (!comment.success) errors.comment = comment.error.issues[0]?.message ?? 'Check the comment';
  if (!due.date || !comment.success) return { ok: false, errors };
  return { ok: true, data: { newDueDate: due.date, comment: comment.data } };
}

/**
 * The fields of one answer on the "decide every requirement" page (ids are field names too), by the
 * answer's key: its requirement id, and its service id where answered per service.
 */
export function allDecisionFields(key: string): { decision: string; reason: string } {
  const name = key.replace(' ', '-');
  return { decision: `decision-${name}`, reason: `reason-${name}` };
}

/** One answer the page decides: its key, its code as shown ("1A (Maternity)") and what it decides. */
export interface DecidableAnswer<A = { requirementId: string; serviceId: string | null }> {
  key: string;
  code: string;
  answer: A;
}

export interface AllDecisionsForm<A> {
  /** What was posted for each answer (by key), kept to show again on errors. */
  values: Record<string, { decision: string; reason: string }>;
  /** The answers given a decision (blank ones are left as they are). */
  decisions: { answer: A; input: RequirementDecisionInput }[];
  errors: Record<string, string>;
}

/**
 * The "decide every requirement" form: each requirement's decision and reason, checked with the
 * one-requirement schema. A requirement left without a decision stays as it is (undecided, or its
 * earlier decision); a reason without a decision is a mistake worth saying.
 */
export function parseAllDecisions<A>(
  body: FormBody,
  answers: readonly DecidableAnswer<A>[],
): AllDecisionsForm<A> {
  const values: AllDecisionsForm<A>['values'] = {};
  const decisions: AllDecisionsForm<A>['decisions'] = [];
  const errors: Record<string, string> = {};
  for (const { key, code, answer } of answers) {
    const names = allDecisionFields(key);
    const posted = { decision: textField(body, names.decision), reason: textField(body, names.reason) };
    values[key] = posted;
    if (posted.decision === '') {
      if (posted.reason.trim() !== '')
        errors[names.decision] = `Select whether to accept or return requirement ${code}`;
      continue;
    }
    const parsed = requirementDecisionSchema(code).safeParse(posted);
    if (parsed.success) {
      decisions.push({ answer, input: parsed.data });
      continue;
    }
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] === 'reason' ? names.reason : names.decision;
      errors[field] ??= issue.message;
    }
  }
  return { values, decisions, errors };
}
