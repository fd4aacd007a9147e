import { textField, type FieldErrors, type FormBody } from '../forms.js';
import {
  boardGap,
  declarationRate,
  oneDecimal,
  relativeLikelihood,
  representation,
  surveyPercentages,
  surveyScores,
  type BandShares,
  type Flag,
} from './calculations.js';
import type { IndicatorDefinition, WorkforceStandard } from './indicator-file.schema.js';

/**
 * What a lead enters for each indicator of a WRES or WDES return, worked out from the indicator file:
 * the fields (counts by group, survey percentages, board composition, a narrative; the WDES
 * declaration rate as an entry of its own), how a posted form becomes stored inputs, and what is
 * calculated from them. Impossible inputs are refused with their own messages; results outside the
 * parity band or resting on small numbers are warnings, shown beside the result.
 */

export type FieldKind = 'count' | 'percentage' | 'score' | 'yes-no' | 'text';

export interface InputField {
  name: string;
  /** The field's full name, as in its messages ("White staff, clinical staff, Band 5"). */
  label: string;
  kind: FieldKind;
  /** Where counts come in sets (a band's groups): the set's legend, its heading, and the short label. */
  set?: { heading: string; legend: string; label: string };
}

export interface Entry {
  code: string;
  title: string;
  kind: IndicatorDefinition['kind'] | 'declaration';
  fields: InputField[];
  reading: string | undefined;
  source: string;
  verified: boolean;
}

/** Stored inputs: counts and percentages as numbers, the narrative's answer and examples as text. */
export type Inputs = Readonly<Record<string, number | string>>;

export const DECLARATION_CODE = 'declaration';

const groupLabel = (standard: WorkforceStandard, group: string) =>
  (standard.groups[group] ?? group).replace(/ staff$/, '');

function fieldsOf(standard: WorkforceStandard, indicator: IndicatorDefinition): InputField[] {
  const label = (group: string) => groupLabel(standard, group);
  switch (indicator.kind) {
    case 'relative-likelihood':
      return [indicator.numerator, indicator.denominator].flatMap((side) => [
        {
          name: `${side.group}-outOf`,
          label: `${label(side.group)} staff ${side.outOf}`,
          kind: 'count' as const,
        },
        {
          name: `${side.group}-events`,
          label: `${label(side.group)} staff ${side.event}`,
          kind: 'count' as const,
        },
      ]);
    case 'survey-percentages':
      return indicator.groups.map((group) => ({
        name: group,
        label: `${label(group)} staff (%)`,
        kind: 'percentage' as const,
      }));
    case 'representation':
      return indicator.sections.flatMap((section) =>
        section.bands.flatMap((band) =>
          indicator.groups.map((group) => ({
            name: `${section.code}-${band.code}-${group}`,
            label: `${label(group)} staff, ${section.label.toLowerCase()}, ${band.label}`,
            kind: 'count' as const,
            set: { heading: section.label, legend: `${section.label}: ${band.label}`, label: label(group) },
          })),
        ),
      );
    case 'survey-scores':
      return [
        ...indicator.groups.map((group) => ({
          name: group,
          label: `${label(group)} staff (score)`,
          kind: 'score' as const,
        })),
        ...(indicator.overall
          ? [{ name: 'overall', label: 'All staff (score)', kind: 'score' as const }]
          : []),
      ];
    case 'board-gap':
      return [
        { name: 'boardGroup', label: `${label(indicator.group)} board members`, kind: 'count' },
        { name: 'boardTotal', label: 'Board members in total', kind: 'count' },
        { name: 'workforceGroup', label: `${label(indicator.group)} staff in the workforce`, kind: 'count' },
        { name: 'workforceTotal', label: 'Staff in the workforce in total', kind: 'count' },
      ];
    case 'narrative':
      return [
        { name: 'answer', label: 'Answer', kind: 'yes-no' },
        { name: 'examples', label: 'Examples', kind: 'text' },
      ];
  }
}

