import { ukToday } from '../format.js';
import { deriveObligation, yearOf } from '../obligations/derive.js';
import { loadObligations } from '../obligations/obligation-files.js';
import { DEMO_PROVIDER_PROFILES } from './demo-provider-profiles.js';
import { createDemoPublications, type Tx } from './queries.js';

/**
 * Equality publications in every state (issue 17): checked and not yet checked records, a modern
 * slavery statement of an independent company; what is left unrecorded shows as overdue, due or not
 * applicable from the rules. Dates come from each obligation's due date in the year and `now`.
 */
interface DemoPublication {
  odsCode: string;
  obligationCode: string;
  /** 0: this financial year, -1: last year. */
  yearOffset: 0 | -1;
  /** Published this many days before it was due (never after today). */
  daysEarly: number;
  recordedBy: string;
  checkedBy?: string;
}

const DEMO_PUBLICATIONS: readonly DemoPublication[] = [
  {
    odsCode: 'RZ1',
    obligationCode: 'wdes-report',
    yearOffset: -1,
    daysEarly: 10,
    recordedBy: 'hannah.reid@example.nhs.uk',
    checkedBy: 'aisha.rahman@example.nhs.uk',
  },
  {
    odsCode: 'RZ1',
    obligationCode: 'wres-report',
    yearOffset: -1,
    daysEarly: 12,
    recordedBy: 'hannah.reid@example.nhs.uk',
    checkedBy: 'aisha.rahman@example.nhs.uk',
  },
  {
    odsCode: 'RZ1',
    obligationCode: 'equality-information',
    yearOffset: -1,
    daysEarly: 20,
    recordedBy: 'hannah.reid@example.nhs.uk',
    checkedBy: 'david.kowalski@example.nhs.uk',
  },
  {
    odsCode: 'RZ1',
    obligationCode: 'wdes-report',
    yearOffset: 0,
    daysEarly: 5,
    recordedBy: 'hannah.reid@example.nhs.uk',
  },
  {
    odsCode: 'RZ3',
    obligationCode: 'pcref-plan',
    yearOffset: -1,
    daysEarly: 30,
    recordedBy: 'grace.owusu@example.nhs.uk',
    checkedBy: 'aisha.rahman@example.nhs.uk',
  },
  {
    odsCode: 'RZ3',
    obligationCode: 'wres-report',
    yearOffset: 0,
    daysEarly: 3,
    recordedBy: 'grace.owusu@example.nhs.uk',
  },
  {
    odsCode: 'NZ4',
    obligationCode: 'modern-slavery-statement',
    yearOffset: 0,
    daysEarly: 14,
    recordedBy: 'marcus.bell@example.com',
  },
  {
    odsCode: 'NZ4',
    obligationCode: 'modern-slavery-statement',
    yearOffset: -1,
    daysEarly: 7,
    recordedBy: 'marcus.bell@example.com',
    checkedBy: 'david.kowalski@example.nhs.uk',
  },
];

const DAY_MS = 86_400_000;

export async function seedDemoPublications(
  tx: Tx,
  providerIds: ReadonlyMap<string, string>,
  userIds: ReadonlyMap<string, string>,
  now: Date,
): Promise<void> {
  const today = ukToday(now);
  const thisYear = yearOf(today);
  const rows = [];
  // Read here, once per seed: the demo data is loaded before the app (and its caches) is built.
  const { byCode } = loadObligations();
  for (const item of DEMO_PUBLICATIONS) {
    const obligation = byCode.get(item.obligationCode);
    const profile = DEMO_PROVIDER_PROFILES[item.odsCode];
    const providerId = providerIds.get(item.odsCode);
    const recordedById = userIds.get(item.recordedBy);
    if (!obligation || !profile || !providerId || !recordedById) {
      throw new Error(
        `Demo publication ${item.odsCode} ${item.obligationCode} names something not in the demo data.`,
      );
    }
    const year = thisYear + item.yearOffset;
    const derived = deriveObligation(obligation, profile, year);
    if (derived.state !== 'due') continue;
    const publishedOn = new Date(
      Math.min(derived.dueOn.getTime() - item.daysEarly * DAY_MS, today.getTime() - DAY_MS),
    );
    const recordedAt = new Date(Math.min(publishedOn.getTime() + DAY_MS + 10 * 3_600_000, now.getTime()));
    const checkedById = item.checkedBy ? userIds.get(item.checkedBy) : undefined;
    rows.push({
      providerId,
      obligationCode: obligation.code,
      obligationVersion: obligation.version,
      year,
      status: checkedById ? ('checked' as const) : ('published' as const),
      url: `${profile.website ?? 'https://www.example.org.uk'}/equality/${obligation.code}-${year}`,
      publishedOn,
      recordedById,
      recordedAt,
      checkedById: checkedById ?? null,
      checkedAt: checkedById ? new Date(Math.min(recordedAt.getTime() + 2 * DAY_MS, now.getTime())) : null,
    });
  }
  await createDemoPublications(tx, rows);
}
