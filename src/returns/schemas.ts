import { z } from 'zod';
import {
  dateFromParts,
  parseForm,
  readDateFields,
  type FieldErrors,
  type FormBody,
  type FormResult,
} from '../forms.js';

export const NARRATIVE_MAX = 10_000;
export const NOT_APPLICABLE_REASON_MAX = 2_000;
/** The rating form's value for "not applicable" (a data file's level codes never hold a colon). */
export const NOT_APPLICABLE_RATING = 'not-applicable:';

const count = (value: number) => value.toLocaleString('en-GB');

/**
 * The answer form of one requirement. `subject` names it in every message ("outcome 1A").
 * "Save and continue" (`complete`) needs a rating and a narrative, or "not applicable" (where the
 * standard's data allows it) and its reason; "Save as draft" accepts gaps but never a rating from
 * another scale, "not applicable" without a reason, or text over the limits.
 */
export function answerFormSchema(options: {
  subject: string;
  levelCodes: readonly string[];
  complete: boolean;
  /** The standard's data allows "not applicable" for this requirement. */
  notApplicableAllowed?: boolean;
}) {
  const { subject, levelCodes, complete } = options;
  const choices = options.notApplicableAllowed ? [...levelCodes, NOT_APPLICABLE_RATING] : levelCodes;
  const text = (label: string, max: number) =>
    z
      .string({ error: `${label} for ${subject} must be text` })
      .default('')
      .transform((value) => value.trim())
      .refine(
        (value) => value.length <= max,
        `${label} for ${subject} must be ${count(max)} characters or fewer`,
      );
  return z
    .object({
      rating: z
        .string({ error: `Select one rating for ${subject}` })
        .default('')
        .refine(
          (value) => value === '' || choices.includes(value),
          `Select a rating from the list for ${subject}`,
        ),
      narrative: text('Narrative', NARRATIVE_MAX),
      notApplicableReason: text('Reason', NOT_APPLICABLE_REASON_MAX),
      // The response version the page was opened with (0: no answer saved yet).
      version: z.coerce
        .number({ error: 'The form was incomplete: reload the page and try again' })
        .int()
        .min(0),
    })
    .superRefine((form, ctx) => {
      const notApplicable = form.rating === NOT_APPLICABLE_RATING;
      if (complete && form.rating === '') {
        ctx.addIssue({ code: 'custom', path: ['rating'], message: `Select a rating for ${subject}` });
      }
      // A rated answer needs a narrative; a "not applicable" one needs its reason (always, even as a draft).
      if (complete && !notApplicable && form.narrative === '') {
        ctx.addIssue({ code: 'custom', path: ['narrative'], message: `Enter a narrative for ${subject}` });
      }
      if (notApplicable && form.notApplicableReason === '') {
        ctx.addIssue({
          code: 'custom',
          path: ['notApplicableReason'],
          message: `Enter why ${subject} does not apply to you`,
        });
      }
    });
}

export type AnswerForm = z.output<ReturnType<typeof answerFormSchema>>;

export const declarationSchema = z.object({
  declaration: z.literal('confirmed', { error: 'Confirm that these answers are accurate and complete' }),
});

export const REPLY_MAX_LENGTH = 2000;
const REPLY_FIELD = /^reply-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const replyText = z
  .string()
  .trim()
  .max(
    REPLY_MAX_LENGTH,
    `Your answer to the reviewer must be ${count(REPLY_MAX_LENGTH)} characters or fewer`,
  );

/**
 * The provider's answers to the reviewer on the check-answers page ("reply-<requirement id>" fields,
 * one per returned requirement not changed), by requirement id; empty answers are left out.
 */
export function repliesFrom(body: FormBody): FormResult<Map<string, string>> {
  const replies = new Map<string, string>();
  const errors: FieldErrors = {};
  for (const [field, value] of Object.entries(body)) {
    const requirementId = REPLY_FIELD.exec(field)?.[1];
    if (!requirementId) continue;
    const parsed = replyText.safeParse(Array.isArray(value) ? value.join('\n') : value);
    if (!parsed.success) errors[field] = parsed.error.issues[0]?.message ?? 'Check your answer';
    else if (parsed.data) replies.set(requirementId.toLowerCase(), parsed.data);
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, data: replies };
}

export interface ExtensionInput {
  dueDate: Date;
  reason: string;
}

const extensionFields = z.object({
  reason: z
    .string('Enter the reason for the extension')
    .trim()
    .min(1, 'Enter the reason for the extension')
    .max(2000, 'Reason must be 2000 characters or fewer'),
});

export function readExtensionForm(body: FormBody): FormResult<ExtensionInput> {
  const due = dateFromParts(readDateFields(body, 'dueDate'), 'New due date');
  const fields = parseForm(extensionFields, body);
  if (!fields.ok || !due.date) {
    const errors: FieldErrors = {};
    if (due.error) errors.dueDate = due.error;
    if (!fields.ok && fields.errors.reason) errors.reason = fields.errors.reason;
    return { ok: false, errors };
  }
  return { ok: true, data: { dueDate: due.date, reason: fields.data.reason } };
}
