import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validate as isCronExpression } from 'node-cron';
import { z } from 'zod';
import { DEFAULT_LADDER, parseLadder, type Ladder } from './reminders/ladder.js';

/** Start-up configuration problems, every one of them, in one message. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const booleanFlag = z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'] });
const port = z.coerce.number().int().min(1).max(65_535);
const cron = z
  .string()
  .refine(isCronExpression, 'not a cron expression (five or six fields, e.g. "0 7 * * *")');
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('localhost'),
    PORT: port.default(3000),
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
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
    IMPORT_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(200 * 1024 * 1024)
      .default(20 * 1024 * 1024),
    IMPORT_MAX_ROWS: count(1, 1_000_000).default(50_000),
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
    ENTRA_ALLOWED_TENANTS: z.string().optional(),
    EMAIL_SIGN_IN: booleanFlag.optional(),
    EMAIL_LINK_MINUTES: count(1, 24 * 60).default(15),
    INVITATION_DAYS: count(1, 90).default(14),
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    SMTP_HOST: z.string().min(1).optional(),
    SMTP_PORT: port.default(587),
    SMTP_SECURE: booleanFlag.default(false),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: z.string().min(1).optional(),
    SMTP_POOL_SIZE: count(1, 50).default(5),
    MAIL_FROM: z
      .string()
      .includes('@', { message: 'an email address, e.g. "Compliance <no-reply@example.nhs.uk>"' })
      .optional(),
    MAIL_REPLY_TO: z.string().includes('@', { message: 'an email address' }).optional(),
    MAIL_MAX_ATTEMPTS: count(1, 50).default(8),
    MAIL_RETRY_BASE_SECONDS: count(1, 86_400).default(60),
    MAIL_LEASE_SECONDS: count(10, 86_400).default(300),
    REMINDER_LADDER: z.string().default(DEFAULT_LADDER),
    REMINDER_ESCALATE_AFTER_DAYS: count(0, 999).default(14),
    JOBS_CHASERS_CRON: cron.default('0 7 * * *'),
    JOBS_SEND_EMAIL_CRON: cron.default('* * * * *'),
    JOBS_DIGEST_CRON: cron.default('0 8 * * 1'),
    DIGEST_ENABLED: booleanFlag.default(false),
    RATE_LIMIT_SIGN_IN_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(20),
    RATE_LIMIT_UPLOADS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
    RATE_LIMIT_EMAIL_LINKS_PER_ADDRESS: count(1, 100_000).default(5),
    RATE_LIMIT_EMAIL_LINKS_PER_IP: count(1, 100_000).default(30),
    EVIDENCE_REFUSE_OFFICE_MACROS: booleanFlag.default(true),
    EVIDENCE_REFUSE_PDF_JAVASCRIPT: booleanFlag.default(true),
    EVIDENCE_REFUSE_PDF_LAUNCH: booleanFlag.default(true),
    CLAMD_HOST: z.string().min(1).optional(),
    CLAMD_PORT: port.default(3310),
    CLAMD_TIMEOUT_SECONDS: count(1, 600).default(30),
    CLAMD_RETRY_BASE_SECONDS: count(1, 86_400).default(60),
    CLAMD_DISABLED: booleanFlag.default(false),
  })
  .superRefine((env, context) => {
    const ladder = parseLadder(env.REMINDER_LADDER, env.REMINDER_ESCALATE_AFTER_DAYS);
    if (!ladder.ok) context.addIssue({ code: 'custom', path: ['REMINDER_LADDER'], message: ladder.problem });
    if (env.SMTP_URL && env.SMTP_HOST) {
      context.addIssue({
        code: 'custom',
        path: ['SMTP_URL'],
        message: 'set SMTP_URL or SMTP_HOST, not both',
      });
    }
    if (Boolean(env.SMTP_USER) !== Boolean(env.SMTP_PASSWORD)) {
      context.addIssue({
        code: 'custom',
        path: [env.SMTP_USER ? 'SMTP_PASSWORD' : 'SMTP_USER'],
        message: 'SMTP_USER and SMTP_PASSWORD go together',
      });
    }
    if (env.CLAMD_HOST && env.CLAMD_DISABLED) {
      context.addIssue({
        code: 'custom',
        path: ['CLAMD_DISABLED'],
        message: 'set CLAMD_HOST or CLAMD_DISABLED=true, not both',
      });
    }
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
    if (env.ENTRA_ALLOWED_TENANTS !== undefined) {
      const tenants = parseAllowedTenants(env.ENTRA_ALLOWED_TENANTS);
      const problem = !entra.every(Boolean)
        ? 'needs Entra ID sign-in (ENTRA_TENANT_ID, ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET)'
        : !tenants.ok
          ? tenants.problem
          : tenants.tenants.some((tenant) => tenant.id === env.ENTRA_TENANT_ID?.toLowerCase())
            ? 'ENTRA_TENANT_ID is always allowed: list only the other tenants'
            : undefined;
      if (problem) context.addIssue({ code: 'custom', path: ['ENTRA_ALLOWED_TENANTS'], message: problem });
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
    if (!env.SMTP_URL && !env.SMTP_HOST) {
      context.addIssue({
        code: 'custom',
        path: ['SMTP_HOST'],
        message: 'an SMTP server (SMTP_URL or SMTP_HOST) is required in production',
      });
    }
    if (!env.MAIL_FROM) {
      context.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'required in production' });
    }
    if (!env.CLAMD_HOST && !env.CLAMD_DISABLED) {
      context.addIssue({
        code: 'custom',
        path: ['CLAMD_HOST'],
        message:
          'a virus scanner (clamd) is required in production; CLAMD_DISABLED=true runs without one (files are then not checked for viruses)',
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
  /** Unset: readable lines in development on a terminal, JSON lines otherwise (see server.ts). */
  logFormat: 'json' | 'pretty' | undefined;
  /** Local state: the embedded database, a generated session secret (outside production). */
  dataDir: string;
  database: { url: string | undefined; poolSize: number; embeddedPort: number };
  jobsEnabled: boolean;
  /** Absent outside production: the server then keeps a generated one in the data folder. */
  sessionSecret: string | undefined;
  localSignIn: boolean;
  demoData: boolean;
  /**
   * Express's "trust proxy": a number of hops in front of the app (TRUST_PROXY=1), or addresses and
   * names ("loopback, 10.0.0.0/8"). A number must reach Express as a number: the text "1" would be
   * read as an address, trusting no proxy, and every client would share the balancer's IP address.
   */
  trustProxy: string | number | undefined;
  organisationName: string;
  /** Evidence uploads: the size limit (enforced while the file streams in) and what is refused. */
  evidence: { maxBytes: number; refuse: ActiveContentPolicy };
  /** Bulk imports (register files, ODS files): the largest file in bytes and the most data rows. */
  imports: { maxBytes: number; maxRows: number };
  /** The virus scanner evidence files go through before anyone may download them. */
  scanner: ScannerSettings;
  session: { idleMinutes: number; absoluteHours: number };
  /**
   * Requests per minute: sign-in routes per IP address, evidence uploads per user; requests for an
   * email sign-in link per hour, per address asked for and per IP address.
   */
  rateLimits: {
    signInPerMinute: number;
    uploadsPerMinute: number;
    emailLinksPerAddressPerHour: number;
    emailLinksPerIpPerHour: number;
  };
  /** Single-use links sent by email: sign-in links (when enabled) and invitations. */
  emailLinks: { signIn: boolean; signInMinutes: number; invitationDays: number };
  /** Microsoft Entra ID sign-in; absent when not configured (local sign-in only). */
  entra: EntraSettings | undefined;
  mail: MailSettings;
  reminders: { ladder: Ladder };
  /** node-cron expressions (Europe/London) of the scheduled jobs; the digest runs only when enabled. */
  jobs: { chasersCron: string; sendEmailCron: string; digestCron: string; digestEnabled: boolean };
}

