import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ejs from 'ejs';
import express from 'express';
import request from 'supertest';
import { NHSUK_DIST_DIR, NHSUK_FRONTEND_VERSION, setUpStatic } from '../../src/middleware/static.js';
import { pathTo, withService, paths } from '../../src/paths.js';
import { PUBLIC_DIR, VIEWS_DIR } from '../../src/project-root.js';
import type { CurrentUser } from '../../src/auth/current-user.js';
import { viewFormat } from '../../src/view-format.js';
import { SERVICE_NAME, type ViewLocals } from '../../src/view-locals.js';
import { permissionsFor } from '../../src/auth/access.js';

const HOSTILE = '<script>alert(1)</script>';
const HOSTILE_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';

function user(overrides: Partial<CurrentUser> = {}): CurrentUser {
  return {
    id: '7d1f6a52-93a4-4d55-9c1e-2f7b0c3f1a10',
    email: 'priya.shah@example.nhs.uk',
    displayName: 'Priya Shah',
    role: 'contract_manager',
    providerIds: [],
    leadProviderIds: [],
    ...overrides,
  };
}

function baseLocals(overrides: Partial<ViewLocals> = {}): ViewLocals {
  return {
    paths,
    pathTo,
    withService,
    serviceName: SERVICE_NAME,
    nhsukVersion: NHSUK_FRONTEND_VERSION,
    format: viewFormat,
    cspNonce: 'bm9uY2Utdmlld3MtdGVzdA==',
    csrfToken: () => 'csrf-token-from-the-session',
    requestId: '0f9c2d4e-8a7b-4c1d-9e3f-5a6b7c8d9e0f',
    currentUser: user(),
    can: permissionsFor(user()),
    navigation: [
      { text: 'Home', href: paths.home, current: true },
      { text: 'Accessibility', href: paths.accessibility, current: false },
    ],
    ...overrides,
  };
}

async function render(view: string, locals: object): Promise<string> {
  return ejs.renderFile(join(VIEWS_DIR, `${view}.ejs`), locals);
}

function titleOf(html: string): string | undefined {
  return /<title>([^<]*)<\/title>/.exec(html)?.[1];
}

function startTags(html: string, tagName: string): string[] {
  return html.match(new RegExp(`<${tagName}\\b[^>]*>`, 'g')) ?? [];
}

function ids(html: string): string[] {
  return [...html.matchAll(/\sid="([^"]*)"/g)].map((match) => match[1] ?? '');
}

const demoUsers = [
  {
    id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
    displayName: 'Amira Okafor',
    email: 'amira.okafor@example.nhs.uk',
    role: 'admin',
    roleLabel: 'Administrator',
    memberships: [],
    signsInByEmail: false,
  },
  {
    id: '6fa459ea-ee8a-4ca4-894e-db77e160355e',
    displayName: 'Tom Barker',
    email: 'tom.barker@example.nhs.uk',
    role: 'provider_lead',
    roleLabel: 'Provider lead or contributor',
    memberships: [
      { providerName: 'Leeds Teaching Hospitals NHS Trust', roleLabel: 'Provider lead' },
      { providerName: "St Gemma's Hospice", roleLabel: 'Contributor' },
    ],
    signsInByEmail: true,
  },
];

/** Every page view with realistic locals, signed in or not as the route would render it. */
const pages: { view: string; title: string; locals: object }[] = [
  { view: 'errors/not-found', title: 'Page not found', locals: baseLocals() },
  {
    view: 'errors/forbidden',
    title: 'You do not have permission to view this page',
    locals: baseLocals({ currentUser: user({ role: 'viewer' }) }),
  },
  {
    view: 'errors/server-error',
    title: 'Sorry, there is a problem with the service',
    locals: baseLocals({ currentUser: undefined }),
  },
  {
    view: 'errors/service-unavailable',
    title: 'Sorry, the service is unavailable',
    locals: baseLocals({ currentUser: undefined, navigation: [] }),
  },
  {
    view: 'errors/request-refused',
    title: 'The form was too large to send',
    locals: {
      ...baseLocals(),
      heading: 'The form was too large to send',
      reason: 'It was larger than any form of this service allows.',
    },
  },
  {
    view: 'auth/local-sign-in',
    title: 'Sign in to the demo',
    locals: { ...baseLocals({ currentUser: undefined, navigation: [] }), users: demoUsers, errors: {} },
  },
  {
    view: 'home/index',
    title: 'Your work',
    locals: {
      ...baseLocals({
        currentUser: user({ role: 'provider_lead', providerIds: ['p1'], leadProviderIds: ['p1'] }),
      }),
      providerNames: ['Leeds Teaching Hospitals NHS Trust'],
    },
  },
  {
    view: 'accessibility/statement',
    title: 'Accessibility statement',
    locals: {
      ...baseLocals({ currentUser: undefined, navigation: [] }),
      organisationName: 'NHS West Yorkshire ICB',
    },
  },
];

