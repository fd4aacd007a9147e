import { ukToday } from '../format.js';
import type { ReturnStatus } from '../generated/prisma/enums.js';
import { yearOf } from '../obligations/derive.js';
import { snapshotDigest } from '../returns/snapshot.js';
import type { Inputs } from '../workforce/entry.js';
import type { WorkforceStandard } from '../workforce/indicator-file.schema.js';
import { loadWorkforceStandards, workforceStandard } from '../workforce/indicator-files.js';
import { entryStates, workforceSnapshot } from '../workforce/workforce.service.js';
import type { Tx } from './queries.js';

/**
 * WRES and WDES returns in several states (issue 17): an NHS trust with three years of WRES returns
 * (two accepted, this year's in progress, which its lead Hannah Reid can open) and last year's WDES
 * return waiting for review; a mental health trust with a WRES return sent back with a reason and an
 * accepted WDES return. Years are the year of the data (as at 31 March), counted back from `now`.
 */
interface DemoWorkforceReturn {
  odsCode: string;
  standard: 'WRES' | 'WDES';
  /** 0: the data as at the latest 31 March, -1 the year before, ... */
  yearOffset: 0 | -1 | -2;
  status: ReturnStatus;
  lead: string;
  /** How far the figures drift from the base ones (trends), and which entries are left out. */
  drift: number;
  leaveOut?: readonly string[];
  reason?: string;
}

const AISHA = 'aisha.rahman@example.nhs.uk';
const HANNAH = 'hannah.reid@example.nhs.uk';
const GRACE = 'grace.owusu@example.nhs.uk';

const DEMO_WORKFORCE_RETURNS: readonly DemoWorkforceReturn[] = [
  { odsCode: 'RZ1', standard: 'WRES', yearOffset: -2, status: 'accepted', lead: HANNAH, drift: 0 },
  { odsCode: 'RZ1', standard: 'WRES', yearOffset: -1, status: 'accepted', lead: HANNAH, drift: 1 },
  {
    odsCode: 'RZ1',
    standard: 'WRES',
    yearOffset: 0,
    status: 'in_progress',
    lead: HANNAH,
    drift: 2,
    leaveOut: ['6', '7', '8', '9'],
  },
  { odsCode: 'RZ1', standard: 'WDES', yearOffset: -1, status: 'submitted', lead: HANNAH, drift: 1 },
  {
    odsCode: 'RZ3',
    standard: 'WRES',
    yearOffset: -1,
    status: 'returned',
    lead: GRACE,
    drift: 3,
    reason:
      'Indicator 3 counts 2 staff entering the disciplinary process: please check it against your HR records.',
  },
  { odsCode: 'RZ3', standard: 'WDES', yearOffset: -1, status: 'accepted', lead: GRACE, drift: 2 },
];

/**
 * Headcounts by band for indicator or metric 1: fewer staff in higher bands, the focus group's share
 * falling with the band and rising a little with `drift`; a few unknown in each band.
 */
function byBand(standard: WorkforceStandard, drift: number): Inputs {
  const indicator = standard.indicators.find((item) => item.kind === 'representation');
  const inputs: Record<string, number> = {};
  if (indicator?.kind !== 'representation') return inputs;
  for (const [sectionIndex, section] of indicator.sections.entries()) {
    for (const [bandIndex, band] of section.bands.entries()) {
      const staff = Math.max(6, Math.round((sectionIndex === 0 ? 260 : 420) / (1 + bandIndex * 0.6)));
      const share = Math.max(0.04, 0.3 - bandIndex * 0.03 + drift * 0.01);
      const unknown = Math.round(staff * 0.03);
      const focus = Math.round(staff * share);
      for (const group of indicator.groups) {
        inputs[`${section.code}-${band.code}-${group}`] =
          group === indicator.focus ? focus : group === 'unknown' ? unknown : staff - focus - unknown;
      }
    }
  }
  return inputs;
}

