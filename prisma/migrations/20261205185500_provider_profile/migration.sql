-- Provider profile (issue 17): the facts that decide which equality obligations apply to a provider.
-- Every new column may be NULL ("not recorded"), so existing providers keep working unchanged; the
-- sector, year end and mental health flag are filled in from the provider type where it says enough.
CREATE TYPE "provider_sector" AS ENUM ('nhs_trust', 'nhs_foundation_trust', 'gp_practice', 'care_home', 'independent', 'voluntary', 'local_authority', 'other');
CREATE TYPE "headcount_band" AS ENUM ('under_150', 'from_150_to_249', 'from_250_to_999', 'from_1000');
CREATE TYPE "turnover_band" AS ENUM ('under_10m', 'from_10m_to_under_36m', 'from_36m_to_under_100m', 'from_100m');

ALTER TABLE "providers" ADD COLUMN "sector" "provider_sector";
ALTER TABLE "providers" ADD COLUMN "headcount_band" "headcount_band";
ALTER TABLE "providers" ADD COLUMN "turnover_band" "turnover_band";
ALTER TABLE "providers" ADD COLUMN "financial_year_end_month" SMALLINT;
ALTER TABLE "providers" ADD COLUMN "website" TEXT;
ALTER TABLE "providers" ADD COLUMN "provides_mental_health_services" BOOLEAN;
ALTER TABLE "providers" ADD CONSTRAINT "providers_financial_year_end_month_check"
    CHECK ("financial_year_end_month" BETWEEN 1 AND 12);

-- Trusts of every kind are NHS trusts until someone records a foundation trust; NHS bodies' financial
-- years end on 31 March. A mental health trust provides mental health services; for the other types
-- that stays not recorded. Hospices are mostly charities.
UPDATE "providers" SET
    "sector" = 'nhs_trust',
    "financial_year_end_month" = 3
  WHERE "type" IN ('acute_trust', 'mental_health_trust', 'community_trust', 'ambulance_trust');
UPDATE "providers" SET "provides_mental_health_services" = TRUE WHERE "type" = 'mental_health_trust';
UPDATE "providers" SET "sector" = 'gp_practice' WHERE "type" = 'gp_practice';
UPDATE "providers" SET "sector" = 'care_home' WHERE "type" = 'care_home';
UPDATE "providers" SET "sector" = 'independent' WHERE "type" = 'independent_provider';
UPDATE "providers" SET "sector" = 'voluntary' WHERE "type" = 'hospice';
