import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bandFor,
  computeResults,
  formatScore,
  gradeResults,
  maturityResults,
  totalScoreResults,
  type GradeResults,
  type MaturityResults,
  type RatedResponse,
  type ResultsBasis,
} from '../../src/frameworks/results.js';
import { resultLines } from '../../src/frameworks/result-lines.js';
import { standardFileSchema, type StandardFile } from '../../src/frameworks/standard-file.schema.js';
import { STANDARDS_DIR } from '../../src/project-root.js';

// The standards exactly as the import reads them: the thresholds in these tests come from the data.
function loadStandard(file: string): StandardFile {
  return standardFileSchema.parse(JSON.parse(readFileSync(join(STANDARDS_DIR, file), 'utf8')));
}

function basisOf(standard: StandardFile): ResultsBasis {
  return {
    frameworkCode: standard.framework.code,
    versionCode: standard.version.code,
    versionName: standard.version.name,
    groupLabel: standard.version.groupLabel,
    groups: standard.groups.map(({ code, title, position }) => ({ code, title, position })),
    levels: standard.ratingScale.levels.map(({ code, label, score, position, colour }) => ({
      code,
      label,
      score,
      position,
      colour,
    })),
    bands: standard.overallRatingBands.map(({ minTotal, maxTotal, label, position }) => ({
      minTotal,
      maxTotal,
      label,
      position,
    })),
    perService: standard.version.perService && {
      groupCode: standard.version.perService.groupCode,
      combine: standard.version.perService.combine,
    },
  };
}

/** One response per requirement of the standard, rated by `rate(code, index)` (a level code or null). */
function answers(
  standard: StandardFile,
  rate: (code: string, index: number) => string | null,
): RatedResponse[] {
  return standard.groups
    .flatMap((group) => group.requirements.map((requirement) => ({ group, requirement })))
    .map(({ group, requirement }, index) => ({
      groupCode: group.code,
      requirementCode: requirement.code,
      requirementTitle: requirement.title,
      ratingLevelCode: rate(requirement.code, index),
    }));
}

/** The level code with the given score on the standard's scale. */
function levelWithScore(standard: StandardFile, score: number): string {
  const level = standard.ratingScale.levels.find((candidate) => candidate.score === score);
  if (!level) throw new Error(`No level with score ${score}`);
  return level.code;
}

/** Scores per outcome adding up to `total` (as evenly as the scale allows). */
function scoresAddingUpTo(standard: StandardFile, total: number): (code: string, index: number) => string {
  const count = standard.groups.reduce((sum, group) => sum + group.requirements.length, 0);
  const top = Math.max(...standard.ratingScale.levels.map((level) => level.score));
  if (total > count * top) throw new Error(`A total of ${total} is not possible`);
  return (_code, index) => {
    const base = Math.floor(total / count);
    return levelWithScore(standard, base + (index < total % count ? 1 : 0));
  };
}

