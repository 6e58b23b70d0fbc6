// The dashboard in a real browser (Debian's chromium, headless, driven by playwright-core)
// against a real daemon process, the Marathon sandbox (running command apps as processes)
// and PostgreSQL: what a user sees, what reaches the page live, and that hostile text stays
// text. Skipped, with the reason, where chromium is not installed (.ci/run installs it).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import { type DaemonProcess, eventually, startDaemonProcess } from '../helpers/daemon-process.js';
import { gitArgs, writeBelow } from '../helpers/git.js';
import { manifestYaml, multiDoc } from '../helpers/manifests.js';
import { psql, usePostgres } from '../helpers/postgres.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const reason = `${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`;
if (!haveChromium) console.warn(`test/ui/dashboard.test.ts skipped: ${reason}`);

const TOKEN = 'dashboard-test-token';
/** Set to a folder (docs/images) to save the screenshots docs/dashboard.md shows. */
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS;
const HOSTILE = `<img src=x onerror="window.__xss='img'"><script>window.__xss='script'</script>`;
const WEB_PAGE = 'hello from the framed app';

const webApp = manifestYaml({
  name: 'web',
  group: 'files',
  cmd: `mkdir -p www && echo '${WEB_PAGE}' > www/index.html && exec python3 -m http.server $PORT0 --bind 127.0.0.1 --directory www`,
  extra: [
    '  ports:',
    '    - name: http',
    '  labels:',
    '    org.opencontainers.image.title: Web portal',
    '    org.opencontainers.image.documentation: https://docs.example.org/web',
    '  expose:',
    '    host: web-app.localhost',
  ].join('\n'),
});
const hostileApp = manifestYaml({
  name: 'evil',
  group: 'files',
  extra: [
    '  labels:',
    `    org.opencontainers.image.title: ${JSON.stringify(`<b>${HOSTILE}</b>`)}`,
    `    org.opencontainers.image.description: ${JSON.stringify(HOSTILE)}`,
  ].join('\n'),
});

// Invalid: the problem message quotes the value back, so the error itself is hostile text.
const brokenApp = manifestYaml({ name: 'broken', group: 'files', extra: `  network: ${JSON.stringify(HOSTILE)}` });

const rowSpec = (instances: number, labels: Record<string, string> = {}) => JSON.stringify({ cmd: 'sleep 3600', instances, cpus: 0.01, mem: 16, labels });
/** A value as an SQL string literal. */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

