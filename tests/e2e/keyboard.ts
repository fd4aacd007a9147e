import type { Locator, Page } from 'playwright-core';

// Keyboard-only use of a page: reaching a control with Tab or Shift+Tab, and an audit of a whole
// page's tab order (skip link first and working, every stop visibly focused, in document order,
// and no stop that keeps focus).

/** Most tab stops any page of the journey has, with room to spare: more means focus is stuck. */
const MAX_TAB_STOPS = 400;

/** Where focus is, as a short description for failure messages. */
// The code run in the page is written as strings: this project's TypeScript has no DOM types.
async function describeFocus(page: Page): Promise<string> {
  return String(
    await page.evaluate(`(() => {
      const element = document.activeElement;
      if (!element || element === document.body) return '(nothing: the page body)';
      const text = (element.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
      return '<' + element.tagName.toLowerCase() + (element.id ? ' id="' + element.id + '"' : '') + '> ' + text;
    })()`),
  );
}

/**
 * The little of the browser's DOM that the functions run in the page use: this project has no DOM
 * types, and Playwright runs these functions in the page, where the real objects are.
 */
interface DomElement {
  readonly type?: string;
  readonly name?: string;
  readonly form?: unknown;
  compareDocumentPosition(other: DomElement): number;
}
declare const document: { readonly activeElement: DomElement | null; readonly body: DomElement };
declare const Node: { readonly DOCUMENT_POSITION_PRECEDING: number };

async function isFocused(target: Locator): Promise<boolean> {
  if ((await target.count()) === 0) return false;
  return target.evaluate((element: DomElement) => element === document.activeElement);
}

/**
 * Tabs (forwards, or backwards when the target comes before the focus) until the target, or with
 * `group` any radio button of the target's group (Tab stops once per group), has focus.
 */
