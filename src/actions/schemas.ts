import { z } from 'zod';
import {
  dateFromParts,
  parseForm,
  readDateFields,
  textField,
  type DateParts,
  type FieldErrors,
  type FormBody,
  type FormResult,
} from '../forms.js';
import { ActionStatus } from '../generated/prisma/enums.js';

export const ACTION_DESCRIPTION_MAX = 5_000;
export const ACTION_OWNER_MAX = 200;
export const ACTION_UPDATE_MAX = 5_000;

const count = (value: number) => value.toLocaleString('en-GB');

const requiredText = (empty: string, label: string, max: number) =>
  z
    .string({ error: empty })
    .transform((value) => value.trim())
    .refine((value) => value !== '', empty)
    .refine((value) => value.length <= max, `${label} must be ${count(max)} characters or fewer`);

const newActionSchema = z.object({
  description: requiredText('Enter what the action is', 'The action', ACTION_DESCRIPTION_MAX),
  owner: requiredText('Enter who owns the action: a name or an email address', 'The owner', ACTION_OWNER_MAX),
});

export interface NewActionValues {
  description: string;
  owner: string;
  dueDate: DateParts;
}

export interface NewActionInput {
  description: string;
  owner: string;
  dueDate: Date;
}

/** Exactly what was posted, kept when the form comes back with errors. */
export function newActionValuesFromBody(body: FormBody): NewActionValues {
  return {
    description: textField(body, 'description'),
    owner: textField(body, 'owner'),
    dueDate: readDateFields(body, 'dueDate'),
  };
}

export function readNewActionForm(body: FormBody): FormResult<NewActionInput> {
  const parsed = parseForm(newActionSchema, body);
  const due = dateFromParts(readDateFields(body, 'dueDate'), 'Due date');
  const errors: FieldErrors = parsed.ok ? {} : { ...parsed.errors };
  if (due.error) errors.dueDate = due.error;
  if (!parsed.ok || !due.date) return { ok: false, errors };
  return { ok: true, data: { ...parsed.data, dueDate: due.date } };
}

export const linkActionSchema = z.object({
  actionId: z.uuid({ error: 'Select an action to link' }),
});

export const NO_STATUS_CHANGE = 'unchanged';

export const actionUpdateSchema = z.object({
  text: requiredText('Enter the progress update', 'The progress update', ACTION_UPDATE_MAX),
  status: z
    .union([z.enum(ActionStatus), z.literal(NO_STATUS_CHANGE)], { error: 'Select the action’s status' })
    .transform((value) => (value === NO_STATUS_CHANGE ? null : value)),
});

export type ActionUpdateInput = z.infer<typeof actionUpdateSchema>;
