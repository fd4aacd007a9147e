import {
  describeStage,
  parseLadder,
  rungReached,
  stageFor,
  type Ladder,
  type Stage,
} from '../../src/reminders/ladder.js';

function ladder(text = '-14,-3,0,+7r', escalateAfterDays = 14): Ladder {
  const parsed = parseLadder(text, escalateAfterDays);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.ladder;
}

const DUE = new Date('2027-03-31T00:00:00Z');
const day = (offset: number) => new Date(DUE.getTime() + offset * 86_400_000);

describe('stageFor: the chaser due on a UK calendar day', () => {
  test('the default ladder: 14 and 3 days before, on the day, every 7 days overdue, escalated from 14', () => {
    const stages: (Stage & { firstOn: number })[] = [];
    for (let offset = -30; offset <= 35; offset += 1) {
      const stage = stageFor(ladder(), { status: 'in_progress', dueDate: DUE }, day(offset));
      if (stage && !stages.some((seen) => seen.key === stage.key)) stages.push({ ...stage, firstOn: offset });
    }
    expect(stages).toEqual([
      { offset: -14, key: '-14@2027-03-31', escalated: false, firstOn: -14 },
      { offset: -3, key: '-3@2027-03-31', escalated: false, firstOn: -3 },
      { offset: 0, key: '0@2027-03-31', escalated: false, firstOn: 0 },
      { offset: 7, key: '+7@2027-03-31', escalated: false, firstOn: 7 },
      { offset: 14, key: '+14@2027-03-31', escalated: true, firstOn: 14 },
      { offset: 21, key: '+21@2027-03-31', escalated: true, firstOn: 21 },
      { offset: 28, key: '+28@2027-03-31', escalated: true, firstOn: 28 },
      { offset: 35, key: '+35@2027-03-31', escalated: true, firstOn: 35 },
    ]);
  });

  test('nothing before the first rung, and between rungs the latest rung reached (caught up once)', () => {
    expect(rungReached(ladder(), -15)).toBeUndefined();
    expect(rungReached(ladder(), -10)).toBe(-14);
    expect(rungReached(ladder(), 6)).toBe(0);
    expect(rungReached(ladder(), 13)).toBe(7);
    expect(rungReached(ladder(), 100)).toBe(98);
  });

  test.each(['submitted', 'accepted'] as const)('nothing for a %s return', (status) => {
    for (let offset = -20; offset <= 40; offset += 1) {
      expect(stageFor(ladder(), { status, dueDate: DUE }, day(offset))).toBeUndefined();
    }
  });

  test('not started and returned returns are chased like returns in progress', () => {
    for (const status of ['not_started', 'returned'] as const) {
      expect(stageFor(ladder(), { status, dueDate: DUE }, day(0))?.key).toBe('0@2027-03-31');
    }
  });

  test('a new due date (extension or a return sent back) is a new ladder with new keys', () => {
    const extended = new Date('2027-04-30T00:00:00Z');
    expect(stageFor(ladder(), { status: 'in_progress', dueDate: extended }, day(0))).toBeUndefined();
    expect(stageFor(ladder(), { status: 'returned', dueDate: extended }, day(16))?.key).toBe(
      '-14@2027-04-30',
    );
  });

  test('a ladder with no repeat stops at its last rung; escalation follows its own setting', () => {
    const short = ladder('-7,0,+5', 0);
    expect(stageFor(short, { status: 'in_progress', dueDate: DUE }, day(60))).toEqual({
      offset: 5,
      key: '+5@2027-03-31',
      escalated: true,
    });
    expect(stageFor(short, { status: 'in_progress', dueDate: DUE }, day(-1))?.escalated).toBe(false);
  });
});

test('stages read as words in the chase history', () => {
  expect(describeStage('-14@2027-03-31')).toBe('14 days before the due date');
  expect(describeStage('-1@2027-03-31')).toBe('1 day before the due date');
  expect(describeStage('0@2027-03-31')).toBe('On the due date');
  expect(describeStage('+21@2027-03-31')).toBe('21 days overdue');
});
