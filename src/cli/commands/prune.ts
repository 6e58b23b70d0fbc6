// `maracker prune show|approve`: the prune guard's override as a command. When a pass would
// delete more apps than the guard allows, the daemon deletes nothing and reports Blocked
// with the list; an operator looks at the list (show) and lets it through (approve). The
// approval covers exactly that list, is logged by the daemon, and needs the status token.

import { parseOptions, type OptionSpec } from '../../config/options.js';
import { errorMessage } from '../../errors.js';
import type { DaemonStatus } from '../../status/model.js';
import type { CliIO, Command } from '../command.js';

const options: readonly OptionSpec[] = [
  { name: 'status', type: 'string', env: 'MARACKER_STATUS_URL', default: 'http://127.0.0.1:8090', description: 'Base URL of the (leading) daemon\'s status server' },
  { name: 'status-token', type: 'string', env: 'MARACKER_STATUS_TOKEN', secret: true, description: 'Bearer token of the status server (required to approve)' },
];

async function call(io: CliIO, url: string, token: string | undefined, method: 'GET' | 'POST'): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  try {
    const res = await fetch(url, { method, headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  } catch (err) {
    io.stderr.write(`maracker prune: cannot reach ${url}: ${errorMessage(err)}\n`);
    return undefined;
  }
}

function errorOf(body: Record<string, unknown>): string {
  const e = body['error'] as { message?: string } | undefined;
  return e?.message ?? JSON.stringify(body);
}

export const command: Command = {
  name: 'prune',
  summary: 'Show or approve the deletions the prune guard holds back',
  usage: 'prune show|approve [--status URL] [--status-token TOKEN]',
  description: [
    'show     prints the apps a blocked pass would delete (exit 0; exit 2 when nothing is blocked).',
    'approve  lets exactly that list be deleted (the daemon logs who approved). Needs the',
    '         status token; ask the leader when several daemons run.',
  ].join('\n'),
  options,
  exitCodes: [
    [0, 'shown, or approved'],
    [1, 'error: daemon unreachable, refused (token, follower), bad usage'],
    [2, 'nothing awaits approval'],
  ],
  async run(args, io) {
    const { values, positionals } = parseOptions(options, args, io.env);
    const [action, ...rest] = positionals;
    if ((action !== 'show' && action !== 'approve') || rest.length > 0) {
      io.stderr.write(`usage: maracker ${this.usage}\n`);
      return 1;
    }
    const base = String(values['status']).replace(/\/+$/, '');
    const token = values['status-token'] as string | undefined;
    if (action === 'show') {
      const res = await call(io, `${base}/status`, token, 'GET');
      if (!res) return 1;
      if (res.status !== 200) {
        io.stderr.write(`maracker prune: ${res.status}: ${errorOf(res.body)}\n`);
        return 1;
      }
      const prune = (res.body as unknown as DaemonStatus).prune;
      if (!prune.blocked) {
        io.stdout.write(`nothing awaits approval (${prune.candidates.length} deletes pending, limit ${prune.limit} per pass)\n`);
        return 2;
      }
      io.stdout.write(`${prune.candidates.length} apps would be deleted (limit ${prune.limit} per pass):\n${prune.candidates.map((id) => `  - ${id}`).join('\n')}\n`);
      return 0;
    }
    const res = await call(io, `${base}/prune/approve`, token, 'POST');
    if (!res) return 1;
    if (res.status !== 200) {
      io.stderr.write(`maracker prune: ${res.status}: ${errorOf(res.body)}\n`);
      return 1;
    }
    const approved = (res.body['approved'] as string[] | undefined) ?? [];
    if (approved.length === 0) {
      io.stdout.write('nothing awaits approval\n');
      return 2;
    }
    io.stdout.write(`approved deleting ${approved.length} apps:\n${approved.map((id) => `  - ${id}`).join('\n')}\n`);
    return 0;
  },
};
