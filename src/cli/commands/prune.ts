// `maracker prune show|approve`: the prune guard's override as a command. When the deletions
// of the last window would go beyond the guard's budget, the daemon deletes nothing and
// reports Blocked with the list, as an episode with an id; an operator looks at the list
// (show) and lets exactly that episode through (approve). The approval names the episode the
// operator saw, so a list that changed in between is refused rather than approved unseen.
// It needs the status token, except on a daemon without one that listens on the loopback
// interface (`npm start`), asked from the same host.

import { parseOptions, type OptionSpec } from '../../config/options.js';
import type { DaemonStatus, PruneStatus } from '../../status/model.js';
import type { CliIO, Command } from '../command.js';
import { STATUS_CLIENT_OPTIONS, StatusApi } from '../status-api.js';

const options: readonly OptionSpec[] = [
  ...STATUS_CLIENT_OPTIONS,
  { name: 'episode', type: 'string', description: 'approve: the episode shown by `prune show` (default: the one blocked now, printed before it is approved)' },
];

function list(ids: readonly string[]): string {
  return ids.map((id) => `  - ${id}\n`).join('');
}

function describeBudget(p: PruneStatus): string {
  const b = p.budget;
  const window =
    b.windowSeconds % 3600 === 0 ? `${b.windowSeconds / 3600} h` : b.windowSeconds % 60 === 0 ? `${b.windowSeconds / 60} min` : `${b.windowSeconds} s`;
  return `limit ${b.limit} per ${window}, ${b.used} used`;
}

async function prune(io: CliIO, api: StatusApi): Promise<PruneStatus | number> {
  const res = await api.call('GET', '/status');
  if (!res.ok) {
    io.stderr.write(`maracker prune: ${res.message}\n`);
    return 1;
  }
  return (res.body as unknown as DaemonStatus).prune;
}

export const command: Command = {
  name: 'prune',
  summary: 'Show or approve the deletions the prune guard holds back',
  usage: 'prune show|approve [--episode ID] [--status URL] [--status-token TOKEN]',
  description: [
    'show     prints the episode the guard blocks: its id and the apps it would delete',
    '         (exit 0; exit 2 when nothing is blocked).',
    'approve  lets exactly that list be deleted; the daemon logs who approved (address and',
    '         user). With --episode, only that episode: a list that changed since is refused.',
    '         Needs the status token, unless the daemon has none and listens on 127.0.0.1',
    '         (npm start) and this runs on the same host. Ask the leader when several run.',
  ].join('\n'),
  options,
  exitCodes: [
    [0, 'shown, or approved'],
    [1, 'error: daemon unreachable, refused (token, follower, another episode), bad usage'],
    [2, 'nothing awaits approval'],
  ],
  async run(args, io) {
    const { values, positionals } = parseOptions(options, args, io.env);
    const [action, ...rest] = positionals;
    if ((action !== 'show' && action !== 'approve') || rest.length > 0 || (action === 'show' && values.episode !== undefined)) {
      io.stderr.write(`usage: maracker ${this.usage}\n`);
      return 1;
    }
    const api = StatusApi.of(values, io.env);
    let episode = values.episode as string | undefined;
    if (action === 'show' || episode === undefined) {
      const p = await prune(io, api);
      if (typeof p === 'number') return p;
      if (!p.blocked || !p.episode) {
        io.stdout.write(`nothing awaits approval (${p.candidates.length} deletes pending; ${describeBudget(p)})\n`);
        return 2;
      }
      episode = p.episode.id;
      if (action === 'show') {
        io.stdout.write(`episode ${episode}: ${p.candidates.length} apps would be deleted (${describeBudget(p)}):\n${list(p.candidates)}`);
        io.stdout.write(`approve with: maracker prune approve --episode ${episode}\n`);
        return 0;
      }
      io.stdout.write(`approving episode ${episode}: ${p.episode.candidates.length} apps\n`);
    }
    const res = await api.call('POST', `/prune/approve?episode=${encodeURIComponent(episode)}`);
    if (!res.ok) {
      io.stderr.write(`maracker prune: ${res.message}\n`);
      return 1;
    }
    const approved = (res.body.approved as string[] | undefined) ?? [];
    if (approved.length === 0) {
      io.stdout.write(`${String(res.body.message ?? 'nothing awaits approval')}\n`);
      return 2;
    }
    io.stdout.write(`approved deleting ${approved.length} apps (episode ${episode}):\n${list(approved)}`);
    return 0;
  },
};