/** Base figures per indicator; `drift` moves them a little each year so the trends have a shape. */
function figures(standard: WorkforceStandard, drift: number): Record<string, Inputs> {
  if (standard.code === 'WRES') {
    return {
      '1': byBand(standard, drift),
      '2': {
        'white-outOf': 820,
        'white-events': 150 - drift * 6,
        'bme-outOf': 410,
        'bme-events': 48 + drift * 4,
      },
      '3': {
        'bme-outOf': 1180 + drift * 40,
        'bme-events': 14 - drift * 2,
        'white-outOf': 3020,
        'white-events': 25,
      },
      '4': {
        'white-outOf': 3020,
        'white-events': 1210,
        'bme-outOf': 1180 + drift * 40,
        'bme-events': 420 + drift * 25,
      },
      '5': { white: 26.4 - drift, bme: 29.8 - drift / 2 },
      '6': { white: 22.1, bme: 27.6 - drift },
      '7': { white: 58.3, bme: 44.2 + drift * 2 },
      '8': { white: 6.2, bme: 15.1 - drift },
      '9': {
        boardGroup: 1 + Math.min(drift, 2),
        boardTotal: 14,
        workforceGroup: 1180 + drift * 40,
        workforceTotal: 4300,
      },
    };
  }
  return {
    declaration: { declared: 3400 + drift * 150, headcount: 4300 },
    '1': byBand(standard, drift),
    '2': {
      'non-disabled-outOf': 1150,
      'non-disabled-events': 210,
      'disabled-outOf': 96 + drift * 4,
      'disabled-events': 14 + drift,
    },
    '3': {
      'disabled-outOf': 210,
      'disabled-events': 4,
      'non-disabled-outOf': 3900,
      'non-disabled-events': 31,
    },
    '4a': { disabled: 31.2 - drift, 'non-disabled': 24.5 },
    '4b': { disabled: 47.9, 'non-disabled': 49.3 },
    '5': { disabled: 51.2 + drift, 'non-disabled': 57.6 },
    '6': { disabled: 27.4 - drift, 'non-disabled': 19.8 },
    '7': { disabled: 33.1 + drift, 'non-disabled': 42.7 },
    '8': { disabled: 72.4 },
    '9a': { disabled: 6.4 + drift / 10, 'non-disabled': 7.0, overall: 6.9 },
    '9b': { answer: 'yes', examples: 'The Disabled staff network chair reports to the board twice a year.' },
    '10': { boardGroup: 1, boardTotal: 14, workforceGroup: 210, workforceTotal: 4300 },
  };
}

const DAY_MS = 86_400_000;

export async function seedDemoWorkforceReturns(
  tx: Tx,
  providerIds: ReadonlyMap<string, string>,
  userIds: ReadonlyMap<string, string>,
  now: Date,
): Promise<void> {
  const latest = yearOf(ukToday(now));
  const reviewerId = userIds.get(AISHA);
  // Read for this seeding only: the app's own copy is in deps.caches, built after the seed.
  const catalogue = loadWorkforceStandards();
  for (const item of DEMO_WORKFORCE_RETURNS) {
    const standard = workforceStandard(catalogue, item.standard);
    const providerId = providerIds.get(item.odsCode);
    const leadId = userIds.get(item.lead);
    if (!standard || !providerId || !leadId || !reviewerId) {
      throw new Error(
        `Demo workforce return ${item.odsCode} ${item.standard} names something not in the demo data.`,
      );
    }
    const year = latest + item.yearOffset;
    // Entered a few weeks after the data date (31 March), never after now.
    const enteredAt = new Date(Math.min(Date.UTC(year, 4, 20), now.getTime() - 3 * DAY_MS));
    const submittedAt = new Date(Math.min(enteredAt.getTime() + 7 * DAY_MS, now.getTime() - 2 * DAY_MS));
    const decidedAt = new Date(Math.min(submittedAt.getTime() + 9 * DAY_MS, now.getTime() - DAY_MS));
    const answers = Object.entries(figures(standard, item.drift))
      .filter(([code]) => !item.leaveOut?.includes(code))
      .map(([indicatorCode, inputs]) => ({ indicatorCode, inputs: { ...inputs }, updatedAt: enteredAt }));
    const created = await tx.workforceReturn.create({
      data: {
        providerId,
        standardCode: standard.code,
        standardVersion: standard.version,
        year,
        status: item.status,
        createdById: leadId,
        createdAt: enteredAt,
        submittedAt: item.status === 'in_progress' ? null : submittedAt,
        decidedAt: item.status === 'accepted' || item.status === 'returned' ? decidedAt : null,
        answers: { create: answers.map((answer) => ({ ...answer, updatedById: leadId })) },
      },
      select: { id: true },
    });
    if (item.status === 'in_progress') continue;
    const odsCode = item.odsCode;
    const snapshot = workforceSnapshot(standard, year, odsCode, entryStates(standard, { answers }));
    const decided = item.status === 'accepted' || item.status === 'returned';
    await tx.workforceSubmission.create({
      data: {
        returnId: created.id,
        sequence: 1,
        submittedById: leadId,
        submittedAt,
        snapshot: snapshot as object,
        snapshotSha256: snapshotDigest(snapshot),
        ...(decided && {
          decision: item.status === 'accepted' ? 'accepted' : 'returned',
          reason: item.reason ?? '',
          reviewerId,
          decidedAt,
        }),
      },
    });
  }
}