describe('EDS 2022 total score and overall rating', () => {
  const eds2022 = loadStandard('eds-2022.json');
  const basis = basisOf(eds2022);
  const outcomeCount = eds2022.groups.reduce((sum, group) => sum + group.requirements.length, 0);
  const topScore = Math.max(...eds2022.ratingScale.levels.map((level) => level.score));

  test('the data has bands (so the thresholds below are the imported ones)', () => {
    expect(basis.bands.length).toBeGreaterThan(1);
    expect(computeResults([], basis).kind).toBe('total-score');
  });

  test.each([...new Set(basisOf(eds2022).bands.flatMap((band) => [band.minTotal, band.maxTotal]))])(
    'a total of %i gets the band the data says covers it',
    (total) => {
      const results = totalScoreResults(answers(eds2022, scoresAddingUpTo(eds2022, total)), basis);
      const expected = basis.bands.find((band) => band.minTotal <= total && total <= band.maxTotal);
      expect(results.total).toBe(total);
      expect(results.complete).toBe(true);
      expect(results.maximum).toBe(outcomeCount * topScore);
      expect(results.band?.label).toBe(expected?.label);
      expect(results.ratingText).toBe(expected?.label);
      expect(results.totalText).toBe(`${total} out of ${outcomeCount * topScore}`);
    },
  );

  test('each band boundary: one below the lowest total of a band falls in the band before it', () => {
    const ordered = [...basis.bands].sort((a, b) => a.position - b.position);
    for (const [index, band] of ordered.entries()) {
      if (index === 0) continue;
      const results = totalScoreResults(
        answers(eds2022, scoresAddingUpTo(eds2022, band.minTotal - 1)),
        basis,
      );
      expect(results.band?.label).toBe(ordered[index - 1]?.label);
    }
  });

  test('bands are data: changed thresholds change the rating for the same answers', () => {
    const responses = answers(eds2022, scoresAddingUpTo(eds2022, 20));
    const modified: ResultsBasis = {
      ...basis,
      bands: [
        { minTotal: 0, maxTotal: 9, label: 'Needs work', position: 1 },
        { minTotal: 10, maxTotal: 19, label: 'On the way', position: 2 },
        { minTotal: 20, maxTotal: 33, label: 'Good enough', position: 3 },
      ],
    };
    expect(totalScoreResults(responses, basis).ratingText).not.toBe('Good enough');
    const results = totalScoreResults(responses, modified);
    expect(results.band).toEqual({ label: 'Good enough', position: 3 });
    expect(results.ratingText).toBe('Good enough');
  });

  test('a total no band covers has no rating and says so', () => {
    const gappy: ResultsBasis = {
      ...basis,
      bands: [{ minTotal: 0, maxTotal: 5, label: 'Low', position: 1 }],
    };
    const results = totalScoreResults(answers(eds2022, scoresAddingUpTo(eds2022, 12)), gappy);
    expect(results.band).toBeNull();
    expect(results.ratingText).toBe('Not available: no overall rating band in EDS 2022 covers a total of 12');
  });

  test('incomplete while any outcome is unrated: no overall rating, the partial total and what is missing', () => {
    const responses = answers(eds2022, (code) => (code === '1B' || code === '3C' ? null : 'achieving'));
    const results = totalScoreResults(responses, basis);
    expect(results.complete).toBe(false);
    expect(results.band).toBeNull();
    expect(results.unratedCodes).toEqual(['1B', '3C']);
    expect(results.total).toBe((outcomeCount - 2) * 2);
    expect(results.ratedCount).toBe(outcomeCount - 2);
    expect(results.ratingText).toBe(
      'Not available until every outcome is rated (2 outcomes not rated: 1B, 3C)',
    );
    expect(results.totalText).toBe(
      `${(outcomeCount - 2) * 2} out of ${outcomeCount * topScore} so far (2 outcomes not rated)`,
    );
  });

  test('a subtotal per domain, in domain order', () => {
    const results = totalScoreResults(
      answers(eds2022, () => 'excelling'),
      basis,
    );
    expect(results.groups.map((group) => [group.heading, group.subtotal, group.maximum])).toEqual(
      eds2022.groups.map((group) => [
        `Domain ${group.code}: ${group.title}`,
        group.requirements.length * topScore,
        group.requirements.length * topScore,
      ]),
    );
  });

  test('bandFor picks the band containing the total, or null', () => {
    expect(bandFor(3, [{ minTotal: 0, maxTotal: 3, label: 'A', position: 1 }])?.label).toBe('A');
    expect(bandFor(4, [{ minTotal: 0, maxTotal: 3, label: 'A', position: 1 }])).toBeNull();
  });

  test('a rating that is not a level of the scale is an error, not a silent zero', () => {
    const responses = answers(eds2022, () => 'made-up');
    expect(() => totalScoreResults(responses, basis)).toThrow(/"made-up", which is not a level of EDS 2022/);
  });
});

