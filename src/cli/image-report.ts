// What `maracker image inspect` and `image check` print: text for people, JSON for programs.
// Pure: built from the registry's answer and imageMetadata's, never from I/O.

import type { Derived, DerivedMetadata, ImageMetadataResult, MetadataProblem } from '../image/metadata.js';
import type { ImageInspection } from '../registry/client.js';
import { formatPlatform } from '../registry/platform.js';

/** A label value on one line: quoted when it holds line breaks or other control characters. */
function shown(value: string): string {
  return /[\u0000-\u001f\u007f]/.test(value) || value.trim() !== value || value === '' ? JSON.stringify(value) : value;
}

function table(rows: ReadonlyArray<readonly [string, string, string?]>, indent = '  '): string[] {
  const width = Math.max(0, ...rows.map(([k]) => k.length)) + 2;
  const valueWidth = Math.min(48, Math.max(0, ...rows.map(([, v]) => v.length)) + 2);
  return rows.map(([k, v, note]) => `${indent}${k.padEnd(width)}${note === undefined ? v : `${v.padEnd(valueWidth)}${note}`}`.trimEnd());
}

export function problemLine(p: MetadataProblem): string {
  return `${p.severity.padEnd(8)}${p.message}`;
}

function derivedRows(d: DerivedMetadata): Array<[string, string, string]> {
  const rows: Array<[string, string, string]> = [];
  const add = (name: string, v: Derived<string | number> | undefined, unit = ''): void => {
    if (v !== undefined) rows.push([name, `${shown(String(v.value))}${unit}`, `from ${v.from}`]);
  };
  add('cpus', d.resources.cpus);
  add('mem', d.resources.mem, ' MiB');
  add('disk', d.resources.disk, ' MiB');
  add('http port', d.http.port);
  add('health path', d.http.healthPath);
  for (const [name, v] of Object.entries(d.info)) add(name, v);
  return rows;
}

/** `maracker image inspect` as text. */
export function renderInspectText(image: ImageInspection, metadata: ImageMetadataResult): string {
  const lines = table(
    [
      ['Image', image.reference],
      ['Digest', image.digest],
      ...(image.manifestDigest === image.digest ? [] : [['Manifest', `${image.manifestDigest} (for ${formatPlatform(image.platform)})`] as [string, string]]),
      ['Platform', formatPlatform(image.platform)],
      ['Config', image.configDigest],
      ...(image.created === undefined ? [] : [['Created', image.created] as [string, string]]),
    ],
    '',
  );
  const labels = Object.keys(image.labels).sort();
  lines.push('', `Labels (${labels.length})`);
  if (labels.length === 0) lines.push('  none');
  else lines.push(...table(labels.map((k) => [k, shown(image.labels[k] as string)] as [string, string])));
  const ports = metadata.derived.ports.map((p) => `${p.port}/${p.protocol}`);
  lines.push('', `Exposed ports: ${ports.length === 0 ? 'none' : ports.join(', ')}`);
  const rows = derivedRows(metadata.derived);
  lines.push('', 'What maracker derives');
  if (rows.length === 0) lines.push('  nothing');
  else lines.push(...table(rows));
  lines.push('', `Problems (${metadata.problems.length})`);
  if (metadata.problems.length === 0) lines.push('  none: the image follows the format (docs/image-metadata.md)');
  else lines.push(...metadata.problems.map((p) => `  ${problemLine(p)}`));
  return `${lines.join('\n')}\n`;
}

export function inspectJson(image: ImageInspection, metadata: ImageMetadataResult): unknown {
  return { image, derived: metadata.derived, problems: metadata.problems };
}

/** One image of `image check`: read and judged, or not read. */
export type CheckResult =
  | { image: string; reference: string; digest: string; follows: boolean; problems: MetadataProblem[] }
  | { image: string; follows: false; invalidReference: string }
  | { image: string; follows: false; error: { code: string; message: string } };

export interface CheckSummary {
  total: number;
  follow: number;
  notFollow: number;
  unreadable: number;
}

export function summarise(results: readonly CheckResult[]): CheckSummary {
  const unreadable = results.filter((r) => 'error' in r).length;
  const follow = results.filter((r) => r.follows).length;
  return { total: results.length, follow, notFollow: results.length - follow - unreadable, unreadable };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Lines of `image check`: per image on stdout, its problems and read errors on stderr. */
export function renderCheckText(results: readonly CheckResult[]): { stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  for (const r of results) {
    if ('error' in r) {
      out.push(`${r.image}: cannot be read`);
      err.push(`${r.image}: ${r.error.message} [${r.error.code}]`);
    } else if ('invalidReference' in r) {
      out.push(`${r.image}: invalid reference`);
      err.push(`${r.image}: ${r.invalidReference}`);
    } else {
      const errors = r.problems.filter((p) => p.severity === 'error').length;
      const warnings = r.problems.length - errors;
      const counts = [errors > 0 ? plural(errors, 'error') : '', warnings > 0 ? plural(warnings, 'warning') : ''].filter((s) => s !== '').join(', ');
      out.push(`${r.image}: ${r.follows ? 'follows the format' : 'does not follow the format'}${counts === '' ? '' : ` (${counts})`}`);
      for (const p of r.problems) err.push(`${r.image}: ${p.severity}: ${p.message}`);
    }
  }
  const s = summarise(results);
  out.push(`${plural(s.total, 'image')}: ${s.follow} follow the format, ${s.notFollow} do not, ${s.unreadable} cannot be read`);
  return { stdout: `${out.join('\n')}\n`, stderr: err.length === 0 ? '' : `${err.join('\n')}\n` };
}
