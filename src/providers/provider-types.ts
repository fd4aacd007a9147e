import type { ProviderType } from '../generated/prisma/enums.js';

export const PROVIDER_TYPE_LABELS: Record<ProviderType, string> = {
  acute_trust: 'Acute trust',
  mental_health_trust: 'Mental health trust',
  community_trust: 'Community trust',
  ambulance_trust: 'Ambulance trust',
  gp_practice: 'GP practice',
  care_home: 'Care home',
  independent_provider: 'Independent provider',
  hospice: 'Hospice',
};