describe('EDS2 grades', () => {
  const eds2 = loadStandard('eds2.json');
  const basis = basisOf(eds2);

  test('a grade per outcome, a count per grade and the lowest grade per goal', () => {
    // Goal 1 all achieving except 1.3 developing; goal 2 all excelling; goal 3 with 3.2 ungraded.
    const grade = (code: string): string | null => {
      if (code === '1.3') return 'developing';
      if (code.startsWith('2.')) return 'excelling';
      if (code === '3.2') return null;
      if (code === '4.1') return 'undeveloped';
      return 'achieving';
    };
    const results = computeResults(answers(eds2, grade), basis) as GradeResults;
    expect(results.kind).toBe('grades');
    expect(results.complete).toBe(false);
    expect(results.outcomes.find((outcome) => outcome.code === '1.3')?.text).toBe('Developing');
    expect(results.outcomes.find((outcome) => outcome.code === '3.2')?.text).toBe('Not graded');
    expect(results.outcomes.find((outcome) => outcome.code === '2.1')?.level?.tagColour).toBe('purple');

    const total = eds2.groups.reduce((sum, group) => sum + group.requirements.length, 0);
    expect(results.counts.map((line) => [line.label, line.count])).toEqual([
      ['Undeveloped', 1],
      ['Developing', 1],
      ['Achieving', total - 1 - 1 - 4 - 1],
      ['Excelling', 4],
      ['Not graded', 1],
    ]);
    expect(results.groups.map((goal) => [goal.heading, goal.text])).toEqual([
      ['Goal 1: Better health outcomes', 'Developing'],
      ['Goal 2: Improved patient access and experience', 'Excelling'],
      ['Goal 3: A representative and supported workforce', 'Achieving so far (1 of 6 not rated)'],
      ['Goal 4: Inclusive leadership', 'Undeveloped'],
    ]);
  });

  test('amber in the data is shown as an orange tag, with its label', () => {
    const results = gradeResults(
      answers(eds2, () => 'developing'),
      basis,
    );
    expect(results.complete).toBe(true);
    expect(results.counts[1]).toEqual({
      level: { code: 'developing', label: 'Developing', score: 1, tagColour: 'orange' },
      label: 'Developing',
      count: eds2.groups.reduce((sum, group) => sum + group.requirements.length, 0),
    });
    expect(results.counts.some((line) => line.level === null)).toBe(false);
  });

  test('a goal with nothing graded says so', () => {
    const results = gradeResults(
      answers(eds2, (code) => (code.startsWith('4.') ? null : 'achieving')),
      basis,
    );
    expect(results.groups[3]).toMatchObject({ code: '4', level: null, text: 'Not rated', ratedCount: 0 });
  });
});

