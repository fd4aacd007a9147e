import type {
  MembershipRole,
  ProviderType,
  ReturnStatus,
  SignInMethod,
  UserRole,
} from '../generated/prisma/enums.js';

/**
 * The demo data set, as tables. Every name, code and address is made up: none is a real
 * organisation or person. The seed (seed-demo-data.ts) turns these tables into rows.
 */

export type FrameworkCode = 'AIS' | 'EDS';

export interface DemoProvider {
  odsCode: string;
  name: string;
  type: ProviderType;
  active: boolean;
  /** Who owns action plans in this provider's returns. */
  actionOwner: string;
  /** 0 (weak) to 1 (strong): where on the rating scale its answers sit. */
  maturity: number;
}

export const DEMO_PROVIDERS: readonly DemoProvider[] = [
  {
    odsCode: 'RZ1',
    name: 'Northmoor Teaching Hospitals NHS Foundation Trust',
    type: 'acute_trust',
    active: true,
    actionOwner: 'Head of Patient Experience',
    maturity: 0.75,
  },
  {
    odsCode: 'RZ2',
    name: 'Fernbrook and Alder Valley Hospitals NHS Trust',
    type: 'acute_trust',
    active: true,
    actionOwner: 'Deputy Chief Nurse',
    maturity: 0.45,
  },
  {
    odsCode: 'RZ3',
    name: 'Kestrel Vale Mental Health NHS Foundation Trust',
    type: 'mental_health_trust',
    active: true,
    actionOwner: 'Equality, Diversity and Inclusion Lead',
    maturity: 0.9,
  },
  {
    odsCode: 'RZ4',
    name: 'Brackenshire Community Health NHS Trust',
    type: 'community_trust',
    active: true,
    actionOwner: 'Associate Director of Nursing',
    maturity: 0.55,
  },
  {
    odsCode: 'RZ5',
    name: 'Western Fells Ambulance Service NHS Trust',
    type: 'ambulance_trust',
    active: true,
    actionOwner: 'Head of Clinical Quality',
    maturity: 0.3,
  },
  {
    odsCode: 'Y09901',
    name: 'Larkspur Lane Medical Centre',
    type: 'gp_practice',
    active: true,
    actionOwner: 'Practice Manager',
    maturity: 0.6,
  },
  {
    odsCode: 'Y09902',
    name: 'Millpond Surgery',
    type: 'gp_practice',
    active: true,
    actionOwner: 'Practice Manager',
    maturity: 0.4,
  },
  {
    odsCode: 'Y09903',
    name: 'Hollowbrook Health Centre',
    type: 'gp_practice',
    active: false,
    actionOwner: 'Practice Manager',
    maturity: 0.5,
  },
  {
    odsCode: 'VZ101',
    name: 'Heatherfield House Care Home',
    type: 'care_home',
    active: true,
    actionOwner: 'Registered Manager',
    maturity: 0.2,
  },
  {
    odsCode: 'NZ4',
    name: 'Clearwater Diagnostics Ltd',
    type: 'independent_provider',
    active: true,
    actionOwner: 'Quality and Governance Manager',
    maturity: 0.65,
  },
  {
    odsCode: 'NZ5',
    name: 'Riverside Eye Clinic Partnership',
    type: 'independent_provider',
    active: true,
    actionOwner: 'Clinical Services Manager',
    maturity: 0.5,
  },
  {
    odsCode: 'NZ6',
    name: 'Thornbury Lodge Hospice',
    type: 'hospice',
    active: true,
    actionOwner: 'Director of Patient and Family Services',
    maturity: 0.8,
  },
];

export interface DemoUser {
  email: string;
  displayName: string;
  role: UserRole;
  /** ODS codes of the providers a provider's person belongs to, all in one role (lead or contributor). */
  providers: readonly string[];
  membershipRole: MembershipRole;
  signInMethod: SignInMethod;
}

