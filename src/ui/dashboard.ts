// The dashboard page: asks for the status token when the server wants one, polls
// `GET /status` with If-None-Match, and draws the catalogue and the app page from it. On an
// app page it also polls `GET /status/apps/{id}` (its recent outcomes are served only there),
// with its own ETag.
// docs/dashboard.md describes what it shows and why.
//
// The token lives in sessionStorage (this tab only, gone when it closes) and travels in the
// Authorization header, never in a URL. Polling keeps going through errors, so the page
// comes back by itself when the daemon restarts.

import { type Filters, groupApps, groupsOf, instancesText, NO_FILTERS, readStatus, sourceText, type UiApp, type UiStatus } from './catalogue.js';
import { type AppPageHost, refreshTimes, renderApp, resetAppPage } from './app-page.js';
import { readOutcomes, type UiOutcome } from './outcomes.js';
import { append, byId, clear, h } from './dom.js';
import { appHref, badge, errorText, externalLink, resources } from './widgets.js';

const TOKEN_KEY = 'maracker.status-token';
/**
 * Between polls: a change shows within this plus one round trip, so well within the second
 * the page promises even on a busy machine; an unchanged status costs a 304 with no body.
 */
const POLL_MS = 300;
/** Between polls after a failure, growing to this. */
const RETRY_MAX_MS = 4000;
const STATUS_URL = new URL('../status', location.href).href;
const APPROVE_URL = new URL('../prune/approve', location.href).href;

let status: UiStatus | undefined;
let etag: string | null = null;
/** The app page's own reply: its outcomes, and the ETag they came with. */
let detail: { id: string; etag: string | null; outcomes: UiOutcome[] | null } | undefined;
let failures = 0;
let filters: Filters = { ...NO_FILTERS };
let timer: number | undefined;

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token();
  return { ...extra, ...(t ? { Authorization: `Bearer ${t}` } : {}) };
}

function schedule(ms: number): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = window.setTimeout(() => void poll(), ms);
}

async function poll(): Promise<void> {
  timer = undefined;
  let res: Response;
  try {
    res = await fetch(STATUS_URL, { headers: headers(etag ? { 'If-None-Match': etag } : {}), cache: 'no-store', credentials: 'omit' });
  } catch {
    return pollFailed('the daemon does not answer');
  }
  if (res.status === 401) {
    // A token was sent and refused (mistyped, or the daemon restarted with another): say so.
    const refused = token() !== null;
    sessionStorage.removeItem(TOKEN_KEY);
    etag = null;
    showLogin(refused ? 'That token was not accepted.' : '');
    return;
  }
  let changed = false;
  if (res.status !== 304) {
    if (!res.ok) return pollFailed(`GET /status answered ${res.status}`);
    try {
      const doc: unknown = await res.json();
      etag = res.headers.get('ETag');
      status = readStatus(doc);
    } catch {
      return pollFailed('GET /status did not answer JSON');
    }
    hideLogin();
    changed = true;
  }
  const id = selectedId();
  if (id !== null && (await pollDetail(id))) changed = true;
  if (changed) render();
  else refreshTimes();
  pollOk();
}

/**
 * Asks for the app's own reply (its outcomes); true when they changed. A failure here leaves
 * them as they were: whether the daemon answers is the /status poll's to say.
 */
async function pollDetail(id: string): Promise<boolean> {
  const known = detail?.id === id ? detail : undefined;
  const url = new URL(`../status/apps${id.split('/').map(encodeURIComponent).join('/')}`, location.href).href;
  let res: Response;
  try {
    res = await fetch(url, { headers: headers(known?.etag ? { 'If-None-Match': known.etag } : {}), cache: 'no-store', credentials: 'omit' });
  } catch {
    return false;
  }
  if (res.status === 304) return false;
  if (res.status === 404) {
    // Not (or no longer) reported on: the page says so from /status.
    detail = { id, etag: null, outcomes: [] };
    return known === undefined || known.outcomes?.length !== 0;
  }
  if (!res.ok) return false;
  try {
    const body: unknown = await res.json();
    detail = { id, etag: res.headers.get('ETag'), outcomes: readOutcomes(body) };
  } catch {
    return false;
  }
  return true;
}

function pollOk(): void {
  failures = 0;
  setConnection('live', 'Live: updates as the daemon reports changes.');
  schedule(POLL_MS);
}

function pollFailed(why: string): void {
  failures++;
  setConnection('down', `Disconnected (${why}); retrying. What is shown may be out of date.`);
  schedule(Math.min(RETRY_MAX_MS, POLL_MS * 2 ** failures));
}

