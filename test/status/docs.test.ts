// docs/status.md shows real answers of the status server. Each block that follows an
// `<!-- example: NAME -->` marker is what the server answers for EXAMPLES[NAME], served from
// the example daemon in fixtures.ts. This test fails when code and docs disagree; run
//   UPDATE_DOCS=1 npx vitest run test/status/docs.test.ts
// to rewrite the blocks from what the code answers now.

import { readFile, writeFile } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PruneEpisodeError } from '../../src/prune/guard.js';
import { createDaemonMetrics } from '../../src/status/daemon-metrics.js';
import { startStatusServer, type StatusServerOptions } from '../../src/status/server.js';
import type { StatusStore } from '../../src/status/store.js';
import { exampleStore, statusStore } from './fixtures.js';

const DOC = fileURLToPath(new URL('../../docs/status.md', import.meta.url));
const TOKEN = 'example-token';
const SHOWN_HEADERS = ['content-type', 'allow', 'www-authenticate'];

interface Example {
  method?: string;
  path: string;
  /** Send the bearer token. Default true. */
  auth?: boolean;
  headers?: Record<string, string>;
  server?: Partial<StatusServerOptions>;
  store?: () => StatusStore;
}

const EXAMPLES: Record<string, Example> = {
  status: { path: '/status' },
  app: { path: '/status/apps/mip/prod/portal' },
  'app-not-found': { path: '/status/apps/mip/prod/nothing' },
  healthz: { path: '/healthz', auth: false },
  'readyz-not-ready': { path: '/readyz', store: statusStore },
  'readyz-ready': { path: '/readyz' },
  unauthorized: { path: '/status', auth: false },
  'method-not-allowed': { method: 'DELETE', path: '/status/apps/mip/prod/portal' },
  'prune-approve': { method: 'POST', path: '/prune/approve?episode=3b6f0c2d9a41', headers: { 'x-maracker-user': 'alice' } },
  'prune-stale': {
    method: 'POST',
    path: '/prune/approve?episode=3b6f0c2d9a41',
    server: {
      approvePrune: () => {
        throw new PruneEpisodeError('3b6f0c2d9a41', '8e02d7c51f90', 7);
      },
    },
  },
  'prune-no-token': { method: 'POST', path: '/prune/approve', auth: false, headers: { origin: 'https://portal.mip.example.org' }, server: { token: null } },
  metrics: { path: '/metrics' },
};

/** The metrics of the example daemon after a few minutes of work. */
function exampleMetrics(store: StatusStore): ReturnType<typeof createDaemonMetrics> {
  const m = createDaemonMetrics({
    store,
    probes: {
      queueDepth: () => 0,
      deploymentsInFlight: () => 1,
      pruneBlocked: () => false,
      sources: () => [
        { name: 'folder', up: true },
        { name: 'database', up: true },
      ],
    },
  });
  for (const ms of [3, 4, 6, 12]) m.recordReconcile('synced', ms);
  m.recordReconcile('applied', 48);
  m.recordReconcile('terminal', 2);
  m.recordWrite('scale');
  m.recordMarathonRequest({ method: 'GET', route: '/v2/apps', status: 200, durationMs: 84 });
  m.recordMarathonRequest({ method: 'PUT', route: '/v2/apps/{id}', status: 200, durationMs: 37 });
  m.recordResync(130, true);
  // The next pass: the six apps found in sync, left out of the queue.
  m.recordResync(95, true);
  m.recordUnchanged(6);
  return m;
}

async function answer(example: Example): Promise<string> {
  const store = (example.store ?? exampleStore)();
  const server = await startStatusServer({
    host: '127.0.0.1',
    port: 0,
    store,
    metrics: exampleMetrics(store),
    token: TOKEN,
    approvePrune: () => ({ approved: ['/mip/old/a', '/mip/old/b', '/mip/old/c', '/mip/old/d', '/mip/old/e', '/mip/old/f'], episode: '3b6f0c2d9a41' }),
    ...example.server,
  });
  onTestFinished(() => server.close());
  const res = await fetch(`${server.url}${example.path}`, {
    method: example.method ?? 'GET',
    headers: { ...(example.auth === false ? {} : { authorization: `Bearer ${TOKEN}` }), ...example.headers },
  });
  const lines = [`HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ''}`];
  for (const h of SHOWN_HEADERS) {
    const v = res.headers.get(h);
    if (v !== null) lines.push(`${h.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase()).replace('Www', 'WWW')}: ${v}`);
  }
  const body = await res.text();
  const shown = res.headers.get('content-type')?.startsWith('application/json') ? JSON.stringify(JSON.parse(body), null, 2) : body.trimEnd();
  return `${lines.join('\n')}\n\n${shown}`;
}

const MARKER = /<!-- example: ([a-z-]+) -->\n```http\n([\s\S]*?)```/g;

describe('docs/status.md', () => {
  it('shows what the status server answers', async () => {
    const text = await readFile(DOC, 'utf8');
    const found = [...text.matchAll(MARKER)].map((m) => m[1] as string);
    expect(
      found.filter((n) => !(n in EXAMPLES)),
      'examples the test does not know',
    ).toEqual([]);
    expect(
      Object.keys(EXAMPLES).filter((n) => !found.includes(n)),
      'examples missing from the doc',
    ).toEqual([]);

    const answers = new Map<string, string>();
    for (const name of found) answers.set(name, await answer(EXAMPLES[name] as Example));
    const expected = text.replace(MARKER, (_all, name: string) => `<!-- example: ${name} -->\n\`\`\`http\n${answers.get(name)}\n\`\`\``);
    if (process.env.UPDATE_DOCS === '1' && expected !== text) await writeFile(DOC, expected);
    else expect(text).toBe(expected);
  });

  it('lists every metric the daemon exposes, with its type and labels, and no other', async () => {
    const text = await readFile(DOC, 'utf8');
    const section = text.slice(text.indexOf('\n## Metrics\n'), text.indexOf('\n### Example alerts\n'));
    const documented = new Map<string, string>();
    const linuxOnly = new Set<string>();
    for (const row of section.matchAll(/^\| `([a-z_:][a-z0-9_:]*)` \| ([a-z]+) \|([^|]*)\| ([^\n]*) \|$/gm)) {
      const [, name, type, labels, meaning] = row as unknown as [string, string, string, string, string];
      expect(documented.has(name), `${name} listed twice`).toBe(false);
      documented.set(name, `${type} {${[...labels.matchAll(/`([a-z_]+)`/g)].map((l) => l[1]).join(',')}}`);
      if (meaning.includes('(Linux only)')) linuxOnly.add(name);
    }
    // What the daemon builds: its own metrics and the process's (src/app/daemon.ts).
    const { registry } = createDaemonMetrics({ processMetrics: true });
    const exposed = new Map(
      registry.getMetricsAsArray().map((m) => [m.name, `${m.type} {${((m as { labelNames?: readonly string[] }).labelNames ?? []).join(',')}}`]),
    );
    expect(exposed.size).toBeGreaterThan(40);
    expect(
      [...exposed].filter(([name, shape]) => documented.get(name) !== shape),
      'exposed but not documented so',
    ).toEqual([]);
    const absent = [...documented.keys()].filter((name) => !exposed.has(name) && !(process.platform !== 'linux' && linuxOnly.has(name)));
    expect(absent, 'documented but not exposed').toEqual([]);
  });
});
