// The Developer Portal web app in a real Chromium (Debian's `chromium`, driven by playwright-core — no
// browser download) against the real Key Manager, portal, PostgreSQL and NATS with encryption on: the
// portal user's whole story (and again with the keyboard alone), storage and CSP checks, axe-core on every page, isolation between users, and
// a Key Manager outage in the middle of a form; then, on a second stack storing secrets as hashes, the
// consumer secret shown once. Screenshots go to dist/screenshots/ (the main ones are
// copied to docs/images/ by hand). `.ci/run` installs chromium when it is missing.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { dropSchema, queryTestDatabase } from '../support/test-database.js';
import { startStackForTest, type StackUnderTest } from '../support/devportal.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { createTestKeystore } from '../support/test-keystore.js';

jest.setTimeout(300_000);

// Functions given to page.evaluate run in the page; the repository's type library is Node's, so the few
// browser globals they use are declared here (module scope: nothing leaks into other files).
declare const window: unknown;
declare const document: {
  addEventListener(type: 'securitypolicyviolation', listener: (e: { violatedDirective: string; blockedURI: string; sample: string }) => void): void;
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): ArrayLike<{ getBoundingClientRect(): { right: number; width: number }; tagName: string; className: string; textContent: string | null }>;
  documentElement: { scrollWidth: number };
  activeElement: unknown;
  cookie: string;
};
declare function getComputedStyle(element: unknown): { outlineStyle: string; outlineWidth: string };
declare const navigator: { clipboard: { readText(): Promise<string> } };
declare const localStorage: Record<string, string>;
declare const sessionStorage: Record<string, string>;

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SHOTS = 'dist/screenshots';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let tmp: TestConfigDir;
let nats: PrivateNats;
let stack: StackUnderTest;
let browser: Browser;
let keyManagerStopped = false;
const cspViolations: string[] = [];
const pageErrors: string[] = [];
/** Every page (document) the browser loaded, from either service, with its Content-Security-Policy header. */
const documents: Array<{ url: string; csp: string | undefined }> = [];
/** Every secret the story saw: none may be in script-readable storage. */
const secrets: string[] = [];

async function newContext(viewport = { width: 1280, height: 900 }, on: StackUnderTest = stack): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: on.devportal.baseUrl });
  // Recorded in the page (init scripts are not subject to the page's CSP); read back by cspViolationsOf.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const w = window as { __csp?: string[] };
      (w.__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    });

  });
  context.on('page', (page) => watch(page));
  return context;
}

/** The page a test drives now (the last one opened), and the API calls it made that failed: what a failure reports. */
let currentPage: Page | undefined;
const failedCalls: string[] = [];

function watch(page: Page): void {
  currentPage = page;
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('response', (response) => {
    if (response.request().resourceType() === 'document') documents.push({ url: response.url(), csp: response.headers()['content-security-policy'] });
    if (response.status() >= 400) {
      const call = `${new Date().toISOString()} ${response.request().method()} ${new URL(response.url()).pathname} → ${response.status()}`;
      // The problem's description (WSO2's error shape) says why; its body is read while the page still has it.
      void response
        .json()
        .then((body: { description?: string }) => `${call}: ${String(body?.description ?? '').slice(0, 300)}`)
        .catch(() => call)
        .then((line) => failedCalls.push(line));
    }
  });
}

/** What the page showed: its URL, headings, alerts (service banners, field errors) and the API calls that failed. */
async function pageReport(page: Page): Promise<string> {
  const texts = async (selector: string) =>
    (await page.locator(selector).allInnerTexts().catch(() => [] as string[])).map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
  return [
    `page: ${page.url()}`,
    `headings: ${JSON.stringify(await texts('h1, h2'))}`,
    `alerts: ${JSON.stringify(await texts('[role="alert"], .error-text'))}`,
    `failed API calls (last 5): ${JSON.stringify(failedCalls.slice(-5))}`,
  ].join('\n');
}

