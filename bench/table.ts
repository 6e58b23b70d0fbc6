// The printed table: one line per figure with its goal, whether the goal is met, and the
// parameters it was measured with.

import { meetsGoal, type BenchRecord } from './record.js';

export function goalText(r: BenchRecord): string {
  return r.goal ? `${r.goal.op} ${r.goal.value}` : '';
}

export function verdict(r: BenchRecord): string {
  const met = meetsGoal(r);
  return met === undefined ? '' : met ? '✓' : '✗';
}

function paramsText(params: BenchRecord['params']): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function formatTable(records: readonly BenchRecord[]): string {
  const rows = records.map((r) => [r.name, String(r.value), r.unit, goalText(r), verdict(r), paramsText(r.params)]);
  const header = ['figure', 'value', 'unit', 'goal', 'ok', 'parameters'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : c === 1 ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w, c) => (c === widths.length - 1 ? '-'.repeat(10) : '-'.repeat(w)))), ...rows.map(line)].join('\n');
}

/** The Markdown table of docs/benchmarks.md. */
export function formatMarkdown(records: readonly BenchRecord[]): string {
  const esc = (s: string): string => s.replaceAll('|', '\\|');
  return [
    '| figure | value | unit | goal | ok | parameters |',
    '|---|---:|---|---|---|---|',
    ...records.map((r) => `| \`${r.name}\` | ${r.value} | ${r.unit} | ${esc(goalText(r))} | ${verdict(r)} | ${esc(paramsText(r.params))} |`),
  ].join('\n');
}
