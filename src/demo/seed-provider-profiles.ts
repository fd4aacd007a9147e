import { DEMO_PROVIDER_PROFILES } from './demo-provider-profiles.js';
import { updateProviderProfile, type Tx } from './queries.js';

/** Gives each demo provider its sector, size, year end, website and services (issue 17). */
export async function seedProviderProfiles(tx: Tx, providerIds: ReadonlyMap<string, string>): Promise<void> {
  for (const [odsCode, profile] of Object.entries(DEMO_PROVIDER_PROFILES)) {
    const id = providerIds.get(odsCode);
    if (!id) throw new Error(`Demo provider profile for ${odsCode}, which is not a demo provider.`);
    await updateProviderProfile(tx, id, profile);
  }
}
