// Configuration for the Prisma CLI only (the app reads its settings through src/config.ts).
// DATABASE_URL is needed by `prisma migrate` and `prisma studio` on machines that have the engine;
// `prisma generate` runs without it.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});