describe('AIS maturity per step', () => {
  test.each([
    ['ais-2025.json', 'basic', 'advanced', 'Basic', 'Advanced'],
    ['ais-2016.json', 'not-met', 'fully-met', 'Not met', 'Fully met'],
  ])('%s: a step is at the lowest level of its requirements', (file, low, high, lowLabel, highLabel) => {
    const standard = loadStandard(file);
    const basis = basisOf(standard);
    const firstStep = standard.groups[0];
    const weakest = firstStep?.requirements[1]?.code;
    const results = computeResults(
      answers(standard, (code) => (code === weakest ? low : high)),
      basis,
    ) as MaturityResults;
    expect(results.kind).toBe('maturity');
    expect(results.complete).toBe(true);
    expect(results.steps).toHaveLength(standard.groups.length);
    expect(results.steps[0]).toMatchObject({
      heading: `Step ${firstStep?.code}: ${firstStep?.title}`,
      text: lowLabel,
      complete: true,
    });
    for (const step of results.steps.slice(1)) expect(step.text).toBe(highLabel);
    const requirementCount = standard.groups.reduce((sum, group) => sum + group.requirements.length, 0);
    expect(results.counts.find((line) => line.label === lowLabel)?.count).toBe(1);
    expect(results.counts.find((line) => line.label === highLabel)?.count).toBe(requirementCount - 1);
    expect(results.counts.map((line) => line.label)).toEqual(
      standard.ratingScale.levels.map((level) => level.label),
    );
  });

  test('a step with an unrated requirement is incomplete and shows the lowest level so far', () => {
    const standard = loadStandard('ais-2025.json');
    const results = maturityResults(
      answers(standard, (code) => {
        if (code === '6.1') return null;
        return code === '6.2' ? 'intermediate' : 'exemplar';
      }),
      basisOf(standard),
    );
    expect(results.complete).toBe(false);
    const review = results.steps.find((step) => step.code === '6');
    expect(review).toMatchObject({
      complete: false,
      ratedCount: 3,
      requirementCount: 4,
      level: { label: 'Intermediate' },
      text: 'Intermediate so far (1 of 4 not rated)',
    });
    expect(results.counts.at(-1)).toEqual({ level: null, label: 'Not rated', count: 1 });
  });

  test('the level is the lowest score, whatever order the requirements come in', () => {
    const standard = loadStandard('ais-2025.json');
    const basis = basisOf(standard);
    const ratings = ['exemplar', 'basic', 'advanced'];
    const responses = answers(standard, () => 'exemplar').map((response, index) =>
      index < 3 ? { ...response, ratingLevelCode: ratings[index] ?? null } : response,
    );
    expect(maturityResults(responses, basis).steps[0]?.text).toBe('Basic');
    expect(maturityResults([...responses].reverse(), basis).steps[0]?.text).toBe('Basic');
  });

  test('no answers at all: every count is zero and nothing is complete', () => {
    const standard = loadStandard('ais-2016.json');
    const results = maturityResults([], basisOf(standard));
    expect(results.complete).toBe(false);
    expect(results.steps).toEqual([]);
    expect(results.counts.every((line) => line.count === 0)).toBe(true);
  });
});

test('the kind of results follows the data: bands make a total score, else EDS grades or AIS levels', () => {
  const eds2 = basisOf(loadStandard('eds2.json'));
  expect(computeResults([], eds2).kind).toBe('grades');
  expect(
    computeResults([], { ...eds2, bands: [{ minTotal: 0, maxTotal: 99, label: 'All', position: 1 }] }).kind,
  ).toBe('total-score');
  expect(computeResults([], basisOf(loadStandard('ais-2025.json'))).kind).toBe('maturity');
});

describe('result lines as the matrix writes them (explained by its legend)', () => {
  const ais = loadStandard('ais-2025.json');
  const eds2 = loadStandard('eds2.json');
  const aisBasis = basisOf(ais);
  const eds2Basis = basisOf(eds2);
  const stepOf = (code: string) =>
    ais.groups.find((group) => group.requirements.some((r) => r.code === code));

  test('AIS: how many steps are fully rated, and the lowest level among them', () => {
    // Steps 1 to 4 fully rated (one Intermediate answer in step 2), steps 5 and 6 not yet.
    const lines = resultLines(
      computeResults(
        answers(ais, (code) => {
          const step = stepOf(code)?.code ?? '';
          if (step === '5' || step === '6') return null;
          return code === ais.groups[1]?.requirements[0]?.code ? 'intermediate' : 'exemplar';
        }),
        aisBasis,
      ),
      aisBasis,
    );
    expect(lines).toEqual(['4 of 6 steps rated; lowest: Intermediate']);
  });

  test('AIS: nothing rated yet, and everything rated', () => {
    expect(
      resultLines(
        computeResults(
          answers(ais, () => null),
          aisBasis,
        ),
        aisBasis,
      ),
    ).toEqual(['No steps rated yet (0 of 6)']);
    expect(
      resultLines(
        computeResults(
          answers(ais, () => 'advanced'),
          aisBasis,
        ),
        aisBasis,
      ),
    ).toEqual(['6 of 6 steps rated; lowest: Advanced']);
  });

  test('EDS2: outcomes graded, the lowest grade, and the outcomes per grade', () => {
    const lines = resultLines(
      computeResults(
        answers(eds2, (_code, index) => (index < 2 ? 'excelling' : index < 7 ? 'developing' : null)),
        eds2Basis,
      ),
      eds2Basis,
    );
    expect(lines).toEqual(['7 of 18 outcomes graded; lowest: Developing', '5 Developing, 2 Excelling']);
  });
});

