import type { HeadcountBand, ProviderSector, TurnoverBand } from '../generated/prisma/enums.js';

/**
 * What decides which equality obligations apply to each demo provider (issue 17), by ODS code. Made
 * up like the rest of the demo data, but shaped like the real thing: large trusts owe everything,
 * a small GP practice little, a large independent company the modern slavery statement.
 */
export interface DemoProviderProfile {
  sector: ProviderSector;
  headcountBand: HeadcountBand | null;
  turnoverBand: TurnoverBand | null;
  financialYearEndMonth: number | null;
  website: string | null;
  providesMentalHealthServices: boolean | null;
}

export const DEMO_PROVIDER_PROFILES: Readonly<Record<string, DemoProviderProfile>> = {
  RZ1: {
    sector: 'nhs_foundation_trust',
    headcountBand: 'from_1000',
    turnoverBand: 'from_100m',
    financialYearEndMonth: 3,
    website: 'https://www.northmoor-hospitals.example.nhs.uk',
    providesMentalHealthServices: false,
  },
  RZ2: {
    sector: 'nhs_trust',
    headcountBand: 'from_1000',
    turnoverBand: 'from_100m',
    financialYearEndMonth: 3,
    website: 'https://www.fernbrook-alder.example.nhs.uk',
    providesMentalHealthServices: false,
  },
  RZ3: {
    sector: 'nhs_foundation_trust',
    headcountBand: 'from_1000',
    turnoverBand: 'from_100m',
    financialYearEndMonth: 3,
    website: 'https://www.kestrelvale.example.nhs.uk',
    providesMentalHealthServices: true,
  },
  RZ4: {
    sector: 'nhs_trust',
    headcountBand: 'from_1000',
    turnoverBand: 'from_100m',
    financialYearEndMonth: 3,
    website: 'https://www.brackenshire-community.example.nhs.uk',
    providesMentalHealthServices: true,
  },
  RZ5: {
    sector: 'nhs_trust',
    headcountBand: 'from_1000',
    turnoverBand: 'from_100m',
    financialYearEndMonth: 3,
    website: 'https://www.westernfells-ambulance.example.nhs.uk',
    providesMentalHealthServices: false,
  },
  Y09901: {
    sector: 'gp_practice',
    headcountBand: 'under_150',
    turnoverBand: 'under_10m',
    financialYearEndMonth: 3,
    website: 'https://www.larkspurlane.example.nhs.uk',
    providesMentalHealthServices: false,
  },
  Y09902: {
    sector: 'gp_practice',
    headcountBand: 'under_150',
    turnoverBand: 'under_10m',
    financialYearEndMonth: 6,
    website: null,
    providesMentalHealthServices: false,
  },
  Y09903: {
    sector: 'gp_practice',
    headcountBand: 'under_150',
    turnoverBand: null,
    financialYearEndMonth: null,
    website: null,
    providesMentalHealthServices: null,
  },
  VZ101: {
    sector: 'care_home',
    headcountBand: 'under_150',
    turnoverBand: 'under_10m',
    financialYearEndMonth: 12,
    website: null,
    providesMentalHealthServices: false,
  },
  NZ4: {
    sector: 'independent',
    headcountBand: 'from_250_to_999',
    turnoverBand: 'from_36m_to_under_100m',
    financialYearEndMonth: 12,
    website: 'https://www.clearwater-diagnostics.example.com',
    providesMentalHealthServices: false,
  },
  NZ5: {
    sector: 'independent',
    headcountBand: 'from_150_to_249',
    turnoverBand: 'from_10m_to_under_36m',
    financialYearEndMonth: 3,
    website: 'https://www.riverside-eye.example.com',
    providesMentalHealthServices: false,
  },
  NZ6: {
    sector: 'voluntary',
    headcountBand: 'from_150_to_249',
    turnoverBand: 'under_10m',
    financialYearEndMonth: 3,
    website: 'https://www.thornburylodge.example.org.uk',
    providesMentalHealthServices: false,
  },
};
