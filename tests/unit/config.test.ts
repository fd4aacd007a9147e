import { loadConfig } from '../../src/config.js';
import { problemsOf } from '../support/config.js';

const ENTRA = {
  ENTRA_TENANT_ID: '2f1b6c8e-0d4a-4e59-9a57-3b1f0c2d4e5f',
  ENTRA_CLIENT_ID: 'tracker-client',
  ENTRA_CLIENT_SECRET: 'client-secret-value',
};
// Production also needs a mail server and a sender address (tests/unit/mail-config.test.ts).
const MAIL = {
  SMTP_URL: 'smtp://mail.example.nhs.uk:587',
  MAIL_FROM: 'Compliance <no-reply@example.nhs.uk>',
};

describe('loadConfig', () => {
  test('an empty environment gives the embedded local defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      publicBaseUrl: 'http://localhost:3000',
      dataDir: '.data',
      localSignIn: true,
      demoData: true,
      jobsEnabled: true,
      database: { url: undefined, embeddedPort: 54_329 },
    });
  });

  test('lists every bad value at once, naming each variable', () => {
    const problems = problemsOf({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://db/x',
      DEMO_DATA: 'maybe',
    });
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/^PORT: /m);
    expect(problems.join('\n')).toMatch(/^LOG_LEVEL: /m);
    expect(problems.join('\n')).toMatch(/^DATABASE_URL: /m);
    expect(problems.join('\n')).toMatch(/^DEMO_DATA: /m);
  });

  test('production refuses the local sign-in', () => {
    const problems = problemsOf({
      ...ENTRA,
      ...MAIL,
      NODE_ENV: 'production',
      LOCAL_SIGN_IN: 'true',
      SESSION_SECRET: 'x'.repeat(40),
      DATABASE_URL: 'postgresql://db/tracker',
      PUBLIC_BASE_URL: 'https://tracker.example.nhs.uk',
      CLAMD_HOST: 'clamd.internal',
    });
    expect(problems).toEqual(['LOCAL_SIGN_IN: the local demo sign-in cannot be enabled in production']);
  });

  test('production requires its secrets and an https address, and turns demo features off', () => {
    expect(problemsOf({ NODE_ENV: 'production' }).map((problem) => problem.split(':')[0])).toEqual([
      'ENTRA_TENANT_ID',
      'SESSION_SECRET',
      'DATABASE_URL',
      'SMTP_HOST',
      'MAIL_FROM',
      'CLAMD_HOST',
      'PUBLIC_BASE_URL',
    ]);
    const config = loadConfig({
      ...ENTRA,
      ...MAIL,
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(40),
      DATABASE_URL: 'postgresql://db/tracker',
      PUBLIC_BASE_URL: 'https://tracker.example.nhs.uk',
      CLAMD_HOST: 'clamd.internal',
    });
    expect(config).toMatchObject({ isProduction: true, localSignIn: false, demoData: false });
    expect(config.emailLinks).toEqual({ signIn: false, signInMinutes: 15, invitationDays: 14 });
    expect(config.entra).toMatchObject({
      responseMode: 'form_post',
      authority: 'https://login.microsoftonline.com',
      redirectUrl: 'https://tracker.example.nhs.uk/auth/callback',
    });
  });

  test('a short session secret is refused', () => {
    expect(problemsOf({ SESSION_SECRET: 'short' })).toEqual([expect.stringMatching(/^SESSION_SECRET: /)]);
  });

  test('Entra settings come as a set', () => {
    expect(problemsOf({ ENTRA_TENANT_ID: ENTRA.ENTRA_TENANT_ID })).toEqual([
      'ENTRA_CLIENT_ID: required when any ENTRA_ setting is set',
      'ENTRA_CLIENT_SECRET: required when any ENTRA_ setting is set',
    ]);
    expect(loadConfig(ENTRA).entra).toMatchObject({
      responseMode: 'query',
      redirectUrl: 'http://localhost:3000/auth/callback',
    });
  });
});