describe('"not applicable" answers, by the version\'s rule (issue 14)', () => {
  const eds2022 = loadStandard('eds-2022.json');
  const eds2 = loadStandard('eds2.json');

  test('EDS 2022: an outcome not applicable counts in neither the total nor the maximum', () => {
    const top = levelWithScore(eds2022, 3);
    const responses = answers(eds2022, () => top).map((response) =>
      response.requirementCode === '2A'
        ? { ...response, ratingLevelCode: null, notApplicable: true }
        : response,
    );
    const results = totalScoreResults(responses, { ...basisOf(eds2022), notApplicableRule: 'exclude' });
    expect(results).toMatchObject({
      complete: true,
      total: 30,
      maximum: 30,
      notApplicableCodes: ['2A'],
      totalText: '30 out of 30 (1 outcome not applicable: 2A)',
    });
    // The bands apply to the total as it is: 30 is Achieving.
    expect(results.ratingText).toBe('Achieving');
    expect(results.groups.find((group) => group.code === '2')).toMatchObject({
      maximum: 9,
      requirementCount: 3,
    });
  });

  test("EDS2: a not applicable outcome is shown as such and left out of its goal's lowest grade", () => {
    const [lowest, , , highest] = eds2.ratingScale.levels.map((level) => level.code);
    const responses = answers(eds2, () => highest ?? null).map((response) =>
      response.requirementCode === '1.1' ? { ...response, ratingLevelCode: lowest ?? null } : response,
    );
    const withNa = responses.map((response) =>
      response.requirementCode === '1.1'
        ? { ...response, ratingLevelCode: null, notApplicable: true }
        : response,
    );
    const before = gradeResults(responses, basisOf(eds2));
    const after = gradeResults(withNa, { ...basisOf(eds2), notApplicableRule: 'exclude' });
    expect(before.groups[0]?.level?.code).toBe(lowest);
    expect(after.groups[0]?.level?.code).toBe(highest);
    expect(after.complete).toBe(true);
    expect(after.outcomes.find((outcome) => outcome.code === '1.1')?.text).toBe('Not applicable');
    expect(after.counts.at(-1)).toEqual({ level: null, label: 'Not applicable', count: 1 });
    // The matrix's line counts only the outcomes that apply.
    expect(resultLines(after, basisOf(eds2))[0]).toMatch(/^17 of 17 outcomes graded; lowest: /);
  });

  test('a tally line under the not-applicable code counts as not applicable (the matrix path)', () => {
    const ais = loadStandard('ais-2025.json');
    const top = ais.ratingScale.levels.at(-1)?.code ?? '';
    const responses = answers(ais, (code) => (code === '1.2' ? ':not-applicable' : top));
    const results = maturityResults(responses, basisOf(ais));
    expect(results.complete).toBe(true);
    expect(results.steps[0]).toMatchObject({ ratedCount: 2, requirementCount: 2 });
  });

  test('an unknown rule is refused rather than guessed', () => {
    expect(() =>
      computeResults(
        answers(eds2022, () => null),
        { ...basisOf(eds2022), notApplicableRule: 'scale' },
      ),
    ).toThrow(/Unknown "not applicable" rule "scale"/);
  });
});

