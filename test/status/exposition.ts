// A strict reader of the Prometheus text format 0.0.4, for tests: it fails on anything a
// Prometheus server would reject (bad escapes, samples of an undeclared metric, HELP/TYPE
// after samples), so tests check the exposition parses, not merely that strings appear.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const SUFFIXES: Record<string, readonly string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count', ''] };

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      const f = families.get(name) ?? { name, help: '', type: 'untyped', samples: [] };
      if (f.samples.length > 0) throw new Error(`${kind} of ${name} after its samples`);
      if (kind === 'HELP') f.help = unescapeLabel(rest, false);
      else f.type = rest;
      families.set(name, f);
      continue;
    }
    if (line.startsWith('#')) continue;
    const s = parseSample(line);
    const family = [...families.values()].find((f) => s.name === f.name || (SUFFIXES[f.type] ?? []).some((x) => s.name === f.name + x));
    if (!family) throw new Error(`sample of undeclared metric: ${line}`);
    family.samples.push(s);
  }
  return families;
}

function parseSample(line: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
  if (!m) throw new Error(`bad sample line: ${line}`);
  const labels: Record<string, string> = {};
  let rest = (m[2] ?? '{}').slice(1, -1);
  while (rest.length > 0) {
    const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/.exec(rest);
    if (!l) throw new Error(`bad labels in: ${line}`);
    labels[l[1] as string] = unescapeLabel(l[2] as string, true);
    rest = rest.slice(l[0].length);
  }
  const raw = m[3] as string;
  // Prometheus reads values with Go's strconv.ParseFloat, which takes NaN in any case
  // (prom-client writes `Nan`).
  const nan = raw.toLowerCase() === 'nan';
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : nan ? NaN : Number(raw);
  if (Number.isNaN(value) && !nan) throw new Error(`bad value in: ${line}`);
  return { name: m[1] as string, labels, value };
}

function unescapeLabel(s: string, quotes: boolean): string {
  return s.replace(/\\(.)/g, (whole, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && quotes) return '"';
    throw new Error(`bad escape ${whole} in ${s}`);
  });
}

/** The value of the one sample of `name` with exactly these labels. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    const s = f.samples.find((x) => x.name === name && sameLabels(x.labels, labels));
    if (s) return s.value;
  }
  return undefined;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