describe('page views', () => {
  test.each(pages)('$view has the NHS.UK page skeleton', async ({ view, title, locals }) => {
    const html = await render(view, locals);

    expect(html.trimStart().startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(titleOf(html)).toBe(`${title} - ${SERVICE_NAME} - NHS`);
    expect(html).toMatch(/<a class="nhsuk-skip-link"[^>]* href="#maincontent">Skip to main content<\/a>/);
    expect(startTags(html, 'main')).toEqual([
      '<main class="nhsuk-main-wrapper" id="maincontent" role="main">',
    ]);
    expect(startTags(html, 'h1')).toHaveLength(1);
    expect(html).toContain(`<a class="nhsuk-footer__list-item-link" href="${paths.accessibility}">`);

    // Every script carries the CSP nonce; nothing inline that the CSP would block.
    const scripts = startTags(html, 'script');
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(script).toContain('nonce="bm9uY2Utdmlld3MtdGVzdA=="');
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);

    const allIds = ids(html);
    expect(new Set(allIds).size).toBe(allIds.length);
  });

  test('the header shows the signed-in user, the navigation and a sign-out form that works without JavaScript', async () => {
    const html = await render('errors/not-found', baseLocals());

    expect(html).toContain('Priya Shah');
    expect(html).toMatch(
      new RegExp(
        `<form class="nhsuk-header__account-form" action="${paths.signOut}" method="post"[^>]*>\\s*` +
          '<input type="hidden" name="_csrf" value="csrf-token-from-the-session">\\s*' +
          '<button class="nhsuk-header__account-button" type="submit">Sign out</button>',
      ),
    );
    expect(html).toMatch(/<a class="nhsuk-header__navigation-link" href="\/" aria-current="page">/);
    expect(html).toMatch(
      /<a class="nhsuk-header__navigation-link" href="\/accessibility">Accessibility<\/a>/,
    );
    expect(html).toMatch(/<a class="nhsuk-header__service-logo" href="\/"/);
  });

  test('signed out, the header has neither navigation nor a sign-out form', async () => {
    const html = await render('errors/not-found', baseLocals({ currentUser: undefined }));

    expect(html).not.toContain('nhsuk-header__account');
    expect(html).not.toContain('nhsuk-header__navigation');
    expect(html).not.toContain('name="_csrf"');
  });

  test('values are HTML-escaped', async () => {
    const hostileUser = user({ displayName: HOSTILE, role: 'provider_lead' });
    const pagesWithHostileData = [
      await render('home/index', { ...baseLocals({ currentUser: hostileUser }), providerNames: [HOSTILE] }),
      await render('errors/forbidden', { ...baseLocals({ currentUser: hostileUser }), message: HOSTILE }),
      await render('accessibility/statement', {
        ...baseLocals({ currentUser: hostileUser }),
        organisationName: HOSTILE,
      }),
      await render('auth/local-sign-in', {
        ...baseLocals({ currentUser: undefined }),
        users: [{ ...demoUsers[1], displayName: HOSTILE, providerNames: [HOSTILE] }],
        errors: { userId: HOSTILE },
      }),
      await render('errors/server-error', baseLocals({ requestId: HOSTILE })),
    ];
    for (const html of pagesWithHostileData) {
      expect(html).not.toContain(HOSTILE);
      expect(html).toContain(HOSTILE_ESCAPED);
    }
  });

  test('the server error page shows the reference and never an error message or stack', async () => {
    const html = await render('errors/server-error', {
      ...baseLocals(),
      message: 'relation "provider" does not exist',
      details: 'Error: boom\n    at handler (/work/main/src/providers/routes.ts:12:7)',
    });

    expect(html).toContain('Reference: 0f9c2d4e-8a7b-4c1d-9e3f-5a6b7c8d9e0f');
    expect(html).toContain('Try again later');
    expect(html).not.toContain('does not exist');
    expect(html).not.toContain('boom');
    expect(html).not.toMatch(/\bat .*\.ts:\d+/);
  });

  test('the service unavailable page shows the reference', async () => {
    const html = await render('errors/service-unavailable', {
      ...baseLocals(),
      details: 'Error: connect ECONNREFUSED 127.0.0.1:5432',
    });

    expect(html).toContain('Reference: 0f9c2d4e-8a7b-4c1d-9e3f-5a6b7c8d9e0f');
    expect(html).not.toContain('ECONNREFUSED');
  });

  test('the forbidden page shows the message it is given', async () => {
    const html = await render('errors/forbidden', { ...baseLocals(), message: 'This form has expired.' });

    expect(html).toContain('<p>This form has expired.</p>');
  });

  test('local sign-in with an error: "Error: " title, a summary linking to the first radio, the selection kept', async () => {
    const html = await render('auth/local-sign-in', {
      ...baseLocals({ currentUser: undefined, navigation: [] }),
      users: demoUsers,
      errors: { userId: 'Select who you want to sign in as' },
      values: { userId: demoUsers[1]?.id },
    });

    expect(titleOf(html)).toBe(`Error: Sign in to the demo - ${SERVICE_NAME} - NHS`);
    expect(html).toMatch(/<div class="nhsuk-error-summary" data-module="nhsuk-error-summary">/);
    const summaryLinks = [...html.matchAll(/<a href="#([^"]+)">Select who you want to sign in as<\/a>/g)];
    expect(summaryLinks).toHaveLength(1);
    const fieldId = summaryLinks[0]?.[1] ?? '';
    expect(html).toContain(`<input class="nhsuk-radios__input" id="${fieldId}" name="userId" type="radio"`);
    expect(html).toContain('<div class="nhsuk-form-group nhsuk-form-group--error">');
    expect(html).toMatch(/<fieldset class="nhsuk-fieldset" aria-describedby="userId-hint userId-error">/);
    expect(html).toContain(
      '<span class="nhsuk-error-message" id="userId-error"><span class="nhsuk-u-visually-hidden">Error: </span>Select who you want to sign in as</span>',
    );
    expect(html).toMatch(/value="6fa459ea-ee8a-4ca4-894e-db77e160355e" checked/);
    expect(html).not.toMatch(/value="1b4e28ba-2fa1-41d2-883f-0016d3cca427" checked/);
  });

  test('local sign-in posts the chosen user and the CSRF token, with each role and provider shown', async () => {
    const html = await render('auth/local-sign-in', {
      ...baseLocals({ currentUser: undefined, navigation: [] }),
      users: demoUsers,
      errors: {},
    });

    expect(titleOf(html)).toBe(`Sign in to the demo - ${SERVICE_NAME} - NHS`);
    expect(html).not.toContain('nhsuk-error-summary');
    expect(html).toMatch(new RegExp(`<form action="${paths.localSignIn}" method="post"`));
    expect(html).toContain('<input type="hidden" name="_csrf" value="csrf-token-from-the-session">');
    expect(html).toContain('<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">');
    expect(html).toContain(
      'Provider lead, Leeds Teaching Hospitals NHS Trust. Contributor, St Gemma&#39;s Hospice. tom.barker@example.nhs.uk. Signs in by email link',
    );
    expect(html).toContain('Administrator. amira.okafor@example.nhs.uk');
    expect(html).toContain('switched off in production');
    expect(html).not.toMatch(/\schecked/);
  });

  test('the home page shows provider leads the providers they represent', async () => {
    const lead = await render('home/index', {
      ...baseLocals({ currentUser: user({ role: 'provider_lead' }) }),
      providerNames: ['Leeds Teaching Hospitals NHS Trust'],
    });
    expect(lead).toContain('Providers you represent');
    expect(lead).toContain('<li>Leeds Teaching Hospitals NHS Trust</li>');
  });

  test('the accessibility statement names the organisation, WCAG 2.2 AA, how it was tested, the EASS and the preparation date', async () => {
    const html = await render('accessibility/statement', {
      ...baseLocals(),
      organisationName: 'NHS West Yorkshire ICB',
    });

    expect(html).toContain('This website is run by NHS West Yorkshire ICB.');
    expect(html).toContain('fully compliant with the');
    expect(html).toContain('Web Content Accessibility Guidelines version 2.2</a> AA standard');
    // How it was tested: the browser tests' checks and the three ways they use the browser.
    expect(html).toContain('axe-core checks every WCAG 2.0, 2.1 and 2.2 level A and AA rule');
    expect(html).toContain('html-validate');
    expect(html).toContain('with the keyboard alone');
    expect(html).toContain('with JavaScript turned off');
    expect(html).toContain('Equality Advisory and Support Service (EASS)');
    expect(html).toContain('prepared on 22 November 2026');

    const withoutName = await render('accessibility/statement', baseLocals());
    expect(withoutName).toContain('This website is run by the commissioning organisation.');
  });
});

