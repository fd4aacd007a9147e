import { z } from 'zod';
import { textField, type FormBody } from '../forms.js';

// Issue 14: the form of one service an EDS 2022 return assesses in Domain 1 (its name and why it was
// chosen), and the rule a version's data sets for which group is answered per service.

export const SERVICE_NAME_MAX = 100;
export const SERVICE_WHY_MAX = 2_000;

export const serviceFormSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Enter the name of the service')
    .max(SERVICE_NAME_MAX, `The name of the service must be ${SERVICE_NAME_MAX} characters or fewer`),
  whyChosen: z
    .string()
    .trim()
    .min(1, 'Enter why you chose this service')
    .max(SERVICE_WHY_MAX, `Why you chose this service must be ${SERVICE_WHY_MAX} characters or fewer`),
});

export const SERVICE_FIELDS = ['name', 'whyChosen'] as const;

export interface ServiceValues {
  name: string;
  whyChosen: string;
}

/** Exactly what was typed, so the page shown again with errors loses nothing. */
export function serviceValuesFromBody(body: FormBody): ServiceValues {
  return { name: textField(body, 'name'), whyChosen: textField(body, 'whyChosen') };
}

/** The same name whatever its case or surrounding spaces: two services may not share it. */
export function sameServiceName(a: string, b: string): boolean {
  return a.trim().toLocaleLowerCase('en-GB') === b.trim().toLocaleLowerCase('en-GB');
}

/** The version's per-service rule: the group answered once per service, and at least how many. */
export interface PerServiceRule {
  groupCode: string;
  minimum: number;
}

export function perServiceRule(version: {
  perServiceGroupCode: string | null;
  perServiceMinimum: number | null;
}): PerServiceRule | undefined {
  return version.perServiceGroupCode === null
    ? undefined
    : { groupCode: version.perServiceGroupCode, minimum: version.perServiceMinimum ?? 1 };
}

/** "at least 1 service", "at least 2 services". */
export function minimumText(minimum: number): string {
  return `at least ${minimum} ${minimum === 1 ? 'service' : 'services'}`;
}
