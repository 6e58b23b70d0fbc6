// `maracker status`: the fleet at a glance from a terminal, kubectl-get style, read from a
// running daemon's status API: one line per app with sync, health, instances, source and URL
// (`-o wide` adds where the tasks listen, the servers Traefik v3 is given, what is pending and
// why), `-o json` for scripts, filters, and `--watch`.

import { parseOptions, type OptionSpec } from '../../config/options.js';
import { isInGroup } from '../../model/app-id.js';
import { HEALTH, SYNC } from '../../model/status.js';
import type { AppStatus, DaemonStatus } from '../../status/model.js';
import type { Command } from '../command.js';
import { STATUS_CLIENT_OPTIONS, StatusApi } from '../status-api.js';

const OUTPUTS = ['table', 'wide', 'json'] as const;

const options: readonly OptionSpec[] = [
  ...STATUS_CLIENT_OPTIONS,
  {
    name: 'output',
    short: 'o',
    type: 'string',
    default: 'table',
    choices: OUTPUTS,
    description: 'table, wide (also task addresses, Traefik v3 servers, pending changes and the last error) or json',
  },
  { name: 'sync', type: 'list', description: `Only apps in these sync states (${SYNC.join(', ')})` },
  { name: 'health', type: 'list', description: `Only apps in these health states (${HEALTH.join(', ')})` },
  { name: 'watch', short: 'w', type: 'boolean', default: false, description: 'Print again whenever something changes (Ctrl-C stops)' },
  { name: 'interval', type: 'number', default: 2, min: 0.2, description: 'With --watch: seconds between looks' },
];

/** Apps of the document that pass the filters; `prefixes` are app ids or groups. */
export function selectApps(doc: DaemonStatus, prefixes: readonly string[], sync: readonly string[], health: readonly string[]): AppStatus[] {
  const wanted = prefixes.map((p) => `/${p.replace(/^\/+|\/+$/g, '')}`);
  return doc.apps.filter(
    (a) =>
      (wanted.length === 0 || wanted.some((w) => isInGroup(a.id, w))) &&
      (sync.length === 0 || sync.includes(a.sync)) &&
      (health.length === 0 || health.includes(a.health)),
  );
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}

/** The text `maracker status` prints for a document. Pure. */
export function renderStatus(doc: DaemonStatus, apps: readonly AppStatus[], wide: boolean): string {
  const head = `${doc.phase}: ${doc.message} (${doc.role} ${doc.instance}, ${doc.apps.length} apps)`;
  if (apps.length === 0) return `${head}\nno apps${doc.apps.length > 0 ? ' match' : ''}\n`;
  const header = ['ID', 'SYNC', 'HEALTH', 'READY', 'SOURCE', 'URL', ...(wide ? ['TASKS', 'SERVERS', 'PENDING', 'LAST ERROR'] : [])];
  const rows = apps.map((a) => [
    a.id,
    a.sync,
    a.health,
    `${a.instances.healthy}/${a.instances.desired}`,
    a.source ?? '-',
    a.url ?? '-',
    ...(wide
      ? [
          tasksCell(a),
          a.route ? String(a.route.servers.length) : '-',
          a.pendingChanges.join(',') || '-',
          a.lastError ? `${a.lastError.code ? `${a.lastError.code}: ` : ''}${a.lastError.message}` : '-',
        ]
      : []),
  ]);
  return `${head}\n${table([header, ...rows])}\n`;
}

/** Where each task listens; one that Traefik v3 would not be given says why (its state, or unhealthy). */
function tasksCell(a: AppStatus): string {
  // a daemon older than this CLI sends no tasks
  const tasks = a.tasks ?? [];
  const cells = tasks.map((t) => {
    const where = t.address ?? t.host ?? t.id;
    if (t.ready) return where;
    const why = t.state !== 'TASK_RUNNING' ? (t.state ?? 'no state').replace(/^TASK_/, '').toLowerCase() : t.healthy === false ? 'unhealthy' : 'no address';
    return `${where}(${why})`;
  });
  return cells.join(',') || '-';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

export const command: Command = {
  name: 'status',
  summary: "Show every app's sync, health, instances, source and URL from a running daemon",
  usage: 'status [APP-OR-GROUP...] [-o table|wide|json] [--sync S,..] [--health H,..] [-w] [--status URL]',
  description: [
    'Reads GET /status of a running daemon (--status, default the one `npm start` runs) and',
    'prints one line per app: READY is healthy/desired instances. Arguments keep only those',
    'apps or groups (/demo keeps /demo/web and /demo/api). -o json prints the document the',
    'daemon answered, with only the selected apps.',
  ].join('\n'),
  options,
  exitCodes: [
    [0, 'shown'],
    [1, 'the daemon could not be read (unreachable, refused), or bad usage'],
  ],
  async run(args, io) {
    const { values, positionals } = parseOptions(options, args, io.env);
    const api = StatusApi.of(values, io.env);
    const sync = (values.sync as string[] | undefined) ?? [];
    const health = (values.health as string[] | undefined) ?? [];
    const bad = [...sync.filter((s) => !(SYNC as readonly string[]).includes(s)), ...health.filter((h) => !(HEALTH as readonly string[]).includes(h))];
    if (bad.length > 0) {
      io.stderr.write(`maracker status: unknown state ${bad.join(', ')} (sync: ${SYNC.join(', ')}; health: ${HEALTH.join(', ')})\n`);
      return 1;
    }
    const output = values.output as (typeof OUTPUTS)[number];
    const watch = values.watch === true;
    const stop = new AbortController();
    if (watch) for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => stop.abort());
    let last = '';
    for (;;) {
      const res = await api.call('GET', '/status');
      if (!res.ok) {
        io.stderr.write(`maracker status: ${res.message}\n`);
        if (!watch) return 1;
      } else {
        const doc = res.body as unknown as DaemonStatus;
        const apps = selectApps(doc, positionals, sync, health);
        const text = output === 'json' ? `${JSON.stringify({ ...doc, apps }, null, 2)}\n` : renderStatus(doc, apps, output === 'wide');
        if (text !== last) {
          io.stdout.write(watch && last !== '' ? `\n${text}` : text);
          last = text;
        }
      }
      if (!watch || stop.signal.aborted) return 0;
      await sleep(Number(values.interval) * 1000, stop.signal);
      if (stop.signal.aborted) return 0;
    }
  },
};
