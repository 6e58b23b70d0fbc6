// The app page (`#/apps/<id>`): what the app is and where it is declared, its pending
// changes and problems, its recent reconcile outcomes (from `GET /status/apps/{id}`), the
// actions its source allows, and the running app in a frame.

import { type FrameTarget, frameTargets, instancesText, sourceText, type UiApp, type UiSource } from './catalogue.js';
import { append, byId, clear, h } from './dom.js';
import { absoluteTime, actionText, relativeTime, resultText, type UiOutcome } from './outcomes.js';
import { badge, dl, errorText, externalLink, resources } from './widgets.js';

/** What the page needs from the dashboard around it. */
export interface AppPageHost {
  /** POSTs to a URL of the status server with the token; resolves to the message to show. */
  write(url: string): Promise<string>;
  /** Something changed: draw again now, and poll at once. */
  changed(): void;
}

const scaleUrl = (id: string, instances: number): string => new URL(`../apps${id}/scale?instances=${instances}`, location.href).href;

let lastActionResult = '';
let typedScale: { id: string; value: string } | undefined;
let framed: { id: string; url: string } | undefined;

/** Another page was opened: forget what was typed and answered on this one. */
export function resetAppPage(): void {
  lastActionResult = '';
  typedScale = undefined;
}

/** Start, stop and scale of a database row: the row is written, and reconciled as any change. */
function rowActions(a: UiApp, host: AppPageHost): HTMLElement {
  const desired = a.instances.desired;
  // What the user typed survives the redraw a status change causes.
  const typed = typedScale?.id === a.id ? typedScale.value : String(desired);
  // No max: the daemon's --max-instances is the bound, and its refusal names it.
  const input = h('input', { id: 'scale-instances', type: 'number', min: '0', step: '1', value: typed, 'data-key': 'scale-input' });
  input.addEventListener('input', () => {
    typedScale = { id: a.id, value: input.value };
  });
  const action = (label: string, key: string, count: () => number): HTMLElement => {
    const b = h('button', { type: 'button', 'data-key': key }, label);
    b.addEventListener('click', () => void scaleRow(a.id, count(), host));
    return b;
  };
  return h(
    'div',
    { class: 'actions', role: 'group', 'aria-label': 'Actions on the row' },
    desired === 0 ? action('Start (1 instance)', 'start', () => 1) : action('Stop (0 instances)', 'stop', () => 0),
    ' ',
    h('label', { for: 'scale-instances' }, 'Instances '),
    input,
    ' ',
    action('Scale', 'scale', () => Number(input.value)),
    h('p', { id: 'action-result', role: 'status' }, lastActionResult),
  );
}

async function scaleRow(id: string, instances: number, host: AppPageHost): Promise<void> {
  typedScale = undefined;
  lastActionResult = Number.isInteger(instances) && instances >= 0 ? await host.write(scaleUrl(id, instances)) : 'Instances must be a whole number from 0 up.';
  host.changed();
}

/**
 * `outcomes`: the app's recent outcomes, newest first; null when the daemon reports none (one
 * from before them), undefined while they are being asked for.
 */
export function renderApp(id: string, a: UiApp | undefined, sources: readonly UiSource[], outcomes: UiOutcome[] | null | undefined, host: AppPageHost): void {
  const el = byId('details');
  clear(el);
  const back = h('a', { href: '#', 'data-key': 'back' }, '← All apps');
  if (!a) {
    append(el, back, h('h2', {}, id), h('p', {}, 'maracker knows no app with this id (any more).'));
    setFrame(undefined, []);
    return;
  }
  const readOnly =
    a.sourceKind === 'file'
      ? `Declared in ${a.source}: change it in the manifests' git repository (git is its truth); the page offers no action on it.`
      : a.sourceKind === 'database'
        ? `Declared in a row of maracker.apps: SQL is its truth. The actions below write the row (as an UPDATE would), and the daemon reconciles it.`
        : 'No source declares this app.';
  append(
    el,
    back,
    h('h2', {}, a.about?.title ?? a.name, ' ', h('code', { class: 'id' }, a.id)),
    h('p', { class: 'badges' }, badge('sync', a.sync), ' ', badge('health', a.health)),
    a.about?.description ? h('p', { class: 'description' }, a.about.description) : null,
    dl(
      ['Instances', instancesText(a)],
      ['Source', sourceText(a, sources)],
      ['Image', a.about?.image ?? (a.about ? 'none (a command app)' : null)],
      ['Resources', a.about && (a.about.cpus !== null || a.about.mem !== null) ? resources(a) : null],
      ['URL', a.url ? externalLink(a.url, a.url) : null],
      ['Task endpoints', a.endpoints.length ? a.endpoints.join(', ') : 'not reported by this daemon'],
      ['Last applied', a.lastAppliedAt],
      ['Links', a.about?.links.length ? h('span', {}, ...a.about.links.flatMap((l, i) => [i ? ', ' : '', externalLink(l.url, l.name)])) : null],
    ),
    h('p', { class: 'note' }, readOnly),
    a.sourceKind === 'database' ? rowActions(a, host) : null,
    h('h3', {}, 'Pending changes'),
    a.pendingChanges.length
      ? h(
          'ul',
          { class: 'pending' },
          ...a.pendingChanges.map((f) => {
            const d = a.pendingDiff.find((x) => x.path === f);
            return h('li', {}, h('code', {}, f), d ? [': ', h('code', {}, d.before), ' → ', h('code', {}, d.after)] : null);
          }),
        )
      : h('p', {}, a.sync === 'OutOfSync' ? 'Out of sync; the daemon did not name the fields.' : 'None: Marathon runs what is declared.'),
    h('h3', {}, 'Problems'),
    a.problems.length || a.lastError
      ? h(
          'ul',
          { class: 'problems' },
          ...(a.problems.length ? a.problems : a.lastError ? [a.lastError] : []).map((p) => h('li', { class: 'error' }, errorText(p))),
        )
      : h('p', {}, 'None.'),
    h('h3', {}, 'Recent outcomes'),
    outcomeList(outcomes),
  );
  setFrame(a, frameTargets(a, location.origin));
}