function setConnection(state: 'live' | 'down', text: string): void {
  const el = byId('connection');
  el.dataset.state = state;
  if (el.textContent !== text) el.textContent = text;
}

// --- login -----------------------------------------------------------------------------

function showLogin(message: string): void {
  byId('login').hidden = false;
  byId('overview').hidden = true;
  byId('catalogue').hidden = true;
  byId('app').hidden = true;
  byId('login-error').textContent = message;
  setConnection('down', 'This daemon needs its status token.');
  byId<HTMLInputElement>('token').focus();
}

function hideLogin(): void {
  byId('login').hidden = true;
}

function onLogin(event: SubmitEvent): void {
  event.preventDefault();
  const input = byId<HTMLInputElement>('token');
  const value = input.value.trim();
  if (!value) return;
  sessionStorage.setItem(TOKEN_KEY, value);
  input.value = '';
  byId('login-error').textContent = '';
  schedule(0);
}

// --- drawing -----------------------------------------------------------------------------

function selectedId(): string | null {
  const m = /^#\/apps(\/[^?#]*)$/.exec(location.hash);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return null;
  }
}

function render(): void {
  if (!status) return;
  const focused = (document.activeElement as HTMLElement | null)?.dataset.key;
  renderOverview(status);
  const id = selectedId();
  const app = id === null ? undefined : status.apps.find((a) => a.id === id);
  byId('catalogue').hidden = id !== null;
  byId('app').hidden = id === null;
  if (id === null) {
    renderFilters(status);
    renderCatalogue(status);
  } else {
    renderApp(id, app, status.sources, detail?.id === id ? detail.outcomes : undefined, appPageHost);
  }
  // Redrawn elements are new nodes: give the keyboard back its place.
  if (focused) document.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
}

function renderOverview(s: UiStatus): void {
  const el = byId('overview');
  el.hidden = false;
  clear(el);
  const daemon = h(
    'p',
    { class: 'daemon' },
    h('span', { class: `badge phase phase-${s.phase.replace(/[^A-Za-z]/g, '')}` }, `Daemon: ${s.phase}`),
    ' ',
    s.message,
    s.installation ? ` (installation ${s.installation}, ${s.role})` : '',
  );
  const sources = h(
    'ul',
    { class: 'sources', 'aria-label': 'Sources' },
    ...s.sources.map((src) =>
      h(
        'li',
        {},
        h('span', { class: `badge source-state source-${src.state.replace(/[^A-Za-z]/g, '')}` }, `${src.name}: ${src.state}`),
        ` ${src.apps} apps`,
        src.revision ? ` at ${src.revision.slice(0, 12)}${src.dirty ? ' (uncommitted changes)' : ''}` : '',
        src.lastError ? h('span', { class: 'error' }, ` ${errorText(src.lastError)}`) : null,
      ),
    ),
    h(
      'li',
      {},
      h('span', { class: `badge marathon-${s.marathon.reachable ? 'up' : 'down'}` }, `Marathon: ${s.marathon.reachable ? 'reachable' : 'unreachable'}`),
      s.marathon.lastError ? h('span', { class: 'error' }, ` ${errorText(s.marathon.lastError)}`) : null,
    ),
  );
  append(el, daemon, sources);
  if (s.prune.blocked) {
    const button = h('button', { type: 'button', 'data-key': 'approve-prune' }, `Approve deleting ${s.prune.candidates.length} apps`);
    button.addEventListener('click', () => void approvePrune(s.prune.episode, s.prune.candidates));
    append(
      el,
      h(
        'div',
        { class: 'prune', role: 'alert' },
        h('p', {}, 'Pruning is blocked: these apps are no longer declared and deleting them all needs approval: ', s.prune.candidates.join(', ')),
        button,
      ),
    );
  }
  // Kept outside the banner, which goes as soon as the approved deletes are done.
  if (pruneResult) append(el, h('p', { id: 'prune-result', role: 'status' }, pruneResult));
}

let pruneResult = '';

/** POSTs with the token; the answer's message (or the error's), for the page to show. */
async function write(url: string): Promise<string> {
  try {
    const res = await fetch(url, { method: 'POST', headers: headers(), credentials: 'omit' });
    const body = (await res.json()) as { message?: unknown; error?: { message?: unknown } };
    const text = res.ok ? body.message : body.error?.message;
    return typeof text === 'string' ? text : `The daemon answered ${res.status}.`;
  } catch {
    return 'The daemon did not answer.';
  }
}