/** Kinds of active content the app refuses in evidence itself, whatever the virus scanner says. */
export interface ActiveContentPolicy {
  /** VBA projects in Office files (vbaProject.bin, OLE macro storages) and OpenDocument macros. */
  officeMacros: boolean;
  /** JavaScript in PDFs (/JavaScript and /JS actions). */
  pdfJavaScript: boolean;
  /** PDF actions that start another program (/Launch). */
  pdfLaunch: boolean;
}

/** ClamAV's daemon over TCP, or none (the local default; in production only when explicitly disabled). */
export interface ScannerSettings {
  /** Where clamd listens, and the longest wait for one file's verdict (then the rescan job tries again). */
  clamd: { host: string; port: number; timeoutMs: number } | undefined;
  /** CLAMD_DISABLED=true: no scanner on purpose (start-up logs a warning). */
  disabled: boolean;
  /** A file whose scan failed is tried again after this, then twice as long each time (at most 4 hours). */
  retryBaseSeconds: number;
}

/** Outgoing email: through SMTP when configured, otherwise kept as files (never in production). */
export interface MailSettings {
  transport:
    | {
        kind: 'smtp';
        /** smtp(s)://user:password@host:port, or the host settings below. */
        url: string | undefined;
        host: string | undefined;
        port: number;
        secure: boolean;
        auth: { user: string; pass: string } | undefined;
        poolSize: number;
      }
    | { kind: 'files'; dir: string };
  from: string;
  replyTo: string | undefined;
  /** Delivery attempts before an email is marked failed (a 5xx rejection fails it at once). */
  maxAttempts: number;
  /** The first retry waits this long, each later one twice as long (capped at four hours). */
  retryBaseSeconds: number;
  /** A sender's claim on an email; after it a crashed sender's emails are picked up again. */
  leaseSeconds: number;
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
  /**
   * Tenants besides the commissioner's own whose users may sign in (NHSmail, partner trusts): only
   * ever as provider people, through an invitation. Empty: a single-tenant registration.
   */
  allowedTenants: AllowedTenant[];
}