function outcomeList(outcomes: UiOutcome[] | null | undefined): HTMLElement {
  if (outcomes === undefined) return h('p', { class: 'note' }, 'Loading…');
  if (outcomes === null) return h('p', { class: 'note' }, 'Not reported by this daemon.');
  if (outcomes.length === 0) return h('p', {}, 'None since the daemon started: no write, failure or block (passes with nothing to do are not recorded).');
  const now = Date.now();
  return h(
    'ol',
    { class: 'outcomes', 'aria-label': 'Recent outcomes, newest first' },
    ...outcomes.map((o) =>
      h(
        'li',
        { class: `outcome result-${o.result.replace(/[^A-Za-z]/g, '')}` },
        h(
          'p',
          { class: 'outcome-head' },
          timeEl(o.at, now),
          ' ',
          h('span', { class: `badge outcome-${o.result.replace(/[^A-Za-z]/g, '')}` }, resultText(o.result)),
          ' ',
          actionText(o.action),
          o.count > 1 ? [` — ${o.count} times, the last `, timeEl(o.lastAt, now)] : null,
        ),
        o.message
          ? h('p', { class: o.result === 'failed' || o.result === 'rejected' ? 'error' : 'note' }, o.code ? `[${o.code}] ` : '', o.message)
          : o.code
            ? h('p', { class: 'note' }, `[${o.code}]`)
            : null,
        o.changes.length ? h('ul', { class: 'changes' }, ...o.changes.map((c) => h('li', {}, h('code', {}, c)))) : null,
        o.deploymentId ? h('p', { class: 'note' }, `Deployment ${o.deploymentId}`, o.version ? `, version ${o.version}` : '') : null,
      ),
    ),
  );
}

/** A time as "5 min ago", the exact time in its title; refreshed in place as time passes (refreshTimes). */
function timeEl(iso: string, now: number): HTMLElement {
  return h('time', { datetime: iso, title: absoluteTime(iso), 'data-relative': '' }, relativeTime(iso, now));
}

/** Brings the relative times of the page up to date, without redrawing it (nothing else changed). */
export function refreshTimes(): void {
  const now = Date.now();
  for (const el of document.querySelectorAll<HTMLTimeElement>('#details time[data-relative]')) {
    const text = relativeTime(el.dateTime, now);
    if (el.textContent !== text) el.textContent = text;
  }
}

function setFrame(a: UiApp | undefined, targets: FrameTarget[]): void {
  const box = byId('frame');
  if (!a || targets.length === 0 || a.instances.running === 0) {
    framed = undefined;
    clear(box);
    if (a) append(box, h('p', {}, a.instances.running === 0 ? 'Not running: nothing to open.' : 'No URL or task endpoint to open this app at.'));
    return;
  }
  const current = framed && framed.id === a.id && targets.some((t) => t.url === framed?.url) ? framed.url : (targets[0]?.url as string);
  // The frame stays as it is between polls: reloading it every second would lose what the user does in it.
  if (framed && framed.id === a.id && framed.url === current && box.querySelector('iframe')) return;
  framed = { id: a.id, url: current };
  clear(box);
  const choices = h(
    'p',
    { class: 'targets' },
    'Open at: ',
    ...targets.flatMap((t, i) => {
      const b = h(
        'button',
        { type: 'button', 'aria-pressed': String(t.url === current), 'data-key': `frame:${t.url}` },
        t.via === 'url' ? t.url : `task ${t.url}`,
      );
      b.addEventListener('click', () => {
        framed = { id: a.id, url: t.url };
        clear(box);
        setFrame(a, targets);
      });
      return [i ? ' ' : '', b];
    }),
    ' ',
    externalLink(current, 'open in a new tab'),
  );
  const frame = h('iframe', {
    src: current,
    title: `The running app ${a.id}`,
    // Scripts and its own origin, so the app works; no top navigation, no access to this page.
    sandbox: 'allow-scripts allow-forms allow-same-origin allow-popups allow-downloads',
    referrerpolicy: 'no-referrer',
    loading: 'lazy',
  });
  append(box, choices, frame);
}