const appPageHost: AppPageHost = {
  write,
  changed: () => {
    render();
    schedule(0);
  },
};

async function approvePrune(episode: string | null, candidates: string[]): Promise<void> {
  if (!window.confirm(`Delete ${candidates.length} apps from Marathon?\n${candidates.join('\n')}`)) return;
  pruneResult = await write(episode ? `${APPROVE_URL}?episode=${encodeURIComponent(episode)}` : APPROVE_URL);
  render();
  schedule(0);
}

function fillSelect(select: HTMLSelectElement, values: readonly string[], all: string): void {
  const current = select.value;
  clear(select);
  append(select, h('option', { value: '' }, all), ...values.map((v) => h('option', { value: v }, v)));
  select.value = values.includes(current) ? current : '';
}

function renderFilters(s: UiStatus): void {
  fillSelect(byId<HTMLSelectElement>('filter-group'), groupsOf(s.apps), 'All groups');
  fillSelect(
    byId<HTMLSelectElement>('filter-sync'),
    [...new Set(['Synced', 'OutOfSync', 'Invalid', 'Conflict', 'Unknown', ...s.apps.map((a) => a.sync)])],
    'Any sync',
  );
  fillSelect(
    byId<HTMLSelectElement>('filter-health'),
    [...new Set(['Healthy', 'Progressing', 'Degraded', 'Missing', 'Suspended', 'Unknown', ...s.apps.map((a) => a.health)])],
    'Any health',
  );
}

function readFilters(): Filters {
  const v = (id: string): string => byId<HTMLInputElement | HTMLSelectElement>(id).value;
  return { text: v('filter-text'), group: v('filter-group'), sync: v('filter-sync'), health: v('filter-health'), source: v('filter-source') };
}

function renderCatalogue(s: UiStatus): void {
  const groups = groupApps(s.apps, filters);
  const shown = groups.reduce((n, g) => n + g.apps.length, 0);
  byId('count').textContent = `${shown} of ${s.apps.length} apps`;
  const list = byId('groups');
  clear(list);
  for (const g of groups) {
    append(
      list,
      h(
        'section',
        { class: 'group', 'aria-label': `Group ${g.group}` },
        h('h3', {}, g.group),
        h('ul', { class: 'cards' }, ...g.apps.map((a) => card(a, s.sources))),
      ),
    );
  }
  if (groups.length === 0) append(list, h('p', {}, s.apps.length === 0 ? 'No apps are declared or managed yet.' : 'No app matches these filters.'));
}

function card(a: UiApp, sources: UiStatus['sources']): HTMLElement {
  return h(
    'li',
    { class: 'card', 'data-app': a.id },
    h('h4', {}, h('a', { href: appHref(a.id), 'data-key': `app:${a.id}` }, a.about?.title ?? a.name), ' ', h('code', { class: 'id' }, a.id)),
    h('p', { class: 'badges' }, badge('sync', a.sync), ' ', badge('health', a.health)),
    a.about?.description ? h('p', { class: 'description' }, a.about.description) : null,
    h(
      'dl',
      {},
      h('dt', {}, 'Instances'),
      h('dd', {}, instancesText(a)),
      h('dt', {}, 'Source'),
      h('dd', {}, sourceText(a, sources)),
      a.about?.image ? [h('dt', {}, 'Image'), h('dd', {}, h('code', {}, a.about.image))] : null,
      a.about && (a.about.cpus !== null || a.about.mem !== null) ? [h('dt', {}, 'Resources'), h('dd', {}, resources(a))] : null,
      a.url ? [h('dt', {}, 'URL'), h('dd', {}, externalLink(a.url, a.url))] : null,
    ),
    a.pendingChanges.length ? h('p', { class: 'pending' }, 'Pending: ', a.pendingChanges.join(', ')) : null,
    a.lastError ? h('p', { class: 'error' }, errorText(a.lastError)) : null,
  );
}

// --- wiring ------------------------------------------------------------------------------

function start(): void {
  byId<HTMLFormElement>('login-form').addEventListener('submit', onLogin);
  const form = byId<HTMLFormElement>('filters');
  const refilter = (): void => {
    filters = readFilters();
    render();
  };
  form.addEventListener('input', refilter);
  form.addEventListener('change', refilter);
  form.addEventListener('submit', (e) => e.preventDefault());
  window.addEventListener('hashchange', () => {
    resetAppPage();
    render();
    byId('main').focus();
    // Another app's outcomes are another request: ask now rather than at the next tick.
    if (selectedId() !== null) schedule(0);
  });
  void poll();
}

start();