describe('other Entra tenants and email links', () => {
  const NHSMAIL = '37C354B2-85B0-47F5-B222-07B48D774EE3';
  const PARTNER = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';

  test('the allowed tenants are listed with optional names, lower-case, the commissioner’s own not among them', () => {
    expect(loadConfig(ENTRA).entra?.allowedTenants).toEqual([]);
    expect(
      loadConfig({ ...ENTRA, ENTRA_ALLOWED_TENANTS: ` ${NHSMAIL}=NHSmail , ${PARTNER} ` }).entra
        ?.allowedTenants,
    ).toEqual([
      { id: NHSMAIL.toLowerCase(), name: 'NHSmail' },
      { id: PARTNER, name: PARTNER },
    ]);
  });

  test.each([
    ['not-a-guid', /"not-a-guid" is not a tenant id/],
    [`${PARTNER},${PARTNER}=Again`, /listed twice/],
    [ENTRA.ENTRA_TENANT_ID, /ENTRA_TENANT_ID is always allowed/],
  ])('ENTRA_ALLOWED_TENANTS=%s is refused, saying why', (value, message) => {
    expect(problemsOf({ ...ENTRA, ENTRA_ALLOWED_TENANTS: value })).toEqual([expect.stringMatching(message)]);
  });

  test('other tenants need Entra itself', () => {
    expect(problemsOf({ ENTRA_ALLOWED_TENANTS: PARTNER })).toEqual([
      expect.stringMatching(/^ENTRA_ALLOWED_TENANTS: needs Entra ID sign-in/),
    ]);
  });

  test('email sign-in is on outside production by default, and can be switched either way', () => {
    expect(loadConfig({}).emailLinks).toEqual({ signIn: true, signInMinutes: 15, invitationDays: 14 });
    expect(
      loadConfig({ EMAIL_SIGN_IN: 'false', EMAIL_LINK_MINUTES: '10', INVITATION_DAYS: '7' }).emailLinks,
    ).toEqual({ signIn: false, signInMinutes: 10, invitationDays: 7 });
    expect(problemsOf({ EMAIL_LINK_MINUTES: '0' })).toEqual([expect.stringMatching(/^EMAIL_LINK_MINUTES: /)]);
  });
});

describe('TRUST_PROXY', () => {
  test('a number of hops reaches Express as a number (the text "1" would be read as an address)', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(loadConfig({}).trustProxy).toBeUndefined();
  });
});

describe('rate limits', () => {
  test('default to 20 sign-in requests per IP and 30 uploads per user a minute, and 5 links per address and 30 per IP an hour', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      signInPerMinute: 20,
      uploadsPerMinute: 30,
      emailLinksPerAddressPerHour: 5,
      emailLinksPerIpPerHour: 30,
    });
  });

  test('are configurable, and a bad value is named', () => {
    expect(
      loadConfig({ RATE_LIMIT_SIGN_IN_PER_MINUTE: '5', RATE_LIMIT_UPLOADS_PER_MINUTE: '100' }).rateLimits,
    ).toMatchObject({ signInPerMinute: 5, uploadsPerMinute: 100 });
    const problems = problemsOf({
      RATE_LIMIT_SIGN_IN_PER_MINUTE: '0',
      RATE_LIMIT_UPLOADS_PER_MINUTE: 'lots',
    });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/^RATE_LIMIT_SIGN_IN_PER_MINUTE: /m);
    expect(problems.join('\n')).toMatch(/^RATE_LIMIT_UPLOADS_PER_MINUTE: /m);
  });
});

describe('virus scanning and active content', () => {
  const production = {
    ...ENTRA,
    ...MAIL,
    NODE_ENV: 'production',
    SESSION_SECRET: 'x'.repeat(40),
    DATABASE_URL: 'postgresql://db/tracker',
    PUBLIC_BASE_URL: 'https://tracker.example.nhs.uk',
  };

  test('locally there is no scanner unless one is named; every kind of active content is refused', () => {
    expect(loadConfig({})).toMatchObject({
      scanner: { clamd: undefined, disabled: false, retryBaseSeconds: 60 },
      evidence: { refuse: { officeMacros: true, pdfJavaScript: true, pdfLaunch: true } },
    });
    expect(loadConfig({ CLAMD_HOST: 'clamd', CLAMD_TIMEOUT_SECONDS: '5' }).scanner.clamd).toEqual({
      host: 'clamd',
      port: 3310,
      timeoutMs: 5_000,
    });
    expect(loadConfig({ EVIDENCE_REFUSE_PDF_LAUNCH: 'false' }).evidence.refuse).toEqual({
      officeMacros: true,
      pdfJavaScript: true,
      pdfLaunch: false,
    });
  });

  test('production needs a scanner, or an explicit CLAMD_DISABLED=true; not both', () => {
    expect(problemsOf(production)).toEqual([
      'CLAMD_HOST: a virus scanner (clamd) is required in production; CLAMD_DISABLED=true runs without one (files are then not checked for viruses)',
    ]);
    expect(loadConfig({ ...production, CLAMD_HOST: 'clamd.internal' }).scanner.clamd?.host).toBe(
      'clamd.internal',
    );
    expect(loadConfig({ ...production, CLAMD_DISABLED: 'true' }).scanner).toMatchObject({
      clamd: undefined,
      disabled: true,
    });
    expect(problemsOf({ CLAMD_HOST: 'clamd', CLAMD_DISABLED: 'true' })).toEqual([
      'CLAMD_DISABLED: set CLAMD_HOST or CLAMD_DISABLED=true, not both',
    ]);
  });
});
