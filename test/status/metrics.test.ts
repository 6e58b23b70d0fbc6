import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/status/metrics.js';
import { parseExposition, sampleValue } from './exposition.js';

describe('MetricsRegistry', () => {
  it('renders HELP and TYPE for every metric, in declaration order', () => {
    const r = new MetricsRegistry();
    r.counter({ name: 'b_total', help: 'B things.' });
    r.gauge({ name: 'a', help: 'A level.' });
    r.histogram({ name: 'c_seconds', help: 'C time.', buckets: [1] });
    const text = r.render();
    expect(text.split('\n').filter((l) => l.startsWith('# '))).toEqual([
      '# HELP b_total B things.',
      '# TYPE b_total counter',
      '# HELP a A level.',
      '# TYPE a gauge',
      '# HELP c_seconds C time.',
      '# TYPE c_seconds histogram',
    ]);
    expect([...parseExposition(text).values()].map((f) => [f.name, f.type])).toEqual([
      ['b_total', 'counter'],
      ['a', 'gauge'],
      ['c_seconds', 'histogram'],
    ]);
  });

  it('shows an unlabelled counter at zero before its first increment', () => {
    const r = new MetricsRegistry();
    const c = r.counter({ name: 'gaps_total', help: 'Gaps.' });
    expect(r.render()).toContain('\ngaps_total 0\n');
    c.inc();
    c.inc(undefined, 2);
    expect(r.render()).toContain('\ngaps_total 3\n');
  });

  it('renders labelled series sorted, with labels in declaration order', () => {
    const r = new MetricsRegistry();
    const c = r.counter<'method' | 'status'>({ name: 'req_total', help: 'Requests.', labelNames: ['method', 'status'] });
    c.inc({ status: '500', method: 'PUT' });
    c.inc({ status: '200', method: 'GET' }, 4);
    expect(r.render().split('\n').filter((l) => l.startsWith('req_total'))).toEqual([
      'req_total{method="GET",status="200"} 4',
      'req_total{method="PUT",status="500"} 1',
    ]);
  });

  it('escapes backslashes, double quotes and line feeds in label values', () => {
    const r = new MetricsRegistry();
    const c = r.counter<'source'>({ name: 'errors_total', help: 'Errors.', labelNames: ['source'] });
    const nasty = 'C:\\dir "quoted"\nnext line';
    c.inc({ source: nasty });
    const text = r.render();
    expect(text).toContain('errors_total{source="C:\\\\dir \\"quoted\\"\\nnext line"} 1\n');
    expect(sampleValue(parseExposition(text), 'errors_total', { source: nasty })).toBe(1);
  });

  it('escapes backslashes and line feeds in HELP text but leaves quotes alone', () => {
    const r = new MetricsRegistry();
    r.gauge({ name: 'g', help: 'A "g" with \\ and\nmore.' });
    const text = r.render();
    expect(text).toContain('# HELP g A "g" with \\\\ and\\nmore.\n');
    expect(parseExposition(text).get('g')?.help).toBe('A "g" with \\ and\nmore.');
  });

  it('renders histograms as cumulative buckets, +Inf, sum and count, le last', () => {
    const r = new MetricsRegistry();
    const h = r.histogram<'route'>({ name: 'dur_seconds', help: 'Duration.', labelNames: ['route'], buckets: [0.1, 1, 2.5] });
    for (const v of [0.05, 0.1, 0.7, 3, 100]) h.observe({ route: '/v2/apps' }, v);
    const lines = r.render().split('\n').filter((l) => l.startsWith('dur_seconds'));
    expect(lines).toEqual([
      'dur_seconds_bucket{route="/v2/apps",le="0.1"} 2',
      'dur_seconds_bucket{route="/v2/apps",le="1"} 3',
      'dur_seconds_bucket{route="/v2/apps",le="2.5"} 3',
      'dur_seconds_bucket{route="/v2/apps",le="+Inf"} 5',
      'dur_seconds_sum{route="/v2/apps"} 103.85',
      'dur_seconds_count{route="/v2/apps"} 5',
    ]);
    expect(h.get({ route: '/v2/apps' })).toEqual({ count: 5, sum: 103.85 });
  });

  it('shows an unlabelled histogram with empty buckets before its first observation', () => {
    const r = new MetricsRegistry();
    r.histogram({ name: 'h_seconds', help: 'H.', buckets: [1] });
    const f = parseExposition(r.render()).get('h_seconds');
    expect(f?.samples.map((s) => `${s.name}${s.labels['le'] ?? ''}=${s.value}`)).toEqual(['h_seconds_bucket1=0', 'h_seconds_bucket+Inf=0', 'h_seconds_sum=0', 'h_seconds_count=0']);
  });

  it('sets, raises and lowers a gauge', () => {
    const r = new MetricsRegistry();
    const g = r.gauge<'pool'>({ name: 'slots', help: 'Slots.', labelNames: ['pool'] });
    g.set({ pool: 'a' }, 5);
    g.inc({ pool: 'a' });
    g.dec({ pool: 'a' }, 3);
    g.set({ pool: 'b' }, -Infinity);
    const text = r.render();
    expect(text).toContain('slots{pool="a"} 3\n');
    expect(text).toContain('slots{pool="b"} -Inf\n');
  });

  it('computes a gauge from its callback at every scrape', () => {
    const r = new MetricsRegistry();
    let depth = 3;
    r.gauge({ name: 'depth', help: 'Depth.', collect: () => depth });
    expect(r.render()).toContain('\ndepth 3\n');
    depth = 7;
    expect(r.render()).toContain('\ndepth 7\n');
  });

  it('replaces every labelled series with what the callback reports now', () => {
    const r = new MetricsRegistry();
    let up: Array<readonly [{ source: string }, number]> = [[{ source: 'files' }, 1], [{ source: 'database' }, 0]];
    r.gauge<'source'>({ name: 'up', help: 'Up.', labelNames: ['source'], collect: () => up });
    expect(sampleValue(parseExposition(r.render()), 'up', { source: 'database' })).toBe(0);
    up = [[{ source: 'files' }, 1]];
    const families = parseExposition(r.render());
    expect(families.get('up')?.samples).toEqual([{ name: 'up', labels: { source: 'files' }, value: 1 }]);
  });

  it('exposes no sample rather than a false zero when the callback does not know', () => {
    const r = new MetricsRegistry();
    r.gauge({ name: 'depth', help: 'Depth.', collect: () => undefined });
    expect(parseExposition(r.render()).get('depth')?.samples).toEqual([]);
  });

  it('leaves out a gauge whose callback throws and still renders the others', () => {
    const heard: string[] = [];
    const r = new MetricsRegistry({ onCollectError: (name, err) => heard.push(`${name}: ${(err as Error).message}`) });
    r.gauge({ name: 'broken', help: 'Broken.', collect: () => { throw new Error('boom'); } });
    r.counter({ name: 'fine_total', help: 'Fine.' });
    const families = parseExposition(r.render());
    expect(families.get('broken')?.samples).toEqual([]);
    expect(sampleValue(families, 'fine_total')).toBe(0);
    expect(heard).toEqual(['broken: boom']);
  });

  it('refuses to set a gauge that is computed by a callback', () => {
    const g = new MetricsRegistry().gauge({ name: 'depth', help: 'Depth.', collect: () => 1 });
    expect(() => g.set(undefined, 2)).toThrow('`depth` is computed by its `collect` callback and cannot be set');
  });

  it('rejects bad declarations when they are made', () => {
    const r = new MetricsRegistry();
    r.counter({ name: 'x_total', help: 'X.' });
    expect(() => r.counter({ name: 'x_total', help: 'again' })).toThrow('got `x_total` twice');
    expect(() => r.counter({ name: 'bad-name', help: '' })).toThrow('got `bad-name`');
    expect(() => r.counter({ name: 'ok', help: '', labelNames: ['__reserved'] })).toThrow('got `__reserved`');
    expect(() => r.counter({ name: 'dup', help: '', labelNames: ['a', 'a'] })).toThrow('Expected distinct label names');
    expect(() => r.histogram({ name: 'h1', help: '', labelNames: ['le'] })).toThrow('got `le`');
    expect(() => r.histogram({ name: 'h2', help: '', buckets: [1, 1] })).toThrow('strictly increasing');
    expect(() => r.histogram({ name: 'h3', help: '', buckets: [1, Infinity] })).toThrow('finite');
  });

  it('rejects samples whose labels differ from the declared ones', () => {
    const c = new MetricsRegistry().counter<'kind'>({ name: 'w_total', help: 'W.', labelNames: ['kind'] });
    expect(() => c.inc()).toThrow('Expected labels {kind}');
    expect(() => c.inc({ kind: 'create', extra: 'x' } as { kind: string })).toThrow('Expected labels {kind}');
  });

  it('never lets a counter go down', () => {
    const c = new MetricsRegistry().counter({ name: 'c_total', help: 'C.' });
    expect(() => c.inc(undefined, -1)).toThrow('from 0 and up');
    expect(() => c.inc(undefined, NaN)).toThrow('from 0 and up');
  });
});