export const DEMO_USERS: readonly DemoUser[] = [
  staff('morgan.ellis@example.nhs.uk', 'Morgan Ellis', 'admin'),
  staff('aisha.rahman@example.nhs.uk', 'Aisha Rahman', 'contract_manager'),
  staff('david.kowalski@example.nhs.uk', 'David Kowalski', 'contract_manager'),
  staff('fiona.barnes@example.nhs.uk', 'Fiona Barnes', 'viewer'),
  lead('hannah.reid@example.nhs.uk', 'Hannah Reid', 'RZ1'),
  // Answers and uploads for Northmoor; Hannah Reid submits.
  { ...lead('daniel.whitcombe@example.nhs.uk', 'Daniel Whitcombe', 'RZ1'), membershipRole: 'contributor' },
  lead('oliver.grant@example.nhs.uk', 'Oliver Grant', 'RZ2'),
  lead('grace.owusu@example.nhs.uk', 'Grace Owusu', 'RZ3'),
  lead('liam.doyle@example.nhs.uk', 'Liam Doyle', 'RZ4'),
  lead('sophie.marsh@example.nhs.uk', 'Sophie Marsh', 'RZ5'),
  // One practice manager looks after both practices of a small partnership.
  lead('tom.price@example.nhs.uk', 'Tom Price', 'Y09901', 'Y09902'),
  // The care home has no Microsoft accounts: its people sign in with links sent by email.
  { ...lead('janet.holloway@example.com', 'Janet Holloway', 'VZ101'), signInMethod: 'email_link' },
  {
    ...lead('kofi.mensah@example.com', 'Kofi Mensah', 'VZ101'),
    membershipRole: 'contributor',
    signInMethod: 'email_link',
  },
  lead('marcus.bell@example.com', 'Marcus Bell', 'NZ4'),
  lead('priya.nair@example.com', 'Priya Nair', 'NZ5'),
  lead('ruth.akande@example.org.uk', 'Ruth Akande', 'NZ6'),
];

function staff(email: string, displayName: string, role: UserRole): DemoUser {
  return { email, displayName, role, providers: [], membershipRole: 'lead', signInMethod: 'microsoft' };
}

function lead(email: string, displayName: string, ...providers: string[]): DemoUser {
  return {
    email,
    displayName,
    role: 'provider_lead',
    providers,
    membershipRole: 'lead',
    signInMethod: 'microsoft',
  };
}

export interface DemoPeriod {
  label: string;
  startDate: string;
  endDate: string;
  /** The framework version each standard is reported against in this period. */
  versions: Record<FrameworkCode, string>;
  /**
   * The period under way: its activity is dated back from `now`. An earlier period's activity is
   * dated around its due dates.
   */
  current: boolean;
}

export const DEMO_PERIODS: readonly DemoPeriod[] = [
  {
    label: '2025/26',
    startDate: '2025-04-01',
    endDate: '2026-03-31',
    versions: { AIS: '2016', EDS: '2022' },
    current: false,
  },
  {
    label: '2026/27',
    startDate: '2026-04-01',
    endDate: '2027-03-31',
    versions: { AIS: '2025', EDS: '2022' },
    current: true,
  },
];

/** A return's status in each period, in DEMO_PERIODS order. */
type StatusByPeriod = readonly [ReturnStatus, ReturnStatus];

export interface DemoContract {
  odsCode: string;
  reference: string;
  startDate: string;
  endDate: string | null;
  /** Email of the contract manager (one of the two in DEMO_USERS). */
  manager: string;
  /** The standards the contract reports on, with the status of each return per period. */
  returns: Partial<Record<FrameworkCode, StatusByPeriod>>;
}

const AISHA = 'aisha.rahman@example.nhs.uk';
const DAVID = 'david.kowalski@example.nhs.uk';

