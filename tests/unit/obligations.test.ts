import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  deriveAll,
  deriveObligation,
  dueInYear,
  evaluateRule,
  yearLabel,
  yearOf,
  type Derived,
  type ProviderFacts,
} from '../../src/obligations/derive.js';
import { loadObligations, readObligationFiles } from '../../src/obligations/obligation-files.js';
import type { ObligationFile } from '../../src/obligations/obligation-file.schema.js';

// The rules come from data/obligations: these tests read the same files the app does.

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const iso = (date: Date | null | undefined) => date?.toISOString().slice(0, 10);

const catalogue = loadObligations();
const obligations = () => catalogue.all;

function obligation(code: string): ObligationFile {
  const found = catalogue.byCode.get(code);
  if (!found) throw new Error(`no obligation ${code}`);
  return found;
}

const NHS_FT_MENTAL_HEALTH: ProviderFacts = {
  sector: 'nhs_foundation_trust',
  headcountBand: 'from_1000',
  turnoverBand: 'from_100m',
  financialYearEndMonth: 3,
  providesMentalHealthServices: true,
};
const NHS_TRUST: ProviderFacts = {
  ...NHS_FT_MENTAL_HEALTH,
  sector: 'nhs_trust',
  providesMentalHealthServices: false,
};
const SMALL_GP: ProviderFacts = {
  sector: 'gp_practice',
  headcountBand: 'under_150',
  turnoverBand: 'under_10m',
  financialYearEndMonth: 3,
  providesMentalHealthServices: false,
};
const SMALL_CARE_HOME: ProviderFacts = {
  sector: 'care_home',
  headcountBand: 'under_150',
  turnoverBand: 'under_10m',
  financialYearEndMonth: 12,
  providesMentalHealthServices: false,
};
const LARGE_INDEPENDENT: ProviderFacts = {
  sector: 'independent',
  headcountBand: 'from_250_to_999',
  turnoverBand: 'from_36m_to_under_100m',
  financialYearEndMonth: 12,
  providesMentalHealthServices: false,
};
const MID_CHARITY: ProviderFacts = {
  sector: 'voluntary',
  headcountBand: 'from_150_to_249',
  turnoverBand: 'from_10m_to_under_36m',
  financialYearEndMonth: 3,
  providesMentalHealthServices: false,
};
const LOCAL_AUTHORITY: ProviderFacts = {
  sector: 'local_authority',
  headcountBand: 'from_1000',
  turnoverBand: 'from_100m',
  financialYearEndMonth: 3,
  providesMentalHealthServices: false,
};
const NOTHING_RECORDED: ProviderFacts = {
  sector: null,
  headcountBand: null,
  turnoverBand: null,
  financialYearEndMonth: null,
  providesMentalHealthServices: null,
};

/** Each obligation's state (and due date) for the provider in a year. */
function summary(facts: ProviderFacts, year: number): Record<string, string> {
  const shown = (derived: Derived) =>
    derived.state === 'due'
      ? `due ${iso(derived.dueOn)}`
      : derived.state === 'not-due'
        ? `not due (next ${iso(derived.nextDueOn)})`
        : derived.state;
  return Object.fromEntries(
    deriveAll(obligations(), facts, year).map(({ obligation: item, derived }) => [item.code, shown(derived)]),
  );
}