describe('components', () => {
  const component = (name: string, params: object) =>
    ejs.renderFile(join(VIEWS_DIR, 'components', `${name}.ejs`), { ...baseLocals(), ...params });

  test('every table header cell has a scope, and nested tags render their own options only', async () => {
    const html = await component('table', {
      caption: { text: 'Returns due', size: 'm' },
      head: ['Provider', { text: 'Requirements answered', format: 'numeric' }, 'Status'],
      rows: [
        [
          { text: 'Leeds Teaching Hospitals NHS Trust', href: paths.home },
          { text: '12', format: 'numeric' },
          { component: 'tag', params: { text: 'Overdue', colour: 'red' } },
        ],
        [HOSTILE, '3', { component: 'tag', params: { text: 'Submitted' } }],
      ],
      firstCellIsHeader: true,
      classes: 'app-table-under-test',
    });

    const headerCells = startTags(html, 'th');
    expect(headerCells).toHaveLength(5);
    for (const cell of headerCells) expect(cell).toMatch(/\sscope="(col|row)"/);
    expect(headerCells.filter((cell) => cell.includes('scope="row"'))).toHaveLength(2);
    expect(html).toContain(
      '<caption class="nhsuk-table__caption nhsuk-table__caption--m">Returns due</caption>',
    );
    expect(html).toContain('<strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong>');
    expect(html).toContain('<strong class="nhsuk-tag">Submitted</strong>');
    expect(html).toContain('class="nhsuk-table__cell nhsuk-table__cell--numeric"');
    expect(html).not.toContain(HOSTILE);
  });

  test('a responsive table keeps scopes and repeats the column header in each cell', async () => {
    const html = await component('table', {
      head: ['Standard', 'Rating'],
      rows: [['AIS 2025', 'Achieving']],
      responsive: true,
    });

    for (const cell of startTags(html, 'th')) expect(cell).toMatch(/\sscope="col"/);
    expect(html).toContain('<span class="nhsuk-table__heading" aria-hidden="true">Rating </span>');
  });

  test('select links its hint and error, keeps the choice and escapes option text', async () => {
    const html = await component('select', {
      name: 'providerId',
      label: { text: 'Provider', size: 's' },
      hint: 'The provider they lead',
      errorMessage: 'Select the provider',
      value: 'b',
      items: [
        { value: '', text: 'Select a provider' },
        { value: 'a', text: HOSTILE },
        { value: 'b', text: 'Bravo Care Home' },
      ],
    });
    expect(html).toContain('<label class="nhsuk-label nhsuk-label--s" for="providerId">Provider</label>');
    expect(html).toContain(
      '<select class="nhsuk-select nhsuk-select--error" id="providerId" name="providerId" aria-describedby="providerId-hint providerId-error">',
    );
    expect(html).toContain('<div class="nhsuk-form-group nhsuk-form-group--error">');
    expect(html).toContain('<option value="b" selected>Bravo Care Home</option>');
    expect(html).toContain('<option value="">Select a provider</option>');
    expect(html).not.toContain(HOSTILE);
  });

  test('input and textarea link their hint and error with aria-describedby and keep the value', async () => {
    const input = await component('input', {
      name: 'odsCode',
      label: 'ODS code',
      hint: 'For example, RR8',
      errorMessage: 'Enter an ODS code',
      value: '"><script>',
    });
    expect(input).toContain('<label class="nhsuk-label" for="odsCode">ODS code</label>');
    expect(input).toMatch(
      /<input class="nhsuk-input nhsuk-input--error" id="odsCode" name="odsCode" type="text"/,
    );
    expect(input).toContain('aria-describedby="odsCode-hint odsCode-error"');
    expect(input).toContain('value="&#34;&gt;&lt;script&gt;"');

    const textarea = await component('textarea', {
      name: 'narrative',
      label: { text: 'Narrative for outcome 1A', size: 'm' },
      value: 'Line one <b>',
    });
    expect(textarea).toContain('<label class="nhsuk-label nhsuk-label--m" for="narrative">');
    expect(textarea).toMatch(
      /<textarea class="nhsuk-textarea" id="narrative" name="narrative" rows="5">Line one &lt;b&gt;<\/textarea>/,
    );
  });

  test('the summary list renders rows, actions with hidden context and nested tags', async () => {
    const html = await component('summary-list', {
      rows: [
        {
          key: 'Provider',
          value: 'Leeds Teaching Hospitals NHS Trust',
          actions: { items: [{ href: paths.home, text: 'Change', visuallyHiddenText: 'provider' }] },
        },
        { key: 'Status', value: { component: 'tag', params: { text: 'Accepted', colour: 'green' } } },
      ],
    });

    expect(html).toContain('<dt class="nhsuk-summary-list__key">Provider</dt>');
    expect(html).toContain(
      '<a class="nhsuk-link" href="/">Change<span class="nhsuk-u-visually-hidden"> provider</span></a>',
    );
    expect(html).toContain('<div class="nhsuk-summary-list__row nhsuk-summary-list__row--no-actions">');
    expect(html).toContain('<strong class="nhsuk-tag nhsuk-tag--green">Accepted</strong>');
  });

  test('buttons, back links and inset text use the v10 classes', async () => {
    expect(await component('button', { text: 'Save', variant: 'secondary' })).toMatch(
      /<button class="nhsuk-button nhsuk-button--secondary" data-module="nhsuk-button" type="submit">\s*Save\s*<\/button>/,
    );
    expect(await component('button', { text: 'Start', href: paths.home })).toMatch(
      /<a class="nhsuk-button" data-module="nhsuk-button" href="\/" role="button" draggable="false">/,
    );
    expect(await component('back-link', { href: paths.home })).toContain(
      '<a class="nhsuk-back-link" href="/">Back</a>',
    );
    expect(await component('inset-text', { text: 'Returns are due by 31 March.' })).toContain(
      '<span class="nhsuk-u-visually-hidden">Information: </span>',
    );
  });
});