/** A test body whose failure also says what the page showed, so a failed CI run tells why, not only what it waited for. */
function reporting(body: () => Promise<void>): () => Promise<void> {
  return async () => {
    failedCalls.length = 0;
    try {
      await body();
    } catch (error) {
      const report = currentPage && !currentPage.isClosed() ? await pageReport(currentPage) : 'no page open';
      const addition = `\n\nWhat the browser showed:\n${report}`;
      if (error instanceof Error) {
        // Jest prints the stack, which holds the message as it was when the error was made: add it there too.
        error.message += addition;
        const at = error.stack?.indexOf('\n    at ') ?? -1;
        if (error.stack) error.stack = at < 0 ? `${error.stack}${addition}` : `${error.stack.slice(0, at)}${addition}${error.stack.slice(at)}`;
        throw error;
      }
      throw new Error(`${String(error)}${addition}`, { cause: error });
    }
  };
}

/** The CSP violations the page reported since the last call (then forgotten). */
async function collectCspViolations(page: Page, name: string): Promise<void> {
  const recorded = await page.evaluate(() => {
    const w = window as { __csp?: string[] };
    const list = w.__csp ?? [];
    w.__csp = [];
    return list;
  });
  cspViolations.push(...recorded.map((v) => `${name}: ${v}`));
}

/**
 * axe-core on the current page: no serious or critical violation (WCAG 2.x A and AA rules). The page's own
 * CSP violations are collected first; axe's (it adds <style> elements while it measures, which the CSP
 * rightly refuses) are dropped after it ran.
 */