/** The return's entries in order: the declaration rate first where the standard records it. */
export function entriesOf(standard: WorkforceStandard): Entry[] {
  const entries: Entry[] = standard.indicators.map((indicator) => ({
    code: indicator.code,
    title: indicator.title,
    kind: indicator.kind,
    fields: fieldsOf(standard, indicator),
    reading: 'reading' in indicator ? indicator.reading : undefined,
    source: indicator.kind === 'representation' ? indicator.bandsSource : indicator.source,
    // A representation's bands may be unconfirmed while the indicator itself is not.
    verified: indicator.verified && (indicator.kind !== 'representation' || indicator.bandsVerified),
  }));
  if (!standard.recordsDeclarationRate) return entries;
  return [
    {
      code: DECLARATION_CODE,
      title: 'Declaration rate: staff whose disability status is recorded',
      kind: 'declaration',
      fields: [
        {
          name: 'declared',
          label: 'Staff who have declared whether they are disabled or not',
          kind: 'count',
        },
        { name: 'headcount', label: 'Staff in the workforce in total', kind: 'count' },
      ],
      reading:
        'Read metrics 1 to 3 and 10 with this rate: where few staff declare, those metrics rest on weak data',
      source:
        'https://www.nhsemployers.org/retention-and-staff-experience/diversity-and-inclusion/policy-and-guidance/disability/workforce-disability-equality-standard/understanding-the-wdes-metrics',
      verified: true,
    },
    ...entries,
  ];
}

export function indicatorOf(standard: WorkforceStandard, code: string): IndicatorDefinition | undefined {
  return standard.indicators.find((indicator) => indicator.code === code);
}

/** What is calculated from complete inputs, for the pages. */
export interface Result {
  /** The headline figure as reported ("1.88", "+4.2 percentage points", "27.5% and 31.0%", "Yes"). */
  shown: string;
  /** A number to chart and compare across years (relative likelihood, gap, declaration rate). */
  value: number | undefined;
  /** Each group's figure where there are several (survey percentages). */
  values: { label: string; value: number; shown: string }[];
  /** The formula in words and numbers. */
  formula: string | undefined;
  /** Warnings: outside the parity band, small numbers, or why a figure cannot be worked out. */
  flags: Flag[];
  /** The narrative's examples. */
  text: string | undefined;
  /** Figures too many for one line (representation by band): a table per section. */
  tables: ResultTable[];
}

export interface ResultTable {
  caption: string;
  head: string[];
  rows: string[][];
}

type Outcome = { ok: true; result: Result } | { ok: false; errors: FieldErrors };

const COUNT = /^\d{1,3}(,\d{3})+$|^\d+$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

/** Reads and checks a posted indicator form: the inputs to store, or a message per field. */
export function parseEntry(
  standard: WorkforceStandard,
  entry: Entry,
  body: FormBody,
): { ok: true; inputs: Inputs } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const inputs: Record<string, number | string> = {};
  for (const field of entry.fields) {
    const raw = textField(body, field.name).trim();
    // Group names keep their capitals ("White staff"); other labels read on in a sentence.
    const what = /^(Board|Staff|All) /.test(field.label)
      ? field.label.charAt(0).toLowerCase() + field.label.slice(1)
      : field.label;
    switch (field.kind) {
      case 'count':
        if (raw === '') errors[field.name] = `Enter the number of ${what}`;
        else if (!COUNT.test(raw))
          errors[field.name] = `The number of ${what} must be a whole number, 0 or more`;
        else inputs[field.name] = Number(raw.replaceAll(',', ''));
        break;
      case 'percentage': {
        const named = what.replace(/ \(%\)$/, '');
        if (raw === '') errors[field.name] = `Enter the percentage for ${named}`;
        else if (!NUMBER.test(raw.replace(/%$/, '')))
          errors[field.name] = `The percentage for ${named} must be a number, like 27.5`;
        else inputs[field.name] = Number(raw.replace(/%$/, ''));
        break;
      }
      case 'score': {
        const named = what.replace(/ \(score\)$/, '');
        if (raw === '') errors[field.name] = `Enter the score for ${named}`;
        else if (!NUMBER.test(raw)) errors[field.name] = `The score for ${named} must be a number, like 6.8`;
        else inputs[field.name] = Number(raw);
        break;
      }
      case 'yes-no':
        if (raw !== 'yes' && raw !== 'no') errors[field.name] = 'Select yes or no';
        else inputs[field.name] = raw;
        break;
      case 'text':
        if (raw.length > 5000) errors[field.name] = 'Examples must be 5,000 characters or fewer';
        else inputs[field.name] = raw;
        break;
    }
  }
  if (entry.kind === 'narrative' && inputs.answer === 'yes' && inputs.examples === '')
    errors.examples = 'Enter examples of what the organisation has done';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const outcome = calculate(standard, entry, inputs);
  return outcome.ok ? { ok: true, inputs } : outcome;
}