describe('EDS 2022 Domain 1 per service (issue 14)', () => {
  const eds2022 = loadStandard('eds-2022.json');
  const basis = basisOf(eds2022);
  const scored = (score: number) => levelWithScore(eds2022, score);

  /**
   * A return naming services (name to its 1A-1D scores, null for unrated) with Domain 2 and 3
   * scored as given, answers in the order the app lists them: each service's Domain 1, then the rest.
   */
  function serviceReturn(
    services: Record<string, (number | null)[]>,
    domain2: number[],
    domain3: number[],
  ): RatedResponse[] {
    const group = (code: string) => eds2022.groups.find((candidate) => candidate.code === code);
    const domain1 = group('1')?.requirements ?? [];
    const answer = (groupCode: string, code: string, score: number | null) => ({
      groupCode,
      requirementCode: code,
      requirementTitle: code,
      ratingLevelCode: score === null ? null : scored(score),
    });
    return [
      ...Object.entries(services).flatMap(([name, scores], index) =>
        domain1.map((requirement, position) => ({
          ...answer('1', requirement.code, scores[position] ?? null),
          serviceId: `service-${index}`,
          serviceName: name,
        })),
      ),
      ...(group('2')?.requirements ?? []).map((requirement, position) =>
        answer('2', requirement.code, domain2[position] ?? null),
      ),
      ...(group('3')?.requirements ?? []).map((requirement, position) =>
        answer('3', requirement.code, domain3[position] ?? null),
      ),
    ];
  }

  test('the data says Domain 1 is answered per service, combined by the mean, at least one service, not verified', () => {
    expect(eds2022.version.perService).toMatchObject({
      groupCode: '1',
      combine: 'mean',
      minimum: 1,
      verified: false,
    });
    expect(eds2022.version.perService?.source).toMatch(/rdash\.nhs\.uk/);
  });

  test('two services: Domain 1 is the mean of their totals (8 and 7 make 7.5), the total 21.5 is Developing', () => {
    // Hand-worked: A 2+2+2+2 = 8, B 2+2+2+1 = 7, mean 7.5; Domain 2 2x4 = 8; Domain 3 2x3 = 6.
    const results = totalScoreResults(
      serviceReturn({ Maternity: [2, 2, 2, 2], 'Community nursing': [2, 2, 2, 1] }, [2, 2, 2, 2], [2, 2, 2]),
      basis,
    );
    expect(results).toMatchObject({
      complete: true,
      total: 21.5,
      exactTotal: { numerator: 43, denominator: 2 },
      maximum: 33,
      totalText: '21.5 out of 33',
      band: { label: 'Developing' },
    });
    const domain1 = results.groups[0];
    expect(domain1).toMatchObject({
      code: '1',
      subtotal: 7.5,
      maximum: 12,
      scoreText: '7.5 out of 12 (mean of 2 services)',
      ratedCount: 8,
      requirementCount: 8,
    });
    expect(domain1?.services).toEqual([
      {
        serviceId: 'service-0',
        name: 'Maternity',
        subtotal: 8,
        maximum: 12,
        ratedCount: 4,
        requirementCount: 4,
      },
      {
        serviceId: 'service-1',
        name: 'Community nursing',
        subtotal: 7,
        maximum: 12,
        ratedCount: 4,
        requirementCount: 4,
      },
    ]);
    expect(results.groups[1]).toMatchObject({ scoreText: '8 out of 12', services: null });
    expect(resultLines(results, basis)).toEqual([
      'Overall: Developing',
      'Score 21.5 out of 33',
      'Domain 1: 7.5 out of 12 (mean of 2 services)',
    ]);
  });

  test('three services: 22/3 is shown as 7.3 and compared with the bands exactly (24.3 is Achieving)', () => {
    // A 8, B 7, C 7: 22/3 = 7.33...; Domain 2 3+3+3+2 = 11; Domain 3 6: total 24.33...
    const results = totalScoreResults(
      serviceReturn({ A: [2, 2, 2, 2], B: [2, 2, 2, 1], C: [1, 2, 2, 2] }, [3, 3, 3, 2], [2, 2, 2]),
      basis,
    );
    expect(results.groups[0]?.scoreText).toBe('7.3 out of 12 (mean of 3 services)');
    expect(results.exactTotal).toEqual({ numerator: 73, denominator: 3 });
    expect(results.totalText).toBe('24.3 out of 33');
    expect(results.band?.label).toBe('Achieving');
  });

  test('band edges with a mean: 21.5 is still Developing, 22 is Achieving, 7.5 is Undeveloped ("under 8")', () => {
    const developing = serviceReturn({ A: [2, 2, 2, 2], B: [2, 2, 2, 1] }, [2, 2, 2, 2], [2, 2, 2]);
    expect(totalScoreResults(developing, basis).band?.label).toBe('Developing');
    const achieving = serviceReturn({ A: [2, 2, 2, 2], B: [2, 2, 2, 2] }, [2, 2, 2, 2], [2, 2, 2]);
    expect(totalScoreResults(achieving, basis)).toMatchObject({ total: 22, totalText: '22 out of 33' });
    expect(totalScoreResults(achieving, basis).band?.label).toBe('Achieving');
    const low = serviceReturn({ A: [1, 1, 1, 1], B: [1, 1, 1, 0] }, [0, 0, 0, 0], [1, 1, 1]);
    expect(totalScoreResults(low, basis)).toMatchObject({ totalText: '6.5 out of 33' });
    const lowish = serviceReturn({ A: [2, 1, 1, 1], B: [1, 1, 1, 1] }, [0, 0, 0, 0], [1, 1, 1]);
    expect(totalScoreResults(lowish, basis)).toMatchObject({ totalText: '7.5 out of 33' });
    expect(totalScoreResults(lowish, basis).band?.label).toBe('Undeveloped');
  });

  test('an unrated outcome of one service keeps the return incomplete and names the service', () => {
    const results = totalScoreResults(
      serviceReturn({ A: [2, 2, 2, 2], B: [2, 2, 2, null] }, [2, 2, 2, 2], [2, 2, 2]),
      basis,
    );
    expect(results.complete).toBe(false);
    expect(results.band).toBeNull();
    expect(results.unratedCodes).toEqual(['1D (B)']);
    expect(results.ratingText).toBe(
      'Not available until every outcome is rated (1 outcome not rated: 1D (B))',
    );
  });

  test('one service gives exactly the results of a return answered once per outcome', () => {
    const once = answers(eds2022, (code) => (code.startsWith('1') ? scored(1) : scored(2)));
    const perService = serviceReturn({ 'All services': [1, 1, 1, 1] }, [2, 2, 2, 2], [2, 2, 2]);
    const withoutRule = totalScoreResults(once, { ...basis, perService: null });
    const withRule = totalScoreResults(perService, basis);
    expect(withRule).toMatchObject({
      total: withoutRule.total,
      maximum: withoutRule.maximum,
      totalText: withoutRule.totalText,
      band: withoutRule.band,
    });
    expect(withRule.groups[0]?.scoreText).toBe('4 out of 12');
    expect(resultLines(withRule, basis)).toEqual(resultLines(withoutRule, basis));
  });

  test('scores are rounded to one decimal in whole numbers: 43/20 is 2.2, where floating point says 2.1', () => {
    expect((43 / 20).toFixed(1)).toBe('2.1');
    expect(formatScore({ numerator: 43, denominator: 20 })).toBe('2.2');
    expect(formatScore({ numerator: 15, denominator: 2 })).toBe('7.5');
    expect(formatScore({ numerator: 22, denominator: 3 })).toBe('7.3');
    expect(formatScore({ numerator: 23, denominator: 3 })).toBe('7.7');
    expect(formatScore({ numerator: 24, denominator: 3 })).toBe('8');
    expect(bandFor({ numerator: 43, denominator: 2 }, basis.bands)?.label).toBe('Developing');
  });

  test('an unknown combining rule is refused rather than guessed', () => {
    expect(() =>
      totalScoreResults(serviceReturn({ A: [1, 1, 1, 1] }, [1, 1, 1, 1], [1, 1, 1]), {
        ...basis,
        perService: { groupCode: '1', combine: 'median' },
      }),
    ).toThrow(/Unknown rule "median" for combining services/);
  });
});