async function expectAccessible(page: Page, name: string): Promise<void> {
  await collectCspViolations(page, name);
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (window as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  expect({ page: name, violations }).toEqual({ page: name, violations: [] });
  await page.evaluate(() => ((window as { __csp?: string[] }).__csp = []));
}

/** Phone width: the page scrolls only vertically — nothing sticks out to the right (named when something does). */
async function expectFitsWidth(page: Page, name: string, width: number): Promise<void> {
  const overflow = await page.evaluate((w) => {
    const wide = Array.from(document.querySelectorAll('body *'))
      .filter((e) => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > w + 0.5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} "${(e.textContent ?? '').slice(0, 30)}" ends at ${Math.round(e.getBoundingClientRect().right)}px`);
    return { scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 5) };
  }, width);
  expect({ page: name, ...overflow }).toEqual({ page: name, scrollWidth: expect.any(Number), wide: [] });
  expect(overflow.scrollWidth).toBeLessThanOrEqual(width);
}

/** The control is on screen at this width (not pushed off to the right) before the test presses it. */
async function expectOnScreen(control: ReturnType<Page['getByRole']>, width: number): Promise<void> {
  await control.scrollIntoViewIfNeeded();
  const box = await control.boundingBox();
  expect(box).not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(width);
}

/**
 * Keyboard only: presses Tab until `target` has the focus (failing after `max` presses), checks that the focus
 * is visible (an outline), then presses `key` on it when one is given.
 */
async function tabTo(page: Page, target: ReturnType<Page['getByRole']>, key?: 'Enter' | 'Space', max = 60): Promise<void> {
  for (let presses = 0; ; presses++) {
    if (await target.evaluate((e) => e === document.activeElement).catch(() => false)) break;
    if (presses === max) throw new Error(`${target.toString()}: not reached with ${max} presses of Tab`);
    await page.keyboard.press('Tab');
  }
  const outline = await target.evaluate((e) => getComputedStyle(e).outlineStyle);
  expect({ target: target.toString(), outline }).toEqual({ target: target.toString(), outline: expect.not.stringMatching(/^none$/) });
  if (key) await page.keyboard.press(key);
}

/** Waits (up to 10 s) until `check` holds: the page's focus moves a moment after the key that moves it. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await check()); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
  }
}

async function shot(page: Page, name: string): Promise<void> {
  // caret: 'initial' — hiding the caret would inject a <style> element, which the CSP (rightly) refuses.
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true, caret: 'initial' });
}

async function introspect(consumerKey: string, consumerSecret: string, token: string): Promise<{ status: number; active?: boolean }> {
  const response = await fetch(`${stack.keyManager.baseUrl}/oauth2/introspect`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  const body = response.status === 200 ? ((await response.json()) as { active: boolean }) : undefined;
  return { status: response.status, ...(body ? { active: body.active } : {}) };
}

/** Signs up in the web app and signs in on the Key Manager's page; leaves the page on the applications list. */
async function signUpAndSignIn(page: Page, username: string, password: string, options: { screenshots?: boolean } = {}, on: StackUnderTest = stack): Promise<void> {
  await page.goto(`${on.devportal.baseUrl}/devportal/`);
  if (options.screenshots) await expectAccessible(page, 'home (signed out)');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByText('At least 8 characters (not met yet)').waitFor();
  if (options.screenshots) {
    await expectAccessible(page, 'sign-up');
    await shot(page, '01-sign-up');
  }
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Account created' }).waitFor();
  if (options.screenshots) await expectAccessible(page, 'account created');
  await page.getByRole('link', { name: 'Sign in' }).last().click();
  // The Key Manager's page, naming the application (the portal), not its client id.
  await page.waitForURL(`${on.keyManager.baseUrl}/oauth2/authorize**`);
  expect(await page.textContent('body')).toContain('Developer Portal');
  expect(await page.textContent('body')).not.toContain('apim-devportal');
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  if (options.screenshots) {
    await expectAccessible(page, 'key-manager sign-in');
    await shot(page, '02-key-manager-sign-in');
  }
  await page.getByRole('button', { name: 'Sign in and allow' }).click();
  await page.waitForURL((url) => url.toString().startsWith(`${on.devportal.baseUrl}/devportal/`));
  await page.getByRole('heading', { name: 'Applications' }).waitFor({ timeout: 10_000 }).catch(async () => {
    throw new Error(`after sign-in: ${page.url()}: ${await page.textContent('body')}`);
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`);
  mkdirSync(SHOTS, { recursive: true });
  tmp = await makeTempDir('devportal-web-');
  const keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url, devportal: { tokenCacheTtlSec: 1 } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
});

afterAll(async () => {
  await browser?.close();
  if (keyManagerStopped) {
    await stack?.devportal.stop();
    await dropSchema(stack.keyManager.schema).catch(() => undefined);
  } else {
    await stack?.stop();
  }
  await nats?.stop();
  await tmp?.remove();
});

describe('the Developer Portal web app in Chromium', () => {
  let aliceApplicationUrl = '';

  it('signs up, signs in through the Key Manager, creates an application, gets keys and a token, regenerates, adds and revokes secrets, deletes and signs out', reporting(async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signUpAndSignIn(page, 'alice', 'alice has a long password 1', { screenshots: true });

    // The empty state says what to do next.
    await page.getByText('You have no applications yet.').waitFor();
    await expectAccessible(page, 'applications (empty)');
    await shot(page, '03-applications-empty');
    await page.getByRole('link', { name: 'Create your first application' }).click();
    await page.getByLabel('Name').fill('Weather app');
    await page.getByLabel('Description').fill('Reads the forecast');
    await expectAccessible(page, 'create application');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Weather app' }).waitFor();
    aliceApplicationUrl = page.url();

    // Production keys: generate with the default grant types and one scope the keys may be granted.
    await page.getByLabel('Scopes the keys may be granted (space-separated, optional)').fill('forecast:read');
    await expectAccessible(page, 'application (no keys)');
    await shot(page, '04-generate-keys');
    await page.getByRole('button', { name: 'Generate keys' }).click();
    const consumerKey = (await page.getByTestId('consumer-key').textContent())!;
    expect(consumerKey).toMatch(/^\S{10,}$/);
    // Masked until revealed.
    expect(await page.getByTestId('consumer-secret').textContent()).toMatch(/^•+$/);
    await page.getByRole('button', { name: 'Reveal' }).click();
    const secret = (await page.getByTestId('consumer-secret').textContent())!;
    expect(secret).not.toMatch(/•/);
    secrets.push(secret);
    await page.getByRole('button', { name: 'Copy consumer secret' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    // A token, shown once, with a curl line that introspects it; the test introspects it at the Key Manager.
    await page.getByRole('button', { name: 'Generate access token' }).click();
    const token = (await page.getByTestId('access-token').textContent())!;
    secrets.push(token);
    await page.getByText('scopes: forecast:read').waitFor();
    expect(await page.locator('pre.curl').textContent()).toBe(`curl -s -u '${consumerKey}' -d 'token=${token}' ${stack.keyManager.baseUrl}/oauth2/introspect`);
    expect(await introspect(consumerKey, secret, token)).toEqual({ status: 200, active: true });
    await expectAccessible(page, 'application with keys and token');
    await shot(page, '05-keys-and-token');

    // Regenerate: the dialog says the old one stops at once; then the old secret is refused, the new one works.
    await page.getByRole('button', { name: 'Regenerate secret' }).click();
    await page.getByRole('alertdialog').getByText('stops working at once').waitFor();
    await expectAccessible(page, 'regenerate dialog');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Regenerate' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.waitForFunction((old) => document.querySelector('[data-testid="consumer-secret"]')?.textContent !== old && !/•/.test(document.querySelector('[data-testid="consumer-secret"]')?.textContent ?? '•'), secret);
    const newSecret = (await page.getByTestId('consumer-secret').textContent())!;
    secrets.push(newSecret);
    expect((await introspect(consumerKey, secret, token)).status).toBe(401);
    expect(await introspect(consumerKey, newSecret, token)).toEqual({ status: 200, active: true });

    // Several secrets (WSO2 4.7): one added is shown once and works; the key's own, now older, is revoked and stops.
    await page.getByLabel('Description (optional)').fill('CI pipeline');
    await page.getByRole('button', { name: 'Add a secret' }).click();
    const added = (await page.getByTestId('new-secret').textContent())!;
    secrets.push(added);
    expect(await introspect(consumerKey, added, token)).toEqual({ status: 200, active: true });
    await page.getByTestId('secrets-table').getByText('CI pipeline').waitFor();
    await expectAccessible(page, 'consumer secrets');
    await shot(page, '05b-consumer-secrets');
    await page.getByTestId('secrets-table').getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('alertdialog').getByText('stops working at once').waitFor();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke secret' }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    // One row left, the added secret, which (the most recent) has no Revoke button.
    await page.getByTestId('secrets-table').getByRole('button', { name: 'Revoke' }).waitFor({ state: 'detached' });
    await page.getByText('revoked for a newer secret below').waitFor();
    expect((await introspect(consumerKey, newSecret, token)).status).toBe(401);
    expect(await introspect(consumerKey, added, token)).toEqual({ status: 200, active: true });

    // Nothing secret is readable by scripts: no storage, no script-readable cookie.
    const storage = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));
    for (const value of secrets) expect(storage).not.toContain(value);
    expect(JSON.parse(storage)).toEqual({ local: {}, session: {}, cookie: '' });
    const cookies = await context.cookies(stack.devportal.baseUrl);
    const sessionCookie = cookies.find((c) => c.name === 'dp_session')!;
    expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    // The list, then delete the application (the dialog names it).
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('link', { name: 'Weather app' }).waitFor();
    await expectAccessible(page, 'applications');
    await shot(page, '06-applications');

    // Filter by a part of the name, in any case (the server's query=); none matching says so; Escape clears.
    await page.getByRole('link', { name: 'Create application' }).click();
    await page.getByLabel('Name').fill('Rain gauge');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Rain gauge' }).waitFor();
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('link', { name: 'Rain gauge' }).waitFor();
    const filter = page.getByRole('searchbox', { name: 'Filter by name' });
    await filter.fill('ATHER');
    await filter.press('Enter');
    await page.getByRole('link', { name: 'Rain gauge' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Weather app' }).waitFor();
    expect(new URL(page.url()).searchParams.get('query')).toBe('ATHER');
    await filter.fill('snow');
    await filter.press('Enter');
    await page.getByText('No application matches “snow”.').waitFor();
    await expectAccessible(page, 'applications (no match)');
    await filter.press('Escape');
    await page.getByRole('link', { name: 'Rain gauge' }).waitFor();

    await page.getByRole('link', { name: 'Weather app' }).click();
    await page.getByRole('button', { name: 'Delete application' }).click();
    await page.getByRole('alertdialog').getByText('This deletes Weather app').waitFor();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
    // The list may show its cached page first: wait for the one without Weather app.
    await page.getByRole('link', { name: 'Weather app' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Rain gauge' }).waitFor();
    expect((await introspect(consumerKey, newSecret, token)).status).toBe(401);

    // Sign out: the cookie the browser held no longer opens anything.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await expectAccessible(page, 'signed out');
    await collectCspViolations(page, 'signed out');
    const after = await fetch(`${stack.devportal.baseUrl}/api/am/devportal/v3/applications`, { headers: { cookie: `dp_session=${sessionCookie.value}` } });
    expect(after.status).toBe(401);
    await context.close();
  }));

  it('is usable at 375 px wide: the list (two pages of it), the create page with an error and an application’s keys fit the width, their controls on screen', reporting(async () => {
    const width = 375;
    const context = await newContext({ width, height: 812 });
    const page = await context.newPage();
    await signUpAndSignIn(page, 'carol', 'carol has a long password 3');
    await page.getByText('You have no applications yet.').waitFor();
    await expectFitsWidth(page, 'applications (empty), 375 px', width);
    await shot(page, 'mobile-01-applications-empty');

    const createFirst = page.getByRole('link', { name: 'Create your first application' });
    await expectOnScreen(createFirst, width);
    await createFirst.click();
    await page.getByLabel('Name').fill('Weather app for the phone with a rather long name');
    await page.getByLabel('Description').fill('Reads the forecast on a small screen');
    await expectFitsWidth(page, 'create application, 375 px', width);
    await shot(page, 'mobile-02-create-application');
    const create = page.getByRole('button', { name: 'Create' });
    await expectOnScreen(create, width);
    await create.click();
    await page.getByRole('heading', { name: 'Weather app for the phone with a rather long name' }).waitFor();

    // The keys tab: a callback URL (authorization code), keys, the revealed secret, a token and its curl line.
    await page.locator('label', { hasText: 'Authorization code' }).click();
    await page.getByLabel(/Callback URL/).fill('https://weather.example.com/a/rather/long/callback/path/for/a/phone');
    await expectFitsWidth(page, 'application (no keys), 375 px', width);
    const generateKeys = page.getByRole('button', { name: 'Generate keys' });
    await expectOnScreen(generateKeys, width);
    await generateKeys.click();
    await page.getByTestId('consumer-key').waitFor();
    for (const name of ['Reveal', 'Copy consumer secret', 'Regenerate secret', 'Generate access token']) await expectOnScreen(page.getByRole('button', { name }), width);
    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.getByRole('button', { name: 'Generate access token' }).click();
    await page.getByTestId('access-token').waitFor();
    await expectFitsWidth(page, 'application with keys and token, 375 px', width);
    await shot(page, 'mobile-03-keys-and-token');
    const sandbox = page.getByRole('tab', { name: 'Sandbox keys' });
    await expectOnScreen(sandbox, width);
    await sandbox.click();
    await expectFitsWidth(page, 'sandbox tab, 375 px', width);

    await page.getByRole('link', { name: 'Applications' }).click();
    const listed = page.getByRole('link', { name: 'Weather app for the phone with a rather long name' });
    await listed.waitFor();
    await expectFitsWidth(page, 'applications, 375 px', width);
    await expectOnScreen(listed, width);
    await shot(page, 'mobile-04-applications');
    await collectCspViolations(page, 'applications, 375 px');

    // The API's error in words next to the field it is about: a name carol already has.
    await page.getByRole('link', { name: 'Create application' }).click();
    await page.getByLabel('Name').fill('WEATHER APP FOR THE PHONE WITH A RATHER LONG NAME');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('An application already exists with name WEATHER APP FOR THE PHONE WITH A RATHER LONG NAME').waitFor();
    expect(await page.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    await expectFitsWidth(page, 'create application with an error, 375 px', width);

    // Pages of 10 from the server: 11 more applications (through the API, with the session's CSRF token).
    const csrfToken = ((await (await context.request.get(`${stack.devportal.baseUrl}/devportal/auth/session`)).json()) as { csrfToken: string }).csrfToken;
    for (let i = 1; i <= 11; i++) {
      const created = await context.request.post(`${stack.devportal.apiUrl}/applications`, { headers: { 'x-csrf-token': csrfToken }, data: { name: `Gauge ${String(i).padStart(2, '0')}` } });
      expect(created.status()).toBe(201);
    }
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByText('1–10 of 12').waitFor();
    await expectFitsWidth(page, 'applications, page 1 of 2, 375 px', width);
    const next = page.getByRole('button', { name: 'Next' });
    await expectOnScreen(next, width);
    await next.click();
    await page.getByText('11–12 of 12').waitFor();
    // Sorted by name, case-insensitively: Gauge 11, then Weather….
    await page.getByRole('link', { name: 'Gauge 11' }).waitFor();
    await listed.waitFor();
    expect(await page.getByRole('link', { name: 'Gauge 10' }).count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('offset')).toBe('10');
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.getByText('1–10 of 12').waitFor();

    // The session ends on the server (past its end): the next request shows the session-expired page.
    const cookie = (await context.cookies(stack.devportal.baseUrl)).find((c) => c.name === 'dp_session')!;
    await queryTestDatabase(`UPDATE web_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [createHash('sha256').update(cookie.value).digest('hex')], stack.devportal.schema);
    await page.getByRole('link', { name: 'Gauge 01' }).click();
    await page.getByRole('heading', { name: 'Your session has expired' }).waitFor();
    await expectAccessible(page, 'session expired');
    await expectFitsWidth(page, 'session expired, 375 px', width);
    await context.close();
  }));

  it('works with the keyboard alone: sign-up, the Key Manager’s sign-in, create, keys, token, a dialog closed with Escape, tabs, edit, delete keys and application, sign out', reporting(async () => {
    const context = await newContext();
    const page = await context.newPage();
    const password = 'dana has a long password 4';
    await page.goto(`${stack.devportal.baseUrl}/devportal/`);
    // The first Tab reaches the skip link, which moves the focus to the page.
    await tabTo(page, page.getByRole('link', { name: 'Skip to content' }));
    await tabTo(page, page.getByRole('link', { name: 'Create an account' }), 'Enter');
    await tabTo(page, page.getByLabel('User name'));
    await page.keyboard.type('dana');
    await tabTo(page, page.getByLabel('Password', { exact: true }));
    await page.keyboard.type(password);
    await tabTo(page, page.getByRole('button', { name: 'Create account' }), 'Enter');
    await page.getByRole('heading', { name: 'Account created' }).waitFor();
    await tabTo(page, page.getByRole('link', { name: 'Sign in' }).last(), 'Enter');

    await page.waitForURL(`${stack.keyManager.baseUrl}/oauth2/authorize**`);
    await tabTo(page, page.getByLabel('User name'));
    await page.keyboard.type('dana');
    await tabTo(page, page.getByLabel('Password'));
    await page.keyboard.type(password);
    await tabTo(page, page.getByRole('button', { name: 'Sign in and allow' }), 'Enter');
    await page.getByText('You have no applications yet.').waitFor();

    await tabTo(page, page.getByRole('link', { name: 'Create your first application' }), 'Enter');
    await tabTo(page, page.getByLabel('Name'));
    await page.keyboard.type('Keyboard app');
    await tabTo(page, page.getByRole('button', { name: 'Create' }), 'Enter');
    await page.getByRole('heading', { name: 'Keyboard app' }).waitFor();

    await tabTo(page, page.getByRole('button', { name: 'Generate keys' }), 'Enter');
    await page.getByTestId('consumer-key').waitFor();
    await tabTo(page, page.getByRole('button', { name: 'Reveal' }), 'Space');
    await page.waitForFunction(() => !/•/.test(document.querySelector('[data-testid="consumer-secret"]')?.textContent ?? '•'));
    await tabTo(page, page.getByRole('button', { name: 'Generate access token' }), 'Enter');
    await page.getByTestId('access-token').waitFor();

    // A dialog takes the focus, Escape closes it and gives the focus back.
    const regenerate = page.getByRole('button', { name: 'Regenerate secret' });
    await tabTo(page, regenerate, 'Enter');
    await page.getByRole('alertdialog').waitFor();
    await eventually(() => page.getByRole('alertdialog').evaluate((dialog) => dialog.contains(document.activeElement)), 'the focus in the dialog');
    await page.keyboard.press('Escape');
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    await eventually(() => regenerate.evaluate((e) => e === document.activeElement), 'the focus back on Regenerate secret');

    // Tabs: the arrow keys move between them.
    await tabTo(page, page.getByRole('tab', { name: 'Production keys' }));
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tab', { name: 'Sandbox keys', selected: true }).waitFor();
    await page.keyboard.press('ArrowLeft');
    await page.getByRole('tab', { name: 'Production keys', selected: true }).waitFor();

    // Edit the name; delete the keys, then the application (each asks first).
    await tabTo(page, page.getByRole('button', { name: 'Edit' }), 'Enter');
    await page.getByLabel('Name').waitFor();
    await expectAccessible(page, 'edit application');
    await tabTo(page, page.getByLabel('Name'));
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('Keyboard app, renamed');
    await tabTo(page, page.getByRole('button', { name: 'Save' }), 'Enter');
    await page.getByRole('heading', { name: 'Keyboard app, renamed' }).waitFor();
    await tabTo(page, page.getByRole('button', { name: 'Delete production keys' }), 'Enter');
    await tabTo(page, page.getByRole('alertdialog').getByRole('button', { name: 'Delete keys' }), 'Enter');
    await page.getByRole('button', { name: 'Generate keys' }).waitFor();
    await tabTo(page, page.getByRole('button', { name: 'Delete application' }), 'Enter');
    await tabTo(page, page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }), 'Enter');
    await page.getByText('You have no applications yet.').waitFor();

    await tabTo(page, page.getByRole('button', { name: 'Sign out' }), 'Enter');
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await collectCspViolations(page, 'keyboard story');
    await context.close();
  }));

  it('shows a second user the not-found page for the first user’s application, and a retry banner keeping the form when the Key Manager stops', reporting(async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signUpAndSignIn(page, 'bob', 'bob has a long password 2');
    await page.goto(aliceApplicationUrl);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await expectAccessible(page, 'not found');

    // Bob's own application; the Key Manager stops while he fills in the key form.
    await page.goto(`${stack.devportal.baseUrl}/devportal/applications/new`);
    await page.getByLabel('Name').fill('Bob app');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Bob app' }).waitFor();
    await page.locator('label', { hasText: 'Authorization code' }).click();
    await page.getByLabel(/Callback URL/).fill('https://bob.example.com/callback');
    await stack.keyManager.stop();
    keyManagerStopped = true;
    await page.getByRole('button', { name: 'Generate keys' }).click();
    await page.getByText('The service is not available right now.').waitFor({ timeout: 60_000 });
    expect(await page.getByLabel(/Callback URL/).inputValue()).toBe('https://bob.example.com/callback');
    expect(await page.getByRole('checkbox', { name: 'Authorization code' }).isChecked()).toBe(true);
    await expectAccessible(page, 'service unavailable');
    await shot(page, '07-service-unavailable');
    await context.close();
  }));

  it('saw no CSP violation and no script error on any page, and every page of both services came with a strict CSP', () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
    // The web app's pages and the Key Manager's sign-in page, at least.
    expect(documents.some((d) => d.url.startsWith(`${stack.devportal.baseUrl}/devportal/`))).toBe(true);
    expect(documents.some((d) => d.url.startsWith(`${stack.keyManager.baseUrl}/oauth2/authorize`))).toBe(true);
    const weak = documents.filter((d) => !d.csp || !/default-src 'none'/.test(d.csp) || !/frame-ancestors 'none'/.test(d.csp) || /unsafe-(inline|eval)/.test(d.csp));
    expect(weak).toEqual([]);
  });
});

describe('the Developer Portal web app in Chromium, on a deployment that stores secrets as hashes', () => {
  let hashing: StackUnderTest | undefined;

  beforeAll(async () => {
    const dir = `${tmp.dir}/hashing`;
    mkdirSync(dir);
    // Its own subject prefix: the stack above shares the private NATS server.
    hashing = await startStackForTest({ dir, keystore: await createTestKeystore(dir), encryption: 'hashing', nats: nats.url, toml: { 'transport.nats': { subject_prefix: 'hashing' } } });
  });

  afterAll(async () => {
    await hashing?.stop();
  });

  it('shows the consumer secret once, with copy, not again after a reload, and the secret shown works for client_credentials', reporting(async () => {
    const on = hashing!;
    const context = await newContext(undefined, on);
    const page = await context.newPage();
    await signUpAndSignIn(page, 'erin', 'erin has a long password 5', {}, on);
    await page.goto(`${on.devportal.baseUrl}/devportal/applications/new`);
    await page.getByLabel('Name').fill('Hashed app');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Hashed app' }).waitFor();
    await page.getByRole('button', { name: 'Generate keys' }).click();
    const consumerKey = (await page.getByTestId('consumer-key').textContent())!;

    // Shown once, masked until revealed, with copy and the warning that it will not be shown again.
    await page.getByText('This deployment stores secrets as hashes: copy it now, it will not be shown again.').waitFor();
    expect(await page.getByTestId('consumer-secret').textContent()).toMatch(/^•+$/);
    await page.getByRole('button', { name: 'Reveal' }).click();
    const secret = (await page.getByTestId('consumer-secret').textContent())!;
    expect(secret).toMatch(/^[^•\s]{10,}$/);
    await page.getByRole('button', { name: 'Copy consumer secret' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await expectAccessible(page, 'application with a secret shown once');

    // After a reload the portal has only the hash: no secret, no Reveal or Copy for it, and the page says why.
    await page.reload();
    await page.getByTestId('consumer-key').waitFor();
    await page.getByText('Not shown: stored as a hash').waitFor();
    expect(await page.getByTestId('consumer-secret').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Reveal' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Copy consumer secret' }).count()).toBe(0);
    expect(await page.textContent('body')).not.toContain(secret);

    // The secret that was shown works at the Key Manager; a wrong one does not.
    const token = async (consumerSecret: string): Promise<number> =>
      (
        await fetch(`${on.keyManager.baseUrl}/oauth2/token`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        })
      ).status;
    expect(await token(secret)).toBe(200);
    expect(await token(`${secret}x`)).toBe(401);
    await collectCspViolations(page, 'secret shown once');
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
    await context.close();
  }));
});