const count = (inputs: Inputs, name: string) => Number(inputs[name]);

/**
 * What the inputs give. A refusal names the field it is about; a relative likelihood that cannot be
 * worked out (no one in a group, or no one in the comparison group had the event) is kept, and says so.
 */
export function calculate(standard: WorkforceStandard, entry: Entry, inputs: Inputs): Outcome {
  const firstField = entry.fields[0]?.name ?? 'form';
  const base: Result = {
    shown: '',
    value: undefined,
    values: [],
    formula: undefined,
    flags: [],
    text: undefined,
    tables: [],
  };
  if (entry.kind === 'declaration') {
    const rate = declarationRate(count(inputs, 'declared'), count(inputs, 'headcount'));
    if (!rate.ok) return { ok: false, errors: { declared: rate.problems.join('. ') } };
    return {
      ok: true,
      result: {
        ...base,
        shown: rate.shown,
        value: rate.value,
        formula: `${count(inputs, 'declared')} ÷ ${count(inputs, 'headcount')} × 100 = ${rate.shown}`,
      },
    };
  }
  const indicator = indicatorOf(standard, entry.code);
  if (!indicator) return { ok: false, errors: { [firstField]: 'This indicator is not in the standard' } };
  switch (indicator.kind) {
    case 'relative-likelihood': {
      const side = (group: string) => ({
        events: count(inputs, `${group}-events`),
        outOf: count(inputs, `${group}-outOf`),
      });
      const top = side(indicator.numerator.group);
      const bottom = side(indicator.denominator.group);
      const calculated = relativeLikelihood(standard, indicator, top, bottom);
      if (calculated.ok) {
        return {
          ok: true,
          result: {
            ...base,
            shown: calculated.shown,
            value: calculated.value,
            formula: rlFormula(standard, indicator, calculated.formula),
            flags: calculated.flags,
          },
        };
      }
      // More with the event than in the group is impossible: refused at the field it is about.
      const impossible = [indicator.numerator.group, indicator.denominator.group].filter((group) => {
        const figures = side(group);
        return figures.events > figures.outOf;
      });
      if (impossible.length > 0) {
        const errors: FieldErrors = {};
        for (const group of impossible) {
          const label = groupLabel(standard, group);
          errors[`${group}-events`] =
            calculated.problems.find((problem) => problem.startsWith(`The number of ${label} staff`)) ??
            calculated.problems.join('. ');
        }
        return { ok: false, errors };
      }
      return {
        ok: true,
        result: {
          ...base,
          shown: 'Cannot be worked out',
          flags: calculated.problems.map((text) => ({ kind: 'small-numbers' as const, text })),
        },
      };
    }
    case 'survey-percentages': {
      const errors: FieldErrors = {};
      for (const group of indicator.groups) {
        const checked = surveyPercentages(
          standard,
          { ...indicator, groups: [group] },
          { [group]: count(inputs, group) },
        );
        if (!checked.ok) errors[group] = checked.problems.join('. ');
      }
      if (Object.keys(errors).length > 0) return { ok: false, errors };
      const values = indicator.groups.map((group) => {
        const value = count(inputs, group);
        return { label: standard.groups[group] ?? group, value, shown: `${value.toFixed(1)}%` };
      });
      return {
        ok: true,
        result: {
          ...base,
          values,
          shown: values.map((item) => `${item.label}: ${item.shown}`).join('; '),
          formula: differenceText(values, '%', 'percentage points'),
        },
      };
    }
    case 'representation': {
      const shares = representation(standard, indicator, (section, band, group) =>
        count(inputs, `${section}-${band}-${group}`),
      );
      if (!shares.ok) return { ok: false, errors: { [firstField]: shares.problems.join('. ') } };
      const groupNames = indicator.groups.map((group) => standard.groups[group] ?? group);
      const row = (band: BandShares) => [
        band.label,
        ...band.shares.map((share) =>
          share.percent === undefined ? '0' : `${oneDecimal(share.percent)}% (${share.count})`,
        ),
        String(band.total),
      ];
      return {
        ok: true,
        result: {
          ...base,
          shown: shares.shown,
          value: shares.value,
          formula: shares.formula,
          flags: shares.flags,
          tables: shares.sections.map((section) => ({
            caption: `${section.label} by band`,
            head: ['Band', ...groupNames, 'All staff'],
            rows: [...section.bands.map(row), row(section.total), row(shares.workforce)],
          })),
        },
      };
    }
    case 'survey-scores': {
      const scores = Object.fromEntries(entry.fields.map((field) => [field.name, count(inputs, field.name)]));
      const checked = surveyScores(standard, indicator, scores);
      if (!checked.ok) {
        const errors: FieldErrors = {};
        for (const field of entry.fields) {
          const one = surveyScores(
            standard,
            {
              ...indicator,
              groups: indicator.groups.filter((group) => group === field.name),
              overall: field.name === 'overall',
            },
            scores,
          );
          if (!one.ok) errors[field.name] = one.problems.join('. ');
        }
        return { ok: false, errors };
      }
      const values = checked.values.map((item) => ({
        label: item.group === 'overall' ? 'All staff' : item.label,
        value: item.value,
        shown: oneDecimal(item.value),
      }));
      return {
        ok: true,
        result: {
          ...base,
          values,
          shown: values.map((item) => `${item.label}: ${item.shown}`).join('; '),
          formula: differenceText(values.slice(0, indicator.groups.length), '', 'points'),
        },
      };
    }
    case 'board-gap': {
      const gap = boardGap(standard, indicator, {
        boardGroup: count(inputs, 'boardGroup'),
        boardTotal: count(inputs, 'boardTotal'),
        workforceGroup: count(inputs, 'workforceGroup'),
        workforceTotal: count(inputs, 'workforceTotal'),
      });
      if (!gap.ok) {
        const errors: FieldErrors = {};
        for (const problem of gap.problems) {
          const field = problem.includes('whole board')
            ? 'boardGroup'
            : problem.includes('whole workforce')
              ? 'workforceGroup'
              : problem.includes('board members: it cannot be 0')
                ? 'boardTotal'
                : 'workforceTotal';
          errors[field] ??= problem;
        }
        return { ok: false, errors };
      }
      return { ok: true, result: { ...base, shown: gap.shown, value: gap.value, formula: gap.formula } };
    }
    case 'narrative': {
      const answer = inputs.answer === 'yes' ? 'Yes' : 'No';
      const examples = typeof inputs.examples === 'string' ? inputs.examples : '';
      return { ok: true, result: { ...base, shown: answer, text: examples || undefined } };
    }
  }
}

/** The likelihood's formula in words, then in numbers. */
function rlFormula(
  standard: WorkforceStandard,
  indicator: Extract<IndicatorDefinition, { kind: 'relative-likelihood' }>,
  numbers: string,
): string {
  const words = (side: { group: string; event: string; outOf: string }) =>
    `${groupLabel(standard, side.group)} staff ${side.event} ÷ ${groupLabel(standard, side.group)} staff ${side.outOf}`;
  return `(${words(indicator.numerator)}) ÷ (${words(indicator.denominator)}): ${numbers}`;
}

/** For two groups, how far apart they are ("percentage points" for percentages, "points" for scores). */
function differenceText(
  values: readonly { label: string; value: number }[],
  suffix: string,
  unit: string,
): string | undefined {
  const [first, second] = values;
  if (!first || !second || values.length !== 2) return undefined;
  const difference = second.value - first.value;
  return `${second.label} ${second.value.toFixed(1)}${suffix} − ${first.label} ${first.value.toFixed(1)}${suffix} = ${difference > 0 ? '+' : ''}${difference.toFixed(1)} ${unit}`;
}

/** The inputs a form shows: stored numbers as text. */
export function formValues(inputs: Inputs | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs ?? {}).map(([name, value]) => [name, String(value)]));
}