// Statuses are spread so every status appears in both periods: 2025/26 mostly accepted, with a
// couple returned or still overdue; 2026/27 mostly under way, a few submitted, one accepted, one returned.
export const DEMO_CONTRACTS: readonly DemoContract[] = [
  {
    odsCode: 'RZ1',
    reference: 'ICB-2026-001',
    startDate: '2024-04-01',
    endDate: '2029-03-31',
    manager: AISHA,
    returns: { AIS: ['accepted', 'in_progress'], EDS: ['accepted', 'submitted'] },
  },
  {
    odsCode: 'RZ2',
    reference: 'ICB-2026-002',
    startDate: '2024-04-01',
    endDate: '2029-03-31',
    manager: AISHA,
    returns: { AIS: ['accepted', 'not_started'], EDS: ['returned', 'in_progress'] },
  },
  {
    odsCode: 'RZ3',
    reference: 'ICB-2026-003',
    startDate: '2025-04-01',
    endDate: '2028-03-31',
    manager: AISHA,
    returns: { AIS: ['accepted', 'submitted'], EDS: ['accepted', 'accepted'] },
  },
  {
    odsCode: 'RZ4',
    reference: 'ICB-2026-004',
    startDate: '2025-04-01',
    endDate: '2028-03-31',
    manager: DAVID,
    returns: { AIS: ['accepted', 'in_progress'], EDS: ['accepted', 'returned'] },
  },
  {
    odsCode: 'RZ5',
    reference: 'ICB-2026-005',
    startDate: '2025-04-01',
    endDate: '2027-03-31',
    manager: DAVID,
    returns: { AIS: ['in_progress', 'not_started'], EDS: ['not_started', 'not_started'] },
  },
  {
    odsCode: 'Y09901',
    reference: 'ICB-2026-006',
    startDate: '2025-04-01',
    endDate: null,
    manager: DAVID,
    returns: { AIS: ['accepted', 'in_progress'] },
  },
  {
    odsCode: 'Y09902',
    reference: 'ICB-2026-007',
    startDate: '2025-04-01',
    endDate: null,
    manager: DAVID,
    returns: { AIS: ['submitted', 'not_started'] },
  },
  {
    odsCode: 'VZ101',
    reference: 'ICB-2026-008',
    startDate: '2025-04-01',
    endDate: '2027-03-31',
    manager: DAVID,
    returns: { AIS: ['returned', 'not_started'] },
  },
  {
    odsCode: 'NZ4',
    reference: 'ICB-2026-009',
    startDate: '2025-04-01',
    endDate: '2028-03-31',
    manager: AISHA,
    returns: { AIS: ['accepted', 'in_progress'], EDS: ['accepted', 'not_started'] },
  },
  {
    odsCode: 'NZ5',
    reference: 'ICB-2026-010',
    startDate: '2025-04-01',
    endDate: '2028-03-31',
    manager: AISHA,
    returns: { AIS: ['accepted', 'submitted'], EDS: ['accepted', 'in_progress'] },
  },
  {
    odsCode: 'NZ6',
    reference: 'ICB-2026-011',
    startDate: '2025-04-01',
    endDate: '2028-03-31',
    manager: DAVID,
    returns: { AIS: ['accepted', 'not_started'], EDS: ['accepted', 'in_progress'] },
  },
];

export const DECLARATION =
  'I confirm that this self-assessment is accurate to the best of my knowledge and has been ' +
  'approved by the accountable director.';

export type RatingTier = 'low' | 'mid' | 'high';

/** Narratives by framework and how well the requirement is met; picked in turn per requirement. */
export const NARRATIVES: Record<FrameworkCode, Record<RatingTier, readonly string[]>> = {
  AIS: {
    low: [
      'Not yet in place across the organisation. We ask about communication needs at registration in some services only, and staff are unsure how to record them.',
      'Our patient record system cannot flag information needs yet. Staff keep notes in free text, so needs are often missed when the record is opened.',
      'We have no written process for this. A lead has been named and a gap analysis is planned for the next quarter.',
    ],
    mid: [
      'In place in most services. A records audit in the autumn found needs recorded for 78% of sampled patients; outpatient areas were weakest.',
      'Staff ask and record needs at first contact, but flags are not yet passed on in referral letters. A template change is being tested.',
      'Easy read and large print letters are available on request. Braille and audio take up to three weeks, which is longer than we want.',
    ],
    high: [
      'Fully in place. Needs are asked about at every first contact, recorded with coded data and flagged on the front screen of the record.',
      'A quarterly audit of 50 records shows needs recorded and flagged in over 95% of cases. Results go to the patient experience committee.',
      'Interpreting (including BSL) and alternative formats are booked automatically from the flag. Patients told us the service works well.',
    ],
  },
  EDS: {
    low: [
      'Little evidence yet. We have not analysed this outcome by protected characteristic and have not involved local community groups.',
      'Data is collected but not broken down by ethnicity, disability or age, so we cannot show differences between groups.',
      'The board has not yet discussed this outcome. An equality lead has been appointed to start the work.',
    ],
    mid: [
      'Some evidence. Access and experience data is analysed by ethnicity and age; disability data is incomplete. Two community groups took part in grading.',
      'Staff survey results are reviewed by the workforce committee and actions agreed, but progress is not yet measured.',
      'Equality impact assessments are completed for most board papers, though the quality varies.',
    ],
    high: [
      'Strong evidence, graded with patients and community representatives. Gaps between groups have narrowed for two years running.',
      'Outcomes are monitored quarterly by protected characteristic and reported to the board, with named executive owners for each action.',
      'Staff networks co-designed the actions and report progress to the board twice a year.',
    ],
  },
};