export interface AllowedTenant {
  /** The tenant (directory) id, lower-case. */
  id: string;
  /** What the people pages call it ("NHSmail"); the id when the configuration names none. */
  name: string;
}

const TENANT_ID = z.uuid();

/**
 * ENTRA_ALLOWED_TENANTS: comma-separated tenant ids, each optionally followed by `=` and a name
 * ("37c354b2-...=NHSmail, 0b1c...=Partner Trust").
 */
export function parseAllowedTenants(
  text: string,
): { ok: true; tenants: AllowedTenant[] } | { ok: false; problem: string } {
  const tenants: AllowedTenant[] = [];
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [rawId = '', ...rest] = entry.split('=');
    const id = rawId.trim().toLowerCase();
    if (!TENANT_ID.safeParse(id).success) {
      return { ok: false, problem: `"${rawId.trim()}" is not a tenant id (a GUID)` };
    }
    if (tenants.some((tenant) => tenant.id === id)) return { ok: false, problem: `${id} is listed twice` };
    tenants.push({ id, name: rest.join('=').trim() || id });
  }
  return { ok: true, tenants };
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
    logFormat: values.LOG_FORMAT,
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
    trustProxy:
      values.TRUST_PROXY && /^\d+$/.test(values.TRUST_PROXY)
        ? Number(values.TRUST_PROXY)
        : values.TRUST_PROXY,
    organisationName: values.ORGANISATION_NAME,
    evidence: {
      maxBytes: values.EVIDENCE_MAX_BYTES,
      refuse: {
        officeMacros: values.EVIDENCE_REFUSE_OFFICE_MACROS,
        pdfJavaScript: values.EVIDENCE_REFUSE_PDF_JAVASCRIPT,
        pdfLaunch: values.EVIDENCE_REFUSE_PDF_LAUNCH,
      },
    },
    imports: { maxBytes: values.IMPORT_MAX_BYTES, maxRows: values.IMPORT_MAX_ROWS },
    scanner: {
      clamd: values.CLAMD_HOST
        ? { host: values.CLAMD_HOST, port: values.CLAMD_PORT, timeoutMs: values.CLAMD_TIMEOUT_SECONDS * 1000 }
        : undefined,
      disabled: values.CLAMD_DISABLED,
      retryBaseSeconds: values.CLAMD_RETRY_BASE_SECONDS,
    },
    session: { idleMinutes: values.SESSION_IDLE_MINUTES, absoluteHours: values.SESSION_ABSOLUTE_HOURS },
    rateLimits: {
      signInPerMinute: values.RATE_LIMIT_SIGN_IN_PER_MINUTE,
      uploadsPerMinute: values.RATE_LIMIT_UPLOADS_PER_MINUTE,
      emailLinksPerAddressPerHour: values.RATE_LIMIT_EMAIL_LINKS_PER_ADDRESS,
      emailLinksPerIpPerHour: values.RATE_LIMIT_EMAIL_LINKS_PER_IP,
    },
    emailLinks: {
      signIn: values.EMAIL_SIGN_IN ?? !isProduction,
      signInMinutes: values.EMAIL_LINK_MINUTES,
      invitationDays: values.INVITATION_DAYS,
    },
    entra:
      values.ENTRA_TENANT_ID && values.ENTRA_CLIENT_ID && values.ENTRA_CLIENT_SECRET
        ? {
            tenantId: values.ENTRA_TENANT_ID.toLowerCase(),
            clientId: values.ENTRA_CLIENT_ID,
            clientSecret: values.ENTRA_CLIENT_SECRET,
            authority: values.ENTRA_AUTHORITY.replace(/\/$/, ''),
            redirectUrl: values.ENTRA_REDIRECT_URL ?? `${publicBaseUrl}/auth/callback`,
            responseMode: values.ENTRA_RESPONSE_MODE ?? (isProduction ? 'form_post' : 'query'),
            allowedTenants: checkedTenants(values.ENTRA_ALLOWED_TENANTS ?? ''),
          }
        : undefined,
    mail: {
      transport:
        values.SMTP_URL || values.SMTP_HOST
          ? {
              kind: 'smtp',
              url: values.SMTP_URL,
              host: values.SMTP_HOST,
              port: values.SMTP_PORT,
              secure: values.SMTP_SECURE,
              auth:
                values.SMTP_USER && values.SMTP_PASSWORD
                  ? { user: values.SMTP_USER, pass: values.SMTP_PASSWORD }
                  : undefined,
              poolSize: values.SMTP_POOL_SIZE,
            }
          : { kind: 'files', dir: join(values.DATA_DIR, 'mail') },
      from: values.MAIL_FROM ?? `"${values.ORGANISATION_NAME.replace(/["\\]/g, '')}" <no-reply@localhost>`,
      replyTo: values.MAIL_REPLY_TO,
      maxAttempts: values.MAIL_MAX_ATTEMPTS,
      retryBaseSeconds: values.MAIL_RETRY_BASE_SECONDS,
      leaseSeconds: values.MAIL_LEASE_SECONDS,
    },
    reminders: { ladder: checkedLadder(values.REMINDER_LADDER, values.REMINDER_ESCALATE_AFTER_DAYS) },
    jobs: {
      chasersCron: values.JOBS_CHASERS_CRON,
      sendEmailCron: values.JOBS_SEND_EMAIL_CRON,
      digestCron: values.JOBS_DIGEST_CRON,
      digestEnabled: values.DIGEST_ENABLED,
    },
  };
}

/** Already checked by the schema; parsed again for its value. */
function checkedTenants(text: string): AllowedTenant[] {
  const parsed = parseAllowedTenants(text);
  if (!parsed.ok) throw new ConfigError([`ENTRA_ALLOWED_TENANTS: ${parsed.problem}`]);
  return parsed.tenants;
}

/** Already checked by the schema; parsed again for its value. */
function checkedLadder(text: string, escalateAfterDays: number): Ladder {
  const parsed = parseLadder(text, escalateAfterDays);
  if (!parsed.ok) throw new ConfigError([`REMINDER_LADDER: ${parsed.problem}`]);
  return parsed.ladder;
}

function readProcessEnvironment(): NodeJS.ProcessEnv {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

/** For entry points: a bad configuration prints every problem and exits with code 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every setting.\n`);
      process.exit(1);
    }
    throw error;
  }
}