export async function tabTo(page: Page, target: Locator, options: { group?: boolean } = {}): Promise<void> {
  await target.waitFor({ state: 'attached' });
  const backwards = await target.evaluate((element: DomElement) => {
    const focused = document.activeElement;
    if (!focused || focused === document.body) return false;
    return (focused.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_PRECEDING) !== 0;
  });
  const reached = () =>
    target.evaluate((element: DomElement, group: boolean) => {
      const focused = document.activeElement;
      if (focused === element) return true;
      return (
        group && focused?.type === 'radio' && focused.name === element.name && focused.form === element.form
      );
    }, options.group ?? false);
  for (let presses = 0; presses < MAX_TAB_STOPS; presses++) {
    if (await reached()) return;
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(
    `Could not reach ${target.toString()} with the keyboard; focus is on ${await describeFocus(page)}`,
  );
}

/** Follows a link or presses a button: Enter, as a keyboard user would. */
export async function pressWithKeyboard(page: Page, target: Locator): Promise<void> {
  await tabTo(page, target);
  await page.keyboard.press('Enter');
}

/** Types into a field (replacing what is there). */
export async function typeWithKeyboard(page: Page, field: Locator, text: string): Promise<void> {
  await tabTo(page, field);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

/** Ticks a checkbox with Space, or picks a radio with the arrow keys (Tab reaches only one per group). */
export async function chooseWithKeyboard(page: Page, option: Locator): Promise<void> {
  const type = await option.getAttribute('type');
  if (type === 'checkbox') {
    await tabTo(page, option);
    if (!(await option.isChecked())) await page.keyboard.press('Space');
    return;
  }
  await tabTo(page, option, { group: true });
  const count = await page
    .locator(`input[type="radio"][name="${(await option.getAttribute('name')) ?? ''}"]`)
    .count();
  for (let presses = 0; presses <= count; presses++) {
    if (await isFocused(option)) {
      if (!(await option.isChecked())) await page.keyboard.press('Space');
      return;
    }
    await page.keyboard.press('ArrowDown');
  }
  throw new Error(`The arrow keys never reached ${option.toString()}`);
}

// What makes focus visible, read in the page: the element's own styles, its ::before and ::after, and
// for a visually hidden radio or checkbox the label that draws it (NHS.UK styles label::before).
const FOCUS_STYLE_SCRIPT = `
  window.__focusStyle = (element) => {
    const props = ['outline-style', 'outline-width', 'outline-color', 'box-shadow', 'background-color',
      'color', 'text-decoration-line', 'text-decoration-thickness', 'border-color', 'border-width'];
    const read = (target, pseudo) => {
      const style = getComputedStyle(target, pseudo);
      return props.map((name) => style.getPropertyValue(name)).join('|');
    };
    const parts = [read(element, null), read(element, '::before'), read(element, '::after')];
    const label = element.id ? document.querySelector('label[for="' + CSS.escape(element.id) + '"]') : null;
    if (label) parts.push(read(label, null), read(label, '::before'), read(label, '::after'));
    return parts.join('||');
  };
  window.__unfocusedStyles = new Map();
  for (const element of document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')) {
    window.__unfocusedStyles.set(element, window.__focusStyle(element));
  }
  window.__previousFocus = null;
  window.__firstStop = null;
`;

interface TabStop {
  description: string;
  same: boolean;
  inOrder: boolean;
  visible: boolean;
  styled: boolean;
  atBody: boolean;
}

const TAB_STOP_SCRIPT = `(() => {
  const element = document.activeElement;
  const previous = window.__previousFocus;
  // The end of the page: focus left it (the body has it), or came round to the first stop again.
  if (!element || element === document.body || element === window.__firstStop) {
    return { atBody: true, description: 'body', same: false, inOrder: true, visible: true, styled: true };
  }
  if (!window.__firstStop) window.__firstStop = element;
  window.__previousFocus = element;
  const rect = element.getBoundingClientRect();
  const before = window.__unfocusedStyles.get(element);
  const text = (element.textContent || element.getAttribute('aria-label') || element.getAttribute('name') || '')
    .trim().replace(/\\s+/g, ' ').slice(0, 60);
  return {
    atBody: false,
    description: '<' + element.tagName.toLowerCase() + (element.id ? ' id="' + element.id + '"' : '') + '> ' + text,
    same: element === previous,
    inOrder: !previous || Boolean(previous.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING),
    visible: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < window.innerHeight,
    styled: before !== undefined && before !== window.__focusStyle(element),
  };
})()`;

const skipLinkOf = (page: Page) => page.locator('a.nhsuk-skip-link');
const bodyHasFocus = (page: Page) => page.evaluate<boolean>('document.activeElement === document.body');

/**
 * Audits the keyboard use of the page now shown, as it loaded: the first Tab reaches the skip link
 * (or, on a page with errors, focus starts on the error summary); from the skip link every Tab moves
 * focus forward in document order to an element on screen that looks different when focused, until
 * focus leaves the page or comes round to the skip link again (no trap); Shift+Tab from there comes
 * back; and the skip link, activated with Enter, moves focus to the main content. Returns the number
 * of tab stops, and throws describing every problem found.
 */
export async function auditKeyboard(page: Page): Promise<number> {
  const problems: string[] = [];
  const positive = await page.locator('[tabindex]:not([tabindex="0"]):not([tabindex^="-"])').count();
  if (positive > 0) problems.push(`${positive} element(s) with a positive tabindex change the tab order`);
  await page.evaluate(FOCUS_STYLE_SCRIPT);

  const skipLink = skipLinkOf(page);
  if (await bodyHasFocus(page)) {
    await page.keyboard.press('Tab');
    if (!(await isFocused(skipLink)))
      problems.push(`the first Tab reached ${await describeFocus(page)}, not the skip link`);
  } else {
    // NHS.UK frontend moves focus to the error summary when a page with errors loads.
    const onSummary = await page.evaluate<boolean>(
      'document.activeElement.classList.contains("nhsuk-error-summary")',
    );
    if (!onSummary) problems.push(`${await describeFocus(page)} had focus when the page loaded`);
    // Back to the top of the page with Shift+Tab.
    for (let presses = 0; presses < MAX_TAB_STOPS && !(await isFocused(skipLink)); presses++) {
      await page.keyboard.press((await bodyHasFocus(page)) ? 'Tab' : 'Shift+Tab');
    }
  }

  const stops: string[] = [];
  for (;;) {
    const stop = await page.evaluate<TabStop>(TAB_STOP_SCRIPT);
    if (stop.atBody) break;
    if (stop.same) problems.push(`Tab kept focus on ${stop.description}`);
    if (!stop.inOrder) problems.push(`Tab went back up the page to ${stop.description}`);
    if (!stop.visible) problems.push(`${stop.description} has focus but is not on screen`);
    if (!stop.styled) problems.push(`${stop.description} looks the same focused as not`);
    stops.push(stop.description);
    if (stop.same || stops.length > MAX_TAB_STOPS) {
      problems.push(`focus is trapped at ${stop.description}`);
      break;
    }
    await page.keyboard.press('Tab');
  }
  if (stops.length === 0) problems.push('Tab never focused anything');

  // Back in from the end: Shift+Tab reaches the last stop again (through the body, if focus left the page).
  await page.keyboard.press('Shift+Tab');
  if (await bodyHasFocus(page)) await page.keyboard.press('Shift+Tab');
  if (
    stops.length > 0 &&
    !(await page.evaluate<boolean>('document.activeElement === window.__previousFocus'))
  ) {
    problems.push(`Shift+Tab from the end of the page reached ${await describeFocus(page)}`);
  }

  // The skip link: Tab from the end of the page round to its top, Enter, and focus is on <main>.
  await page.keyboard.press('Tab');
  if (await bodyHasFocus(page)) await page.keyboard.press('Tab');
  if (!(await isFocused(skipLink))) {
    problems.push(`after leaving the page, Tab reached ${await describeFocus(page)}, not the skip link`);
  } else {
    await page.keyboard.press('Enter');
    const onMain = await page.evaluate(
      'document.activeElement && document.activeElement.id === "maincontent"',
    );
    if (!onMain)
      problems.push(`the skip link moved focus to ${await describeFocus(page)}, not the main content`);
    await page.keyboard.press('Tab');
    // The next stop is in the main content, or after it when the main content has no links or fields.
    const pastHeader = await page.evaluate<boolean>(
      `(() => {
        const main = document.getElementById('maincontent');
        const focused = document.activeElement;
        return main.contains(focused) || Boolean(main.compareDocumentPosition(focused) & Node.DOCUMENT_POSITION_FOLLOWING);
      })()`,
    );
    if (!pastHeader)
      problems.push(`Tab after the skip link reached ${await describeFocus(page)}, before the main content`);
  }
  if (problems.length > 0) {
    throw new Error(`Keyboard problems on ${new URL(page.url()).pathname}:\n- ${problems.join('\n- ')}`);
  }
  return stops.length;
}
