-- Provider people (issue 16): Entra identities from several tenants (tenant + object id), leads and
-- contributors per provider, sign-in by email link, and invitations claimed through a single-use link.
CREATE TYPE "membership_role" AS ENUM ('lead', 'contributor');
CREATE TYPE "sign_in_method" AS ENUM ('microsoft', 'email_link');
CREATE TYPE "email_link_purpose" AS ENUM ('invitation', 'sign_in');

-- Everyone who belonged to a provider until now was its lead.
ALTER TABLE "memberships" ADD COLUMN "role" "membership_role" NOT NULL DEFAULT 'lead';

-- An object id is unique only within its tenant. Rows bound before now keep a NULL tenant: they were
-- all from the commissioner's own tenant (the only one allowed then), and are given it at their next
-- sign-in.
ALTER TABLE "users" ADD COLUMN "entra_tenant_id" TEXT;
ALTER TABLE "users" ADD COLUMN "sign_in_method" "sign_in_method" NOT NULL DEFAULT 'microsoft';
DROP INDEX "users_entra_object_id_key";
CREATE UNIQUE INDEX "users_entra_tenant_id_entra_object_id_key" ON "users"("entra_tenant_id", "entra_object_id");

CREATE TABLE "email_links" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "purpose" "email_link_purpose" NOT NULL,
    "user_id" UUID NOT NULL,
    "token_sha256" CHAR(64) NOT NULL,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "used_at" TIMESTAMPTZ(6),
    CONSTRAINT "email_links_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "email_links_token_sha256_key" ON "email_links"("token_sha256");
CREATE INDEX "email_links_user_id_purpose_idx" ON "email_links"("user_id", "purpose");
CREATE INDEX "email_links_created_by_id_idx" ON "email_links"("created_by_id");
ALTER TABLE "email_links" ADD CONSTRAINT "email_links_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "email_links" ADD CONSTRAINT "email_links_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
