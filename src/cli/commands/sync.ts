// `maracker sync [APP...]`: asks a running daemon to reconcile now, as `argocd app sync`
// does: the named apps (each read afresh from Marathon), or with none every app after
// re-reading every source and listing Marathon. With --wait, follows the status until they
// are in sync and healthy. Needs the status token, unless the daemon has none and listens on
// 127.0.0.1 (npm start) and this runs on the same host.

import { parseOptions, type OptionSpec } from '../../config/options.js';
import { isValidAppId } from '../../model/app-id.js';
import type { AppStatus, DaemonStatus } from '../../status/model.js';
import type { Command } from '../command.js';
import { STATUS_CLIENT_OPTIONS, StatusApi } from '../status-api.js';

const options: readonly OptionSpec[] = [
  ...STATUS_CLIENT_OPTIONS,
  { name: 'wait', type: 'boolean', default: false, description: 'Wait until the apps are Synced and Healthy (or Suspended), printing what is left' },
  { name: 'timeout', type: 'number', default: 300, min: 1, description: 'With --wait: seconds before giving up (exit 2)' },
  { name: 'interval', type: 'number', default: 1, min: 0.2, description: 'With --wait: seconds between looks at the status' },
];

/** An app that needs nothing more: in sync, and healthy or deliberately at 0 instances. */
export function settled(a: AppStatus): boolean {
  return a.sync === 'Synced' && (a.health === 'Healthy' || a.health === 'Suspended');
}

/** Apps of the document still to wait for (all when `ids` is empty); ids absent from it are waited for too. */
export function unsettled(doc: DaemonStatus, ids: readonly string[]): string[] {
  const byId = new Map(doc.apps.map((a) => [a.id, a]));
  const wanted = ids.length > 0 ? ids : doc.apps.map((a) => a.id);
  return wanted
    .filter((id) => {
      const a = byId.get(id);
      return a === undefined || !settled(a);
    })
    .map((id) => {
      const a = byId.get(id);
      return a ? `${id} (${a.sync}, ${a.health}${a.lastError ? `: ${a.lastError.message}` : ''})` : `${id} (not in status yet)`;
    });
}

export const command: Command = {
  name: 'sync',
  summary: 'Ask a running daemon to reconcile now: the named apps, or everything',
  usage: 'sync [APP...] [--wait [--timeout SECONDS]] [--status URL] [--status-token TOKEN]',
  description: [
    'With APPs (absolute ids such as /demo/web), each is reconciled at once against what',
    'Marathon says now. Without, the daemon re-reads every source, lists Marathon and',
    'reconciles every app (what the periodic resync does). The prune guard, ownership and',
    'the write budget apply as always. Ask the leader when several daemons run.',
  ].join('\n'),
  options,
  exitCodes: [
    [0, 'queued (with --wait: every app is Synced and Healthy or Suspended)'],
    [1, 'error: daemon unreachable, refused (token, follower), an invalid app id, bad usage'],
    [2, 'with --wait: not settled before --timeout; or an APP the daemon does not know'],
  ],
  async run(args, io) {
    const { values, positionals } = parseOptions(options, args, io.env);
    const ids = [...new Set(positionals)];
    const bad = ids.filter((id) => !isValidAppId(id));
    if (bad.length > 0) {
      io.stderr.write(`maracker sync: not an absolute app id: ${bad.join(', ')} (ids look like /group/name)\n`);
      return 1;
    }
    const api = StatusApi.of(values, io.env);
    const query = ids.map((id) => `app=${encodeURIComponent(id)}`).join('&');
    const res = await api.call('POST', `/sync${query ? `?${query}` : ''}`);
    if (!res.ok) {
      io.stderr.write(`maracker sync: ${res.message}\n`);
      return 1;
    }
    io.stdout.write(`${String(res.body.message)}\n`);
    const unknown = (res.body.unknown as string[] | undefined) ?? [];
    if (unknown.length > 0) return 2;
    if (values.wait !== true) return 0;

    const deadline = Date.now() + Number(values.timeout) * 1000;
    let last = '';
    for (;;) {
      const look = await api.call('GET', '/status');
      if (!look.ok) {
        io.stderr.write(`maracker sync: ${look.message}\n`);
        return 1;
      }
      const left = unsettled(look.body as unknown as DaemonStatus, ids);
      if (left.length === 0) {
        io.stdout.write(`in sync: ${ids.length > 0 ? ids.join(', ') : 'every app'}\n`);
        return 0;
      }
      const text = `waiting for ${left.length} app(s): ${left.slice(0, 10).join('; ')}${left.length > 10 ? '; ...' : ''}`;
      if (text !== last) io.stdout.write(`${text}\n`);
      last = text;
      if (Date.now() >= deadline) {
        io.stderr.write(`maracker sync: not in sync after ${Number(values.timeout)} s: ${left.join('; ')}\n`);
        return 2;
      }
      await new Promise((resolve) => setTimeout(resolve, Number(values.interval) * 1000));
    }
  },
};