describe('static assets the views link to', () => {
  function appWithStatic(): express.Express {
    const app = express();
    setUpStatic(app);
    app.use((_req, res) => {
      res.status(404).send('app 404 page');
    });
    return app;
  }

  test('the nhsuk-frontend files named in page-start and page-end exist in the installed package', async () => {
    const html = await render('errors/not-found', baseLocals());
    const nhsukFiles = [...html.matchAll(new RegExp(`${paths.assets.nhsuk}/([^"']+)`, 'g'))].map(
      (match) => match[1] ?? '',
    );
    expect(nhsukFiles).toEqual(
      expect.arrayContaining([
        `nhsuk-frontend-${NHSUK_FRONTEND_VERSION}.min.css`,
        `nhsuk-frontend-${NHSUK_FRONTEND_VERSION}.min.js`,
      ]),
    );
    for (const file of nhsukFiles) expect(existsSync(join(NHSUK_DIST_DIR, file))).toBe(true);

    const appFiles = [...html.matchAll(new RegExp(`${paths.assets.app}/([^"']+)`, 'g'))].map(
      (match) => match[1] ?? '',
    );
    expect(appFiles).toEqual(['css/app.css', 'css/print.css']);
    for (const file of appFiles) expect(existsSync(join(PUBLIC_DIR, file))).toBe(true);
  });

  test('versioned nhsuk files are cached for good, app files briefly, and misses reach the app 404', async () => {
    const app = appWithStatic();

    const css = await request(app).get(
      `${paths.assets.nhsuk}/nhsuk-frontend-${NHSUK_FRONTEND_VERSION}.min.css`,
    );
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    const js = await request(app).get(
      `${paths.assets.nhsuk}/nhsuk-frontend-${NHSUK_FRONTEND_VERSION}.min.js`,
    );
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);

    const favicon = await request(app).get(`${paths.assets.nhsuk}/assets/images/favicon.svg`);
    expect(favicon.status).toBe(200);
    expect(favicon.headers['cache-control']).toBe('public, max-age=86400');

    // The compiled CSS asks for its icons at /assets/images/.
    expect((await request(app).get('/assets/images/nhsuk-icon-cross.svg')).status).toBe(200);

    const appCss = await request(app).get(`${paths.assets.app}/css/app.css`);
    expect(appCss.status).toBe(200);
    expect(appCss.headers['cache-control']).toBe('public, max-age=600');

    for (const miss of [
      `${paths.assets.nhsuk}/`,
      `${paths.assets.nhsuk}/missing.css`,
      `${paths.assets.app}/css/`,
    ]) {
      const response = await request(app).get(miss);
      expect(response.status).toBe(404);
      expect(response.text).toBe('app 404 page');
    }
  });
});