export const ACTION_PLANS: readonly string[] = [
  'Agree a written procedure, train front-line staff and re-audit a sample of records in six months.',
  'Work with the system supplier to add a coded flag and test it in two services before rolling it out.',
  'Analyse the data by protected characteristic and review the results with community representatives.',
  'Take a report to the board with options and an owner for each action.',
];

export const RETURN_COMMENT =
  'Thank you. Most of this return is clear, but some ratings are not supported by the narrative or ' +
  'evidence. Please address the points against each requirement and resubmit.';

export const RETURN_REASONS: readonly string[] = [
  'The rating is higher than the narrative supports: please add evidence of how you know this works in practice, such as an audit of records.',
  'Please say which services this covers and what the action plan will change, with a date.',
];

export interface DemoEvidence {
  odsCode: string;
  fileName: string;
  mediaType: 'application/pdf' | 'text/plain' | 'text/csv';
  /** The document's text (a PDF is built around it). */
  text: string;
  /** The period it covers. */
  period: string;
  /** The responses it supports: requirement positions (0-based, in requirement order) per return. */
  links: readonly { framework: FrameworkCode; period: string; requirements: readonly number[] }[];
}

export const DEMO_EVIDENCE: readonly DemoEvidence[] = [
  {
    odsCode: 'RZ1',
    fileName: 'accessible-information-policy-v3.pdf',
    mediaType: 'application/pdf',
    text: 'Northmoor Teaching Hospitals - Accessible Information Policy, version 3 (demo document)',
    period: '2025/26',
    links: [{ framework: 'AIS', period: '2025/26', requirements: [0, 1, 4] }],
  },
  {
    odsCode: 'RZ1',
    fileName: 'ais-records-audit-q3.csv',
    mediaType: 'text/csv',
    text: 'service,records_sampled,need_recorded,need_flagged\ncardiology,50,47,45\nmaternity,50,49,49\noutpatients,50,38,35\n',
    period: '2025/26',
    links: [
      { framework: 'AIS', period: '2025/26', requirements: [1, 2] },
      { framework: 'AIS', period: '2026/27', requirements: [1] },
    ],
  },
  {
    odsCode: 'RZ3',
    fileName: 'eds-2022-grading-panel-summary.pdf',
    mediaType: 'application/pdf',
    text: 'Kestrel Vale Mental Health - EDS 2022 grading panel summary (demo document)',
    period: '2025/26',
    links: [{ framework: 'EDS', period: '2025/26', requirements: [0, 1, 2, 3] }],
  },
  {
    odsCode: 'Y09901',
    fileName: 'practice-ais-checklist.txt',
    mediaType: 'text/plain',
    text: 'Larkspur Lane Medical Centre - AIS checklist (demo)\n- Needs asked at registration: yes\n- Alert on record: yes\n- Easy read letters: on request\n',
    period: '2025/26',
    links: [
      { framework: 'AIS', period: '2025/26', requirements: [0, 2] },
      { framework: 'AIS', period: '2026/27', requirements: [0] },
    ],
  },
];
