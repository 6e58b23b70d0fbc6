// The largest inputs the default limits allow, for tests and for bench/parse-stall.ts (what
// parsing costs): each is within every limit, so it is parsed to the end.

import { DEFAULT_INPUT_LIMITS } from '../src/manifest/limits.js';

const MAX = DEFAULT_INPUT_LIMITS.maxFileBytes;

function app(i: number, padding = ''): string {
  return [
    '---',
    'apiVersion: maracker/v1',
    'kind: App',
    'metadata:',
    `  name: app-${i}`,
    '  group: big',
    'spec:',
    `  cmd: "sleep 3600 ${padding}"`,
    '  instances: 1',
    '  cpus: 0.01',
    '  mem: 16',
    '  labels: {team: mip, tier: web}',
    '',
  ].join('\n');
}

/** As many valid apps as the document limit allows, padded to just under the size limit. */
export function manyAppsFile(): string {
  const count = DEFAULT_INPUT_LIMITS.maxFileDocuments;
  const bare = app(0).length + 8;
  const padding = 'x'.repeat(Math.max(0, Math.floor((MAX - 1024) / count) - bare));
  return Array.from({ length: count }, (_, i) => app(i, padding)).join('');
}

/** One app whose command is a double-quoted string filling the file (the slowest scalar to read). */
export function bigStringFile(): string {
  const head = app(0).replace(/cmd: "sleep 3600 "\n/, 'cmd: "');
  const [before, after] = head.split('cmd: "') as [string, string];
  return `${before}cmd: "${'sleep 3600 \\t'.repeat(Math.floor((MAX - head.length - 64) / 13))}"${after.slice(after.indexOf('\n'))}`;
}

/** One document with as many entries as the node limit allows, in flow style. */
export function manyEntriesFile(): string {
  const n = DEFAULT_INPUT_LIMITS.maxYamlNodes - 40;
  const pad = Math.max(1, Math.floor((MAX - 512) / n) - 12);
  const entries = Array.from({ length: n }, (_, i) => `k${i}: ${'v'.repeat(pad)}`).join(', ');
  return `apiVersion: maracker/v1\nkind: App\nmetadata: {name: big}\nspec:\n  cmd: sleep 1\n  marathon: {check: {${entries}}}\n`;
}

/** A row spec of just under the row size limit. */
export function bigRowSpec(): Record<string, unknown> {
  return { cmd: `sleep 3600 ${'x'.repeat(DEFAULT_INPUT_LIMITS.maxRowBytes - 200)}`, instances: 1, cpus: 0.01, mem: 16 };
}

/** The file of the issue that blocked the event loop 7.6 s: 40,000 keys (over the node limit). */
export function fortyThousandKeysFile(): string {
  const keys = Array.from({ length: 40_000 }, (_, i) => `    k${i}: v`).join('\n');
  return `apiVersion: maracker/v1\nkind: App\nmetadata:\n  name: web\nspec:\n  cmd: x\n  labels:\n${keys}\n`;
}

/** Files of about `bytes` in the shapes that cost the most per byte, to choose the worker threshold. */
export function costlyShapes(bytes: number): Record<string, string> {
  const head = 'apiVersion: maracker/v1\nkind: App\nmetadata: {name: a}\nspec:\n  cmd: x\n';
  const fill = (start: string, item: (i: number) => string, end = ''): string => {
    let s = start;
    for (let i = 0; s.length + item(i).length + end.length < bytes; i++) s += item(i);
    return s + end;
  };
  return {
    'valid apps': fill('', (i) => app(i)),
    'flow entries': fill(`${head}  marathon: {check: {`, (i) => `k${i}: v, `, 'z: 1}}\n'),
    labels: fill(`${head}  labels:\n`, (i) => `    l${i}: v\n`),
    'unknown fields': fill(head, (i) => `  u${i}: v\n`),
  };
}
