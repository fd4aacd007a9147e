import { z } from 'zod';
import {
  dateFromParts,
  listField,
  parseForm,
  readDateFields,
  textField,
  type FieldErrors,
  type FormBody,
  type FormResult,
} from '../forms.js';

const CHOOSE_STANDARDS = 'Select the standards this contract reports on';

const contractFields = z.object({
  reference: z
    .string('Enter the contract reference')
    .trim()
    .min(1, 'Enter the contract reference')
    .max(50, 'Contract reference must be 50 characters or fewer'),
  contractManagerId: z.uuid('Select the contract manager'),
  standards: z
    .array(z.uuid(CHOOSE_STANDARDS))
    .min(1, CHOOSE_STANDARDS)
    .transform((ids) => [...new Set(ids)]),
});

export interface ContractInput {
  reference: string;
  startDate: Date;
  endDate: Date | null;
  contractManagerId: string;
  /** Framework ids. */
  standards: string[];
}

/** The error summary lists problems in the order the fields appear on the page. */
const FIELD_ORDER = ['reference', 'startDate', 'endDate', 'contractManagerId', 'standards'];
export const CONTRACT_DATE_FIELDS = ['startDate', 'endDate'];

export function readContractForm(body: FormBody): FormResult<ContractInput> {
  // A single ticked checkbox posts a string, several post a list, none posts nothing.
  const fields = parseForm(contractFields, { ...body, standards: listField(body, 'standards') });
  const found: FieldErrors = fields.ok ? {} : { ...fields.errors };
  const start = dateFromParts(readDateFields(body, 'startDate'), 'Start date');
  const end = dateFromParts(readDateFields(body, 'endDate'), 'End date', false);
  if (start.error) found.startDate = start.error;
  if (end.error) found.endDate = end.error;
  else if (start.date && end.date && end.date < start.date) {
    found.endDate = 'End date must be the same as or after the start date';
  }
  if (!fields.ok || !start.date || Object.keys(found).length > 0) {
    const errors: FieldErrors = {};
    for (const field of FIELD_ORDER) if (found[field]) errors[field] = found[field];
    return { ok: false, errors };
  }
  return {
    ok: true,
    data: { ...fields.data, startDate: start.date, endDate: end.date ?? null },
  };
}

/** What the form shows again after a refused post: the user's input exactly as typed. */
export function contractFormValues(body: FormBody) {
  return {
    reference: textField(body, 'reference'),
    startDate: readDateFields(body, 'startDate'),
    endDate: readDateFields(body, 'endDate'),
    contractManagerId: textField(body, 'contractManagerId'),
    standards: listField(body, 'standards'),
  };
}

export type ContractFormValues = ReturnType<typeof contractFormValues>;