describe('the obligation files', () => {
  test('name every duty in the reference, each rule with a source and a verified flag', () => {
    const codes = obligations().map((item) => item.code);
    expect(codes).toEqual([
      'ais-self-assessment',
      'eds-report',
      'equality-information',
      'equality-objectives',
      'gender-pay-gap',
      'health-inequalities-statement',
      'modern-slavery-statement',
      'pcref-plan',
      'wdes-report',
      'wres-report',
    ]);
    for (const item of obligations()) {
      expect(item.appliesTo.source.length).toBeGreaterThan(10);
      expect(item.due.source.length).toBeGreaterThan(10);
      expect(item.shortName.length).toBeLessThanOrEqual(24);
    }
    // Uncertain facts stay data marked unverified, never settled in code.
    expect(obligation('wres-report').appliesTo.verified).toBe(false);
    expect(obligation('wres-report').due.verified).toBe(false);
    expect(obligation('eds-report').due.verified).toBe(false);
    expect(obligation('wdes-report').due.verified).toBe(true);
  });

  test('a bad file is refused naming the file and each problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'obligations-'));
    try {
      writeFileSync(
        join(dir, 'broken.json'),
        JSON.stringify({
          ...obligation('wdes-report'),
          code: 'broken',
          appliesTo: { summary: 'x', rule: { sectorIn: ['castle'] }, source: 's', verified: 'yes' },
        }),
      );
      writeFileSync(join(dir, 'mismatch.json'), JSON.stringify({ ...obligation('wdes-report') }));
      writeFileSync(join(dir, 'not-json.json'), '{');
      expect(() => readObligationFiles(dir)).toThrow(
        /broken\.json: appliesTo\.rule .*\n(?:.*\n)*broken\.json: appliesTo\.verified must be true or false(?:.*\n)*mismatch\.json: code must match the file name\nnot-json\.json: is not valid JSON/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('which obligations apply to each kind of provider (year 2026/27)', () => {
  test('a large NHS foundation trust providing mental health services owes all but the modern slavery statement', () => {
    expect(summary(NHS_FT_MENTAL_HEALTH, 2026)).toEqual({
      'ais-self-assessment': 'due 2027-03-31',
      'eds-report': 'due 2027-02-28',
      'equality-information': 'due 2027-01-31',
      'equality-objectives': 'not due (next 2028-04-06)',
      'gender-pay-gap': 'due 2027-03-30',
      'health-inequalities-statement': 'due 2026-07-31',
      'modern-slavery-statement': 'not-applicable',
      'pcref-plan': 'due 2027-03-31',
      'wdes-report': 'due 2026-10-31',
      'wres-report': 'due 2026-10-31',
    });
    const slavery = deriveObligation(obligation('modern-slavery-statement'), NHS_FT_MENTAL_HEALTH, 2026);
    expect(slavery).toEqual({
      state: 'not-applicable',
      reason:
        'Applies to companies, partnerships and charities supplying goods or services with a total turnover of £36 million or more (not to public bodies). It is recorded as: NHS foundation trust.',
    });
  });

  test('an NHS trust without mental health services owes no PCREF plan, and says why', () => {
    expect(deriveObligation(obligation('pcref-plan'), NHS_TRUST, 2026)).toEqual({
      state: 'not-applicable',
      reason: 'Applies to providers of mental health services. It does not provide mental health services.',
    });
  });

  test('a small GP practice owes only the AIS self-assessment', () => {
    expect(summary(SMALL_GP, 2026)).toEqual({
      'ais-self-assessment': 'due 2027-03-31',
      'eds-report': 'not-applicable',
      'equality-information': 'not-applicable',
      'equality-objectives': 'not-applicable',
      'gender-pay-gap': 'not-applicable',
      'health-inequalities-statement': 'not-applicable',
      'modern-slavery-statement': 'not-applicable',
      'pcref-plan': 'not-applicable',
      'wdes-report': 'not-applicable',
      'wres-report': 'not-applicable',
    });
    const payGap = deriveObligation(obligation('gender-pay-gap'), SMALL_GP, 2026);
    expect(payGap).toEqual({
      state: 'not-applicable',
      reason: 'Applies to employers with 250 or more employees. It has fewer than 150 employees.',
    });
    const slavery = deriveObligation(obligation('modern-slavery-statement'), SMALL_GP, 2026);
    expect(slavery).toMatchObject({
      reason: expect.stringContaining('Its annual turnover is under £10 million.') as unknown,
    });
  });

  test('a small care home owes the AIS self-assessment and (unverified) the WRES report', () => {
    expect(summary(SMALL_CARE_HOME, 2026)).toMatchObject({
      'ais-self-assessment': 'due 2027-03-31',
      'wres-report': 'due 2026-10-31',
      'gender-pay-gap': 'not-applicable',
      'modern-slavery-statement': 'not-applicable',
      'wdes-report': 'not-applicable',
      'equality-information': 'not-applicable',
    });
  });

  test('a large independent company owes the modern slavery statement and the private-sector pay gap date', () => {
    expect(summary(LARGE_INDEPENDENT, 2026)).toEqual({
      'ais-self-assessment': 'due 2027-03-31',
      'eds-report': 'not-applicable',
      'equality-information': 'not-applicable',
      'equality-objectives': 'not-applicable',
      'gender-pay-gap': 'due 2026-04-04',
      'health-inequalities-statement': 'not-applicable',
      // Year end 31 December 2026 + 6 months.
      'modern-slavery-statement': 'due 2026-06-30',
      'pcref-plan': 'not-applicable',
      'wdes-report': 'not-applicable',
      'wres-report': 'due 2026-10-31',
    });
  });

  test('a charity of 150 to 249 staff owes no pay gap report, and the band says so', () => {
    expect(deriveObligation(obligation('gender-pay-gap'), MID_CHARITY, 2026)).toEqual({
      state: 'not-applicable',
      reason: 'Applies to employers with 250 or more employees. It has 150 to 249 employees.',
    });
    expect(deriveObligation(obligation('modern-slavery-statement'), MID_CHARITY, 2026)).toMatchObject({
      state: 'not-applicable',
    });
  });

  test('a local authority owes the public sector equality duty and the public pay gap date', () => {
    expect(summary(LOCAL_AUTHORITY, 2026)).toMatchObject({
      'equality-information': 'due 2027-01-31',
      'gender-pay-gap': 'due 2027-03-30',
      'modern-slavery-statement': 'not-applicable',
      'wres-report': 'not-applicable',
      'wdes-report': 'not-applicable',
    });
  });

  test('a provider recorded as another kind (250 to 999 staff, £10m to £36m) owes the AIS self-assessment, the private-sector pay gap date and (unverified) the WRES report, and no WDES report', () => {
    const other: ProviderFacts = {
      sector: 'other',
      headcountBand: 'from_250_to_999',
      turnoverBand: 'from_10m_to_under_36m',
      financialYearEndMonth: 3,
      providesMentalHealthServices: false,
    };
    // By hand from data/obligations: AIS yearly 31 March (first 2027); pay gap 4 April outside the
    // public sectors (4 April 2026 is in 2026/27); WRES every sector but GP practices and local
    // authorities; WDES, EDS, PSED and health inequalities NHS trusts (and councils) only; modern
    // slavery needs £36m; PCREF mental health services.
    expect(summary(other, 2026)).toEqual({
      'ais-self-assessment': 'due 2027-03-31',
      'eds-report': 'not-applicable',
      'equality-information': 'not-applicable',
      'equality-objectives': 'not-applicable',
      'gender-pay-gap': 'due 2026-04-04',
      'health-inequalities-statement': 'not-applicable',
      'modern-slavery-statement': 'not-applicable',
      'pcref-plan': 'not-applicable',
      'wdes-report': 'not-applicable',
      'wres-report': 'due 2026-10-31',
    });
    expect(deriveObligation(obligation('wdes-report'), other, 2026)).toEqual({
      state: 'not-applicable',
      reason: 'Applies to NHS trusts and NHS foundation trusts. It is recorded as: other.',
    });
  });

  test('with nothing recorded, an obligation that depends on a fact is not known, naming the fact', () => {
    const derived = Object.fromEntries(
      deriveAll(obligations(), NOTHING_RECORDED, 2026).map(({ obligation: item, derived: result }) => [
        item.code,
        result,
      ]),
    );
    expect(derived['ais-self-assessment']).toEqual({ state: 'due', dueOn: day('2027-03-31') });
    expect(derived['gender-pay-gap']).toEqual({
      state: 'not-known',
      reason:
        'Applies to employers with 250 or more employees. Its number of employees is not recorded. Record it on the provider page.',
    });
    expect(derived['modern-slavery-statement']).toMatchObject({
      state: 'not-known',
      reason: expect.stringContaining(
        'Its kind of organisation is not recorded. Its annual turnover is not recorded.',
      ) as unknown,
    });
    // Applies (250+ staff) but the pay gap date depends on the sector, which is missing.
    expect(
      deriveObligation(
        obligation('gender-pay-gap'),
        { ...NOTHING_RECORDED, headcountBand: 'from_1000' },
        2026,
      ),
    ).toEqual({
      state: 'not-known',
      reason:
        'Its kind of organisation is not recorded. Record it on the provider page to work out the due date.',
    });
    // A fact that settles the rule either way makes the other missing facts irrelevant.
    expect(
      deriveObligation(
        obligation('modern-slavery-statement'),
        { ...NOTHING_RECORDED, turnoverBand: 'under_10m' },
        2026,
      ),
    ).toMatchObject({ state: 'not-applicable' });
    // Modern slavery applies to a large company whose year end is not recorded: the date is not known.
    expect(
      deriveObligation(
        obligation('modern-slavery-statement'),
        { ...LARGE_INDEPENDENT, financialYearEndMonth: null },
        2026,
      ),
    ).toEqual({
      state: 'not-known',
      reason:
        'Its financial year end is not recorded. Record it on the provider page to work out the due date.',
    });
  });
});

describe('rules', () => {
  test('any: yes wins, then unknown, then no with every reason', () => {
    const rule = { any: [{ headcountAtLeast: 250 }, { providesMentalHealthServices: true }] };
    expect(evaluateRule(rule, { ...SMALL_GP, providesMentalHealthServices: true }).answer).toBe('yes');
    expect(evaluateRule(rule, { ...SMALL_GP, providesMentalHealthServices: null })).toEqual({
      answer: 'unknown',
      reasons: ['Whether it provides mental health services is not recorded.'],
    });
    expect(evaluateRule(rule, SMALL_GP)).toEqual({
      answer: 'no',
      reasons: ['It has fewer than 150 employees.', 'It does not provide mental health services.'],
    });
  });

  test('a threshold inside a band cannot be decided from the band', () => {
    expect(evaluateRule({ headcountAtLeast: 500 }, LARGE_INDEPENDENT).answer).toBe('unknown');
    expect(evaluateRule({ headcountAtLeast: 500 }, NHS_TRUST).answer).toBe('yes');
    expect(evaluateRule({ turnoverAtLeast: 36_000_000 }, MID_CHARITY).answer).toBe('no');
    expect(evaluateRule({ turnoverAtLeast: 36_000_000 }, LARGE_INDEPENDENT).answer).toBe('yes');
  });
});

describe('due dates across year ends', () => {
  const afterYearEnd = { kind: 'afterYearEnd' as const, months: 6 };
  const withYearEnd = (month: number): ProviderFacts => ({
    ...LARGE_INDEPENDENT,
    financialYearEndMonth: month,
  });

  test('six months after each possible year end, falling in the year 1 April 2025 to 31 March 2026', () => {
    const dues = Object.fromEntries(
      [1, 2, 3, 4, 6, 8, 9, 10, 12].map((month) => {
        const due = dueInYear(afterYearEnd, withYearEnd(month), 2025);
        return [month, due.kind === 'due' ? iso(due.dueOn) : due.kind];
      }),
    );
    expect(dues).toEqual({
      1: '2025-07-31', // year end 31 January 2025
      2: '2025-08-31', // 28 February 2025
      3: '2025-09-30', // 31 March 2025
      4: '2025-10-31', // 30 April 2025
      6: '2025-12-31', // 30 June 2025
      8: '2026-02-28', // 31 August 2025: February 2026 has 28 days
      9: '2026-03-31', // 30 September 2025: the last day of the year
      10: '2025-04-30', // 31 October 2024: the first month of the year
      12: '2025-06-30', // 31 December 2024
    });
  });

  test('a leap year gives 29 February', () => {
    const due = dueInYear(afterYearEnd, withYearEnd(8), 2027);
    expect(due).toEqual({ kind: 'due', dueOn: day('2028-02-29') });
  });

  test('yearly dates fall in the year they belong to, public and private pay gap dates apart', () => {
    const payGap = obligation('gender-pay-gap').due.rule;
    expect(dueInYear(payGap, NHS_TRUST, 2025)).toEqual({ kind: 'due', dueOn: day('2026-03-30') });
    expect(dueInYear(payGap, LARGE_INDEPENDENT, 2025)).toEqual({ kind: 'due', dueOn: day('2025-04-04') });
    expect(dueInYear(obligation('eds-report').due.rule, NHS_TRUST, 2027)).toEqual({
      kind: 'due',
      dueOn: day('2028-02-28'),
    });
  });

  test('the AIS self-assessment is first due by 31 March 2027', () => {
    const ais = obligation('ais-self-assessment');
    expect(deriveObligation(ais, SMALL_GP, 2025)).toEqual({
      state: 'not-due',
      reason: 'Not due in 2025/26: first due by the date below.',
      nextDueOn: day('2027-03-31'),
    });
    expect(deriveObligation(ais, SMALL_GP, 2026)).toEqual({ state: 'due', dueOn: day('2027-03-31') });
  });

  test('rolling duties run from the last publication, or on their cycle when none is recorded', () => {
    const objectives = obligation('equality-objectives');
    expect(deriveObligation(objectives, NHS_TRUST, 2024)).toEqual({ state: 'due', dueOn: day('2024-04-06') });
    expect(deriveObligation(objectives, NHS_TRUST, 2025)).toMatchObject({
      state: 'not-due',
      nextDueOn: day('2028-04-06'),
    });
    // Published 1 June 2023: next by 1 June 2027, in 2027/28.
    expect(deriveObligation(objectives, NHS_TRUST, 2026, day('2023-06-01'))).toMatchObject({
      state: 'not-due',
      nextDueOn: day('2027-06-01'),
    });
    expect(deriveObligation(objectives, NHS_TRUST, 2027, day('2023-06-01'))).toEqual({
      state: 'due',
      dueOn: day('2027-06-01'),
    });

    const information = obligation('equality-information');
    expect(deriveObligation(information, NHS_TRUST, 2025)).toEqual({
      state: 'due',
      dueOn: day('2026-01-31'),
    });
    expect(deriveObligation(information, NHS_TRUST, 2025, day('2024-11-15'))).toEqual({
      state: 'due',
      dueOn: day('2025-11-15'),
    });
    // 12 months after 29 February 2024 is the last day of February 2025.
    expect(deriveObligation(information, NHS_TRUST, 2024, day('2024-02-29'))).toEqual({
      state: 'due',
      dueOn: day('2025-02-28'),
    });
    // Long overdue: still due, on the date it fell due.
    expect(deriveObligation(information, NHS_TRUST, 2025, day('2023-05-10'))).toEqual({
      state: 'due',
      dueOn: day('2024-05-10'),
    });
  });

  test('years are NHS financial years', () => {
    expect(yearLabel(2025)).toBe('2025/26');
    expect(yearLabel(2099)).toBe('2099/00');
    expect(yearOf(day('2026-03-31'))).toBe(2025);
    expect(yearOf(day('2026-04-01'))).toBe(2026);
  });
});
