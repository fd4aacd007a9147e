import { existsSync } from 'node:fs';
import { z } from 'zod';

/** Start-up configuration problems, every one of them, in one message. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const booleanFlag = z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'] });
const port = z.coerce.number().int().min(1).max(65_535);

const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('localhost'),
    PORT: port.default(3000),
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    DATA_DIR: z.string().min(1).default('.data'),
    EMBEDDED_DB_PORT: port.default(54_329),
    JOBS_ENABLED: booleanFlag.default(true),
    SESSION_SECRET: z.string().min(32).optional(),
    LOCAL_SIGN_IN: booleanFlag.optional(),
    DEMO_DATA: booleanFlag.optional(),
    TRUST_PROXY: z.string().optional(),
    ORGANISATION_NAME: z.string().min(1).default('the commissioning organisation'),
    EVIDENCE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(1024 * 1024 * 1024)
      .default(20 * 1024 * 1024),
    SESSION_IDLE_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(30),
    SESSION_ABSOLUTE_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 7)
      .default(12),
    ENTRA_TENANT_ID: z.uuid().optional(),
    ENTRA_CLIENT_ID: z.string().min(1).optional(),
    ENTRA_CLIENT_SECRET: z.string().min(1).optional(),
    ENTRA_AUTHORITY: z.url({ protocol: /^https$/ }).default('https://login.microsoftonline.com'),
    ENTRA_REDIRECT_URL: z.url({ protocol: /^https?$/ }).optional(),
    ENTRA_RESPONSE_MODE: z.enum(['form_post', 'query']).optional(),
  })
  .superRefine((env, context) => {
    const entra = [env.ENTRA_TENANT_ID, env.ENTRA_CLIENT_ID, env.ENTRA_CLIENT_SECRET];
    if (entra.some(Boolean) && !entra.every(Boolean)) {
      for (const [name, value] of [
        ['ENTRA_TENANT_ID', env.ENTRA_TENANT_ID],
        ['ENTRA_CLIENT_ID', env.ENTRA_CLIENT_ID],
        ['ENTRA_CLIENT_SECRET', env.ENTRA_CLIENT_SECRET],
      ] as const) {
        if (!value)
          context.addIssue({
            code: 'custom',
            path: [name],
            message: 'required when any ENTRA_ setting is set',
          });
      }
    }
    if (env.NODE_ENV !== 'production') return;
    if (!entra.every(Boolean)) {
      context.addIssue({
        code: 'custom',
        path: ['ENTRA_TENANT_ID'],
        message:
          'Entra ID sign-in (ENTRA_TENANT_ID, ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET) is required in production',
      });
    }
    if (env.LOCAL_SIGN_IN === true) {
      context.addIssue({
        code: 'custom',
        path: ['LOCAL_SIGN_IN'],
        message: 'the local demo sign-in cannot be enabled in production',
      });
    }
    if (!env.SESSION_SECRET) {
      context.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'required in production' });
    }
    if (!env.DATABASE_URL) {
      context.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'required in production (the embedded database is for local use)',
      });
    }
    if (env.ENTRA_REDIRECT_URL && !env.ENTRA_REDIRECT_URL.startsWith('https://')) {
      context.addIssue({
        code: 'custom',
        path: ['ENTRA_REDIRECT_URL'],
        message: 'an https URL is required in production',
      });
    }
    if (!env.PUBLIC_BASE_URL?.startsWith('https://')) {
      context.addIssue({
        code: 'custom',
        path: ['PUBLIC_BASE_URL'],
        message: 'an https URL is required in production',
      });
    }
  });

export interface Config {
  env: 'development' | 'test' | 'production';
  isProduction: boolean;
  host: string;
  port: number;
  publicBaseUrl: string;
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  /** Local state: the embedded database, a generated session secret (outside production). */
  dataDir: string;
  database: { url: string | undefined; poolSize: number; embeddedPort: number };
  jobsEnabled: boolean;
  /** Absent outside production: the server then keeps a generated one in the data folder. */
  sessionSecret: string | undefined;
  localSignIn: boolean;
  demoData: boolean;
  trustProxy: string | undefined;
  organisationName: string;
  /** Evidence uploads: the size limit, enforced while the file streams in. */
  evidence: { maxBytes: number };
  session: { idleMinutes: number; absoluteHours: number };
  /** Microsoft Entra ID sign-in; absent when not configured (local sign-in only). */
  entra: EntraSettings | undefined;
}

export interface EntraSettings {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** https://login.microsoftonline.com, or a test identity provider. */
  authority: string;
  redirectUrl: string;
  /** form_post (Entra's recommendation) in production; query elsewhere. */
  responseMode: 'form_post' | 'query';
}

/**
 * Reads and checks the environment; the only place in the app that touches process.env. A `.env`
 * file in the working directory, when present, fills in what the real environment does not set.
 */
export function loadConfig(env: NodeJS.ProcessEnv = readProcessEnvironment()): Config {
  // An empty value (`NAME=` in .env) means "not set".
  const parsed = environmentSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const values = parsed.data;
  const isProduction = values.NODE_ENV === 'production';
  const publicBaseUrl = (values.PUBLIC_BASE_URL ?? `http://${values.HOST}:${values.PORT}`).replace(/\/$/, '');
  return {
    env: values.NODE_ENV,
    isProduction,
    host: values.HOST,
    port: values.PORT,
    publicBaseUrl,
    logLevel: values.LOG_LEVEL,
    dataDir: values.DATA_DIR,
    database: {
      url: values.DATABASE_URL,
      poolSize: values.DATABASE_POOL_SIZE,
      embeddedPort: values.EMBEDDED_DB_PORT,
    },
    jobsEnabled: values.JOBS_ENABLED,
    sessionSecret: values.SESSION_SECRET,
    localSignIn: values.LOCAL_SIGN_IN ?? !isProduction,
    demoData: values.DEMO_DATA ?? !isProduction,
    trustProxy: values.TRUST_PROXY,
    organisationName: values.ORGANISATION_NAME,
    evidence: { maxBytes: values.EVIDENCE_MAX_BYTES },
    session: { idleMinutes: values.SESSION_IDLE_MINUTES, absoluteHours: values.SESSION_ABSOLUTE_HOURS },
    entra:
      values.ENTRA_TENANT_ID && values.ENTRA_CLIENT_ID && values.ENTRA_CLIENT_SECRET
        ? {
            tenantId: values.ENTRA_TENANT_ID,
            clientId: values.ENTRA_CLIENT_ID,
            clientSecret: values.ENTRA_CLIENT_SECRET,
            authority: values.ENTRA_AUTHORITY.replace(/\/$/, ''),
            redirectUrl: values.ENTRA_REDIRECT_URL ?? `${publicBaseUrl}/auth/callback`,
            responseMode: values.ENTRA_RESPONSE_MODE ?? (isProduction ? 'form_post' : 'query'),
          }
        : undefined,
  };
}

function readProcessEnvironment(): NodeJS.ProcessEnv {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}