describe.skipIf(!haveChromium)(`the dashboard in a real browser${haveChromium ? '' : ` (skipped: ${reason})`}`, () => {
  const server = usePostgres();
  // One daemon, sandbox and browser for the suite (each test opens its own browser context):
  // starting them per test would triple its time. The test that changes things runs last.
  const cleanups: Array<() => Promise<unknown>> = [];
  let browser: Browser;
  let marathon: Sandbox;
  let db: string;
  let repo: string;
  let manifests: string;
  let daemon: DaemonProcess;
  const git = (...args: string[]) => execFileSync('git', gitArgs(repo, args), { encoding: 'utf8' });
  const sql = async (statement: string) => {
    const r = await psql(db, statement, ['-v', 'ON_ERROR_STOP=1']);
    if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`);
  };
  const status = async () =>
    (await (await fetch(`${daemon.statusUrl}/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { apps?: Array<{ id: string }> };
  const startDaemon = (extra: string[] = []) =>
    startDaemonProcess({
      marathonUrl: marathon.url,
      databaseUrl: db,
      manifests,
      // Any delete needs an approval: the last test approves one from the page.
      args: ['--instance', 'ui-test', '--status-token', TOKEN, '--resync-interval', '5', '--prune-min-apps', '0', '--prune-share', '0', ...extra],
      cleanup: (fn) => cleanups.push(fn),
    });

  beforeAll(async () => {
    const setupStarted = Date.now();
    const launching = chromium.launch({ executablePath: CHROMIUM });
    const database = await server.createDatabase();
    cleanups.push(database.drop);
    db = database.url;
    marathon = await startSandbox({ deploymentDurationMs: 100, exec: true });
    cleanups.push(() => marathon.close());
    repo = await mkdtemp(join(tmpdir(), 'maracker-ui-repo-'));
    cleanups.push(() => rm(repo, { recursive: true, force: true }));
    manifests = join(repo, 'manifests');
    git('init', '-q', '-b', 'main');
    await writeBelow(manifests, 'apps.yaml', multiDoc(webApp, hostileApp));
    await writeBelow(manifests, 'broken.yaml', brokenApp);
    git('add', '-A');
    git('commit', '-q', '-m', 'apps');
    daemon = await startDaemon();
    await eventually(async () => (await status()).apps?.some((a) => a.id === '/files/web'), 'the first sync');
    await sql(
      `INSERT INTO maracker.apps (id, spec) VALUES ('/db/notes', ${literal(rowSpec(1))}), ('/db/idle', ${literal(rowSpec(0))}), ` +
        `('/db/evil', ${literal(rowSpec(1, { 'org.opencontainers.image.description': HOSTILE }))})`,
    );
    browser = await launching;
    console.info(`suite setup: ${Date.now() - setupStarted} ms`);
    cleanups.push(() => browser.close());
  });
  afterAll(async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  });

  async function open(): Promise<Page> {
    const context = await browser.newContext();
    onTestFinished(() => context.close());
    const page = await context.newPage();
    await page.goto(`${daemon.statusUrl}/ui/`);
    return page;
  }

  async function signIn(page: Page): Promise<void> {
    await page.locator('#token').fill(TOKEN);
    await page.locator('#login-form button').click();
    await page.locator('#catalogue').waitFor();
  }

  const card = (page: Page, id: string) => page.locator(`li.card[data-app="${id}"]`);
  const shownIds = (page: Page) => page.locator('li.card').evaluateAll((els) => els.map((e) => e.getAttribute('data-app')));

  it('asks for the token, keeps it for the tab only, and lists the apps of both sources with sync and health in words', async () => {
    const page = await open();
    const notFound: string[] = [];
    page.on('response', (r) => {
      if (r.status() === 404) notFound.push(r.url());
    });
    await page.locator('#login').waitFor();
    await page.locator('#token').fill('wrong-token');
    await page.locator('#login-form button').click();
    await expect.poll(() => page.locator('#login-error').textContent()).toContain('not accepted');
    await signIn(page);

    await expect.poll(() => card(page, '/files/web').locator('.badge').allTextContents()).toEqual(['Sync: Synced', 'Health: Healthy']);
    await expect.poll(() => card(page, '/db/notes').locator('.badge').allTextContents()).toEqual(['Sync: Synced', 'Health: Healthy']);
    // Inserted just before this test: its (empty) deployment may still be running.
    await expect.poll(() => card(page, '/db/idle').textContent(), { timeout: 15_000 }).toContain('suspended: 0 instances (deployable)');
    expect(await card(page, '/db/idle').locator('.badge.health').textContent()).toBe('Health: Suspended');
    expect(await card(page, '/files/web').textContent()).toMatch(/Web portal.*apps\.yaml:1 at [0-9a-f]{12}.*web-app\.localhost/);
    expect(await card(page, '/db/notes').textContent()).toContain('database row /db/notes');
    expect(await page.locator('section.group h3').allTextContents()).toEqual(['/db', '/files']);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-catalogue.png'), fullPage: true });

    // The token is in this tab's sessionStorage, sent as a header, never in a URL.
    expect(await page.evaluate("sessionStorage.getItem('maracker.status-token')")).toBe(TOKEN);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(page.url()).not.toContain(TOKEN);

    await page.locator('#filter-source').selectOption('database');
    await expect.poll(() => shownIds(page)).toEqual(['/db/evil', '/db/idle', '/db/notes']);
    await page.locator('#filter-health').selectOption('Suspended');
    await expect.poll(() => shownIds(page)).toEqual(['/db/idle']);
    await page.locator('#filter-source').selectOption('');
    await page.locator('#filter-health').selectOption('');
    await page.locator('#filter-group').selectOption('/files');
    await expect.poll(() => shownIds(page)).toEqual(['/files/broken', '/files/evil', '/files/web']);
    await page.locator('#filter-group').selectOption('');
    await page.locator('#filter-text').fill('notes');
    await expect.poll(() => page.locator('#count').textContent()).toBe('1 of 6 apps');
    expect(notFound, 'every file the page asks for is served').toEqual([]);

    // At phone width nothing runs off the side: no horizontal scrolling.
    await page.locator('#filter-text').fill('');
    await page.setViewportSize({ width: 360, height: 740 });
    await expect.poll(() => page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
  });

  it('shows hostile titles, descriptions (from a manifest and from a row) and error messages as text: nothing in them runs', async () => {
    const page = await open();
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    await signIn(page);
    await card(page, '/db/evil').waitFor();
    await card(page, '/files/evil').waitFor();
    expect(await card(page, '/files/evil').locator('.description').textContent()).toBe(HOSTILE);
    expect(await card(page, '/files/evil').locator('h4 a').textContent()).toBe(`<b>${HOSTILE}</b>`);
    expect(await card(page, '/db/evil').locator('.description').textContent()).toBe(HOSTILE);
    // The invalid app: its error says where (file:line:column) and quotes the value, as text.
    expect(await card(page, '/files/broken').locator('.badge.sync').textContent()).toBe('Sync: Invalid');
    expect(await card(page, '/files/broken').textContent(), 'an invalid app is no deployable entry').not.toContain('suspended');
    // (The message cuts the quoted value short.)
    const error = `broken.yaml:11:12 [invalid-value] spec.network: must be one of host, bridge, container; got "<img src=x onerror=`;
    expect(await card(page, '/files/broken').locator('.error').textContent()).toContain(error);
    await card(page, '/files/broken').locator('h4 a').click();
    await expect.poll(() => page.locator('#details .problems li').allTextContents()).toEqual([expect.stringContaining(error)]);
    await page.locator('a[data-key="back"]').click();
    await card(page, '/files/evil').locator('h4 a').click();
    await expect.poll(() => page.locator('#details .description').textContent()).toBe(HOSTILE);
    expect(await page.locator('#main img, #main script, #main b').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(blocked, 'nothing even tried to run').toEqual([]);
  });

  it('opens an app page: a manifest app offers no write action and names its file; the running app loads in a sandboxed frame', async () => {
    const page = await open();
    await signIn(page);
    await card(page, '/files/web').locator('h4 a').click();
    await expect.poll(() => page.locator('#details h2').textContent()).toContain('/files/web');
    expect(await page.locator('#details').textContent()).toContain("Declared in apps.yaml:1: change it in the manifests' git repository");
    expect(await page.locator('#details button, #details form').count()).toBe(0);
    // Nothing serves web-app.localhost here (no Traefik): status gives the task's address, and
    // the page frames the running app there.
    const task = await eventually(() => marathon.app('/files/web')?.tasks?.[0], 'the task of /files/web');
    const taskPort = task.ports?.[0];
    await eventually(async () => (await fetch(`http://127.0.0.1:${taskPort}/`)).ok, 'the app to serve');
    const frame = page.locator('#frame iframe');
    await frame.waitFor();
    await expect.poll(() => frame.getAttribute('src'), { timeout: 15_000 }).toBe(`http://127.0.0.1:${taskPort}/`);
    expect(await frame.getAttribute('sandbox')).toBe('allow-scripts allow-forms allow-same-origin allow-popups allow-downloads');
    const tab = page;
    await expect.poll(() => tab.frameLocator('#frame iframe').locator('body').textContent({ timeout: 2000 }), { timeout: 15_000 }).toContain(WEB_PAGE);
    if (SCREENSHOTS) await tab.screenshot({ path: join(SCREENSHOTS, 'dashboard-app.png'), fullPage: true });
  });

  it('stops, starts and scales a database row from its page: the row is written and the change converges in Marathon', async () => {
    const page = await open();
    await signIn(page);
    await page.goto(`${daemon.statusUrl}/ui/#/apps/db/notes`);
    await expect.poll(() => page.locator('#details').textContent()).toContain('Declared in a row of maracker.apps');
    const health = () => page.locator('#details .badge.health').textContent();
    await page.getByRole('button', { name: 'Stop (0 instances)' }).click();
    await expect.poll(() => page.locator('#action-result').textContent()).toContain('row /db/notes set to 0 instances');
    await expect.poll(health, { timeout: 15_000 }).toBe('Health: Suspended');
    expect(marathon.app('/db/notes')?.instances).toBe(0);
    expect((await psql(db, "SELECT spec->>'instances' FROM maracker.apps WHERE id = '/db/notes'", ['-At'])).stdout.trim()).toBe('0');
    await page.getByRole('button', { name: 'Start (1 instance)' }).click();
    await expect.poll(health, { timeout: 15_000 }).toBe('Health: Healthy');
    await page.getByLabel('Instances').fill('2');
    await page.getByRole('button', { name: 'Scale' }).click();
    await expect.poll(() => page.locator('#details dd').first().textContent(), { timeout: 15_000 }).toBe('2/2 running, 2 healthy');
    expect(marathon.app('/db/notes')?.instances).toBe(2);
  });

  it('shows the pending changes of an app Marathon refuses to update, old → new as plan shows them', async () => {
    await sql(`INSERT INTO maracker.apps (id, spec) VALUES ('/db/pending', ${literal(rowSpec(1))})`);
    await eventually(() => marathon.app('/db/pending')?.tasksRunning === 1, '/db/pending running');
    const fault = marathon.faults.add({
      kind: 'status',
      method: 'PUT',
      pathPrefix: '/v2/apps/db/pending',
      status: 422,
      body: { message: 'Object is not valid' },
    });
    onTestFinished(() => void marathon.faults.remove(fault.id));
    await sql(`UPDATE maracker.apps SET spec = jsonb_set(spec, '{mem}', '48') WHERE id = '/db/pending'`);
    const page = await open();
    await signIn(page);
    await page.goto(`${daemon.statusUrl}/ui/#/apps/db/pending`);
    await expect.poll(() => page.locator('#details .badge.sync').textContent(), { timeout: 15_000 }).toBe('Sync: OutOfSync');
    await expect.poll(() => page.locator('#details .pending li').allTextContents()).toEqual(['mem: 16 → 48']);
    // The refusal is the newest of its recent outcomes, with Marathon's message and the change refused.
    const newest = page.locator('#details ol.outcomes > li').first();
    await expect.poll(() => newest.locator('.badge').textContent()).toBe('Rejected');
    expect(await newest.locator('.outcome-head').textContent()).toContain('update (restart)');
    expect(await newest.locator('.error').textContent()).toContain('Object is not valid');
    expect(await newest.locator('.changes li').allTextContents()).toEqual(['mem: 16 → 48']);
  });

  it("shows an app's recent outcomes on its page: a manifest edit is a write there with the fields it changed, a failing write its failure", async () => {
    const page = await open();
    await signIn(page);
    // Each edit once Marathon has finished deploying the previous one (else the page would
    // rightly show a wait for that deployment first).
    const deployed = (instances: number) =>
      eventually(
        () => marathon.app('/files/counter')?.tasksRunning === instances && !marathon.deployments().some((d) => d.affectedApps.includes('/files/counter')),
        `/files/counter deployed with ${instances} instances`,
        20_000,
      );
    const commit = async (instances: number) => {
      await writeBelow(manifests, 'counter.yaml', manifestYaml({ name: 'counter', group: 'files', instances }));
      git('add', '-A');
      git('commit', '-q', '-m', `counter: ${instances} instances`);
    };
    await commit(1);
    await page.goto(`${daemon.statusUrl}/ui/#/apps/files/counter`);
    const outcomes = page.locator('#details ol.outcomes > li');
    const heads = () => outcomes.locator('.outcome-head .badge').allTextContents();
    await expect.poll(heads, { timeout: 15_000 }).toEqual(['OK']);
    expect(await outcomes.first().locator('.outcome-head').textContent()).toContain('create');
    expect(await outcomes.first().textContent()).toMatch(/Deployment [0-9a-f-]{36}/);
    // The time is relative, the exact time in its title.
    const time = outcomes.first().locator('time').first();
    expect(await time.getAttribute('title')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    expect(await time.textContent()).toMatch(/just now|s ago/);

    // The edit is a scale, shown with the field it changed.
    await deployed(1);
    await commit(2);
    await expect.poll(heads, { timeout: 15_000 }).toEqual(['OK', 'OK']);
    expect(await outcomes.first().locator('.outcome-head').textContent()).toContain('scale');
    expect(await outcomes.first().locator('.changes li').allTextContents()).toEqual(['instances: 1 → 2']);

    // Marathon fails the next write twice (503): one entry counts both, then the write goes through.
    const fault = marathon.faults.add({
      kind: 'status',
      method: 'PUT',
      pathPrefix: '/v2/apps/files/counter',
      status: 503,
      times: 2,
      body: { message: 'leader unavailable' },
    });
    onTestFinished(() => void marathon.faults.remove(fault.id));
    await deployed(2);
    await commit(3);
    await expect.poll(heads, { timeout: 20_000 }).toEqual(['OK', 'Failed', 'OK', 'OK']);
    const failed = outcomes.nth(1);
    expect(await failed.locator('.outcome-head').textContent()).toContain('2 times, the last');
    expect(await failed.locator('.error').textContent()).toContain('MRK_MARATHON_SERVER_ERROR');
    expect(await outcomes.first().locator('.changes li').allTextContents()).toEqual(['instances: 2 → 3']);
    expect(await page.locator('#details ol.outcomes img, #details ol.outcomes script').count()).toBe(0);

    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-outcomes.png'), fullPage: true });
    // At phone width the list stays within the screen.
    await page.setViewportSize({ width: 360, height: 740 });
    await expect.poll(() => page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
  });

  it('shows a file edit and a row insert live, within a second of /status, and comes back after the daemon restarts', async () => {
    const page = await open();
    await signIn(page);
    await card(page, '/files/web').waitFor();

    const lag = async (id: string): Promise<number> => {
      await eventually(async () => (await status()).apps?.some((a) => a.id === id), `${id} in /status`, 30_000);
      const inStatus = Date.now();
      await card(page, id).waitFor({ timeout: 5000 });
      return Date.now() - inStatus;
    };
    await writeBelow(manifests, 'more.yaml', manifestYaml({ name: 'extra', group: 'files' }));
    git('add', '-A');
    git('commit', '-q', '-m', 'more');
    const fileLag = await lag('/files/extra');
    await sql(`INSERT INTO maracker.apps (id, spec) VALUES ('/db/new', ${literal(rowSpec(1))})`);
    const rowLag = await lag('/db/new');
    console.info(`dashboard lag behind /status: file edit ${fileLag} ms, row insert ${rowLag} ms`);
    // The lag is a figure (printed above), not an assertion: the page showing both is the proof.

    // Stopping a row (instances = 0) converges and shows.
    await sql(`UPDATE maracker.apps SET spec = ${literal(rowSpec(0))} WHERE id = '/db/new'`);
    await expect.poll(() => card(page, '/db/new').locator('.badge.health').textContent(), { timeout: 15_000 }).toBe('Health: Suspended');

    // The daemon goes away: the page says so and keeps what it had...
    await daemon.stop();
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 10_000 }).toBe('down');
    expect(await card(page, '/files/web').count()).toBe(1);
    // ... and a daemon on the same address brings it back without a reload.
    daemon = await startDaemon(['--listen', `127.0.0.1:${new URL(daemon.statusUrl).port}`]);
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 20_000 }).toBe('live');
    await card(page, '/db/new').waitFor();
  });

  it('approves a blocked prune from its banner: the app is deleted once approved, not before', async () => {
    const page = await open();
    page.on('dialog', (d) => void d.accept());
    await signIn(page);
    await card(page, '/db/idle').waitFor();
    await sql(`DELETE FROM maracker.apps WHERE id = '/db/idle'`);
    const approve = page.getByRole('button', { name: 'Approve deleting 1 apps' });
    await approve.waitFor({ timeout: 20_000 });
    expect(await page.locator('.prune').textContent()).toContain('/db/idle');
    expect(marathon.app('/db/idle'), 'not deleted before the approval').toBeDefined();
    await approve.click();
    await expect.poll(() => page.locator('#prune-result').textContent()).toBe('approved deleting 1 apps');
    await eventually(() => marathon.app('/db/idle') === undefined, '/db/idle deleted', 20_000);
    await expect.poll(() => card(page, '/db/idle').count(), { timeout: 10_000 }).toBe(0);
  });
});
