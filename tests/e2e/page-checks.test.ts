import type { Browser, Page } from 'playwright-core';
import { BOUNDS } from '../support/bounds.js';
import { launchChromium, newPersonContext, PageChecks } from '../support/browser.js';
import { auditKeyboard } from './keyboard.js';

// The checks the journeys rely on must fail on pages that break the rules: each page here is served
// to Chromium by the test itself (no app), with one problem at a time.

const ORIGIN = 'http://checks.test';

const page = (head: string, main: string) => `<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8"><title>${head}</title>
    <style>a { display: inline-block; padding: 8px; } a:focus { outline: 3px solid #ffeb3b; }</style></head>
  <body>
    <a class="nhsuk-skip-link" href="#maincontent">Skip to main content</a>
    <header><a href="/">Home</a></header>
    <main id="maincontent" tabindex="-1">${main}</main>
  </body>
</html>`;

const GOOD = page('A page', '<h1>A page</h1><p><a href="/next">Next</a></p>');

let browser: Browser | undefined;
let tab: Page;
let checks: PageChecks;

beforeAll(async () => {
  browser = await launchChromium();
  const context = await newPersonContext(browser, { javaScript: true });
  context.setDefaultTimeout(BOUNDS.browserAction);
  tab = await context.newPage();
  checks = new PageChecks(browser);
  checks.watch(tab);
});
afterAll(async () => {
  // Nothing to close when Chromium is missing (beforeAll then fails, saying how to install it).
  await browser?.close();
});

/** Shows `html` at `path`, served as the app would serve it. */
async function show(path: string, html: string): Promise<void> {
  await tab.route(`${ORIGIN}${path}`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
  );
  await tab.goto(`${ORIGIN}${path}`);
}

test('a good page passes every check and its keyboard audit', async () => {
  await show('/good', GOOD);
  expect(await checks.check(tab)).toBe('A page');
  expect(await auditKeyboard(tab)).toBe(3);
});

test('text too faint to read fails axe, naming the rule', async () => {
  const faint = page('Faint', '<h1>Faint</h1><p class="faint">Hard to read</p>').replace(
    '</style>',
    '.faint { color: #dddddd; }</style>',
  );
  await show('/faint', faint);
  await expect(checks.check(tab)).rejects.toThrow(/axe found 1 violation\(s\)[\s\S]*- color-contrast/);
});

test('invalid HTML fails html-validate', async () => {
  await show('/invalid', page('Invalid', '<h1>Twice</h1><p id="x">a</p><p id="x">b</p>'));
  await expect(checks.check(tab)).rejects.toThrow(/not valid:[\s\S]*no-dup-id/);
});

test('two controls of one name in a form fail, unless they are a radio, checkbox or button group', async () => {
  const form = (inside: string) =>
    `<h1>Form</h1><form method="post" action="/save">${inside}<button type="submit">Save</button></form>`;
  const note = (id: string) => `<label for="${id}">Note</label><input type="text" id="${id}" name="note">`;
  // As the server sent it: html-validate's form-dup-name (configured in .htmlvalidate.json).
  const twice = `<input type="hidden" name="_csrf" value="a">${note('a')}${note('b')}`;
  await show('/duplicate-names', page('Duplicate names', form(twice)));
  await expect(checks.check(tab)).rejects.toThrow(
    /HTML of \/duplicate-names is not valid:\n- form-dup-name line \d+:\d+: Duplicate form control name "note"/,
  );
  // As the person has it, after the page's scripts ran: the document's own forms.
  const added = page('Added names', form(note('a'))).replace(
    '</body>',
    `<script>document.querySelector('form').insertAdjacentHTML('afterbegin', '<input type="hidden" name="note" value="x">');</script></body>`,
  );
  await show('/added-names', added);
  await expect(checks.check(tab)).rejects.toThrow(
    /\/added-names has form controls sharing a name:\n- form 1 \(\/save\): 2 controls named "note" \(input\[hidden\], input\[text\]\)/,
  );
  // Groups send one value per choice; the same name in two forms is two requests.
  const groups =
    '<fieldset><legend>Colour</legend><input type="radio" id="r1" name="colour" value="red"><label for="r1">Red</label>' +
    '<input type="radio" id="r2" name="colour" value="blue"><label for="r2">Blue</label></fieldset>' +
    '<fieldset><legend>Days</legend><input type="checkbox" id="c1" name="day" value="mon"><label for="c1">Mon</label>' +
    '<input type="checkbox" id="c2" name="day" value="tue"><label for="c2">Tue</label></fieldset>' +
    '<button type="submit" name="action" value="save">Save only</button>';
  const other = `<form method="post" action="/other">${note('c')}<button type="submit" name="action" value="go">Go</button></form>`;
  await show('/grouped-names', page('Grouped names', form(groups + note('d')) + other));
  expect(await checks.check(tab)).toBe('Grouped names');
});

test('an error summary needs "Error: " in the title', async () => {
  const summary = '<div class="nhsuk-error-summary"><h2>There is a problem</h2></div><h1>Form</h1>';
  await show('/errors', page('Form', summary));
  await expect(checks.check(tab)).rejects.toThrow(/"Error: " prefix/);
});

test('two pages with one title are reported', async () => {
  await show('/first', page('Same title', '<h1>One</h1>'));
  await checks.check(tab);
  await show('/second', page('Same title', '<h1>Two</h1>'));
  await checks.check(tab);
  expect(checks.sharedTitles()).toEqual([{ title: 'Same title', pages: ['/first', '/second'] }]);
});

test('the keyboard audit finds an invisible focus, a positive tabindex and a missing skip link', async () => {
  const bad = GOOD.replace('</style>', 'a:focus { outline: none; }</style>').replace(
    '<a class="nhsuk-skip-link" href="#maincontent">Skip to main content</a>',
    '<a href="/elsewhere" tabindex="2">Elsewhere</a>',
  );
  await show('/bad-keyboard', bad);
  const audit = auditKeyboard(tab);
  await expect(audit).rejects.toThrow(/positive tabindex/);
  await expect(audit).rejects.toThrow(/not the skip link/);
  await expect(audit).rejects.toThrow(/looks the same focused as not/);
});

test('a page wider than 320 CSS px fails the reflow check; the same table in a labelled scroll region passes', async () => {
  const table = `<table><caption>Wide</caption><tbody><tr>${'<td>cell&nbsp;of&nbsp;a&nbsp;wide&nbsp;table</td>'.repeat(8)}</tr></tbody></table>`;
  await show('/wide', page('Wide', `<h1>Wide</h1>${table}`));
  await expect(checks.check(tab)).rejects.toThrow(
    /\/wide scrolls sideways at 320 CSS px: the page is \d+ px wide \(table/,
  );
  const region = page(
    'Wide in a region',
    `<h1>Wide in a region</h1><section aria-label="Wide table" tabindex="0" class="scroll">${table}</section>`,
  ).replace(
    '</style>',
    '.scroll { overflow-x: auto; } .scroll:focus { outline: 3px solid #ffeb3b; }</style>',
  );
  await show('/wide-in-region', region);
  expect(await checks.check(tab)).toBe('Wide in a region');
  // The window is back to its own size afterwards.
  expect(tab.viewportSize()?.width).toBe(1280);
});
