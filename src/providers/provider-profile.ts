import type { HeadcountBand, ProviderSector, TurnoverBand } from '../generated/prisma/enums.js';
import { formatDayMonth } from '../format.js';

/**
 * The facts about a provider that decide which equality obligations apply to it (issue 17): labels
 * for people, and the numbers each band stands for, so rules written as thresholds ("250 or more
 * employees") can be checked against a band.
 */

export const SECTOR_LABELS: Record<ProviderSector, string> = {
  nhs_trust: 'NHS trust',
  nhs_foundation_trust: 'NHS foundation trust',
  gp_practice: 'GP practice',
  care_home: 'Care home',
  independent: 'Independent provider (company or partnership)',
  voluntary: 'Voluntary, community or social enterprise (charity)',
  local_authority: 'Local authority',
  other: 'Other',
};

/** A band as a range of whole numbers: at least `min`, and below `below` when it has an upper end. */
export interface BandRange {
  min: number;
  below?: number;
}

export const HEADCOUNT_BANDS: Record<HeadcountBand, BandRange & { label: string }> = {
  under_150: { label: 'Fewer than 150 employees', min: 0, below: 150 },
  from_150_to_249: { label: '150 to 249 employees', min: 150, below: 250 },
  from_250_to_999: { label: '250 to 999 employees', min: 250, below: 1000 },
  from_1000: { label: '1,000 employees or more', min: 1000 },
};

const MILLION = 1_000_000;

/** Turnover in pounds. */
export const TURNOVER_BANDS: Record<TurnoverBand, BandRange & { label: string }> = {
  under_10m: { label: 'Under £10 million', min: 0, below: 10 * MILLION },
  from_10m_to_under_36m: {
    label: '£10 million to under £36 million',
    min: 10 * MILLION,
    below: 36 * MILLION,
  },
  from_36m_to_under_100m: {
    label: '£36 million to under £100 million',
    min: 36 * MILLION,
    below: 100 * MILLION,
  },
  from_100m: { label: '£100 million or more', min: 100 * MILLION },
};

/** "31 March": the last day of the month (February as "28 February", its usual last day). */
export function yearEndLabel(month: number): string {
  const lastDay = month === 2 ? 28 : new Date(Date.UTC(2001, month, 0)).getUTCDate();
  return formatDayMonth(month, lastDay);
}

export const YEAR_END_MONTHS: readonly number[] = Array.from({ length: 12 }, (_unused, index) => index + 1);

export const NOT_RECORDED = 'Not recorded';

/** The profile as the provider page shows it. */
export interface ProviderProfile {
  sector: ProviderSector | null;
  headcountBand: HeadcountBand | null;
  turnoverBand: TurnoverBand | null;
  financialYearEndMonth: number | null;
  website: string | null;
  providesMentalHealthServices: boolean | null;
}

export function profileRows(profile: ProviderProfile) {
  return {
    sector: profile.sector ? SECTOR_LABELS[profile.sector] : NOT_RECORDED,
    headcount: profile.headcountBand ? HEADCOUNT_BANDS[profile.headcountBand].label : NOT_RECORDED,
    turnover: profile.turnoverBand ? TURNOVER_BANDS[profile.turnoverBand].label : NOT_RECORDED,
    yearEnd: profile.financialYearEndMonth ? yearEndLabel(profile.financialYearEndMonth) : NOT_RECORDED,
    website: profile.website,
    mentalHealth:
      profile.providesMentalHealthServices === null
        ? NOT_RECORDED
        : profile.providesMentalHealthServices
          ? 'Yes'
          : 'No',
  };
}
