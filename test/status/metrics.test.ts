import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { computedGauge, PROMETHEUS_CONTENT_TYPE } from '../../src/status/metrics.js';
import { parseExposition, sampleValue } from './exposition.js';

describe('computedGauge', () => {
  it('computes the gauge from its probe at every scrape', async () => {
    const r = new Registry();
    let depth = 3;
    computedGauge(r, { name: 'depth', help: 'Depth.', read: () => depth });
    expect(sampleValue(parseExposition(await r.metrics()), 'depth')).toBe(3);
    depth = 7;
    expect(sampleValue(parseExposition(await r.metrics()), 'depth')).toBe(7);
  });

  it('replaces every labelled series with what the probe reports now', async () => {
    const r = new Registry();
    let up: Array<readonly [{ source: string }, number]> = [
      [{ source: 'files' }, 1],
      [{ source: 'database' }, 0],
    ];
    computedGauge<'source'>(r, { name: 'up', help: 'Up.', labelNames: ['source'], read: () => up });
    expect(sampleValue(parseExposition(await r.metrics()), 'up', { source: 'database' })).toBe(0);
    up = [[{ source: 'files' }, 1]];
    expect(parseExposition(await r.metrics()).get('up')?.samples).toEqual([{ name: 'up', labels: { source: 'files' }, value: 1 }]);
  });

  it('exposes no sample rather than a false zero when the probe does not know', async () => {
    const r = new Registry();
    let known: number | undefined = 2;
    computedGauge(r, { name: 'depth', help: 'Depth.', read: () => known });
    computedGauge<'source'>(r, { name: 'up', help: 'Up.', labelNames: ['source'], read: () => undefined });
    expect(sampleValue(parseExposition(await r.metrics()), 'depth')).toBe(2);
    known = undefined;
    const families = parseExposition(await r.metrics());
    expect(families.get('depth')?.samples).toEqual([]);
    expect(families.get('up')?.samples).toEqual([]);
  });

  it('leaves out a gauge whose probe throws, says so, and still renders the others', async () => {
    const heard: string[] = [];
    const r = new Registry();
    const onError = (name: string, err: unknown): void => void heard.push(`${name}: ${(err as Error).message}`);
    computedGauge(r, {
      name: 'broken',
      help: 'Broken.',
      onError,
      read: () => {
        throw new Error('boom');
      },
    });
    let calls = 0;
    computedGauge<'source'>(r, {
      name: 'half',
      help: 'Fails half way through its series.',
      labelNames: ['source'],
      onError,
      *read() {
        yield [{ source: 'a' }, ++calls] as const;
        if (calls > 1) throw new Error('lost b');
        yield [{ source: 'b' }, 1] as const;
      },
    });
    new Counter({ name: 'fine_total', help: 'Fine.', registers: [r] });
    expect(sampleValue(parseExposition(await r.metrics()), 'half', { source: 'b' })).toBe(1);
    const families = parseExposition(await r.metrics());
    expect(families.get('broken')?.samples).toEqual([]);
    // No series of a failed reading survives, not even the ones read before the failure.
    expect(families.get('half')?.samples).toEqual([]);
    expect(sampleValue(families, 'fine_total')).toBe(0);
    expect(heard).toEqual(['broken: boom', 'broken: boom', 'half: lost b']);
  });

  it('rejects a probe that is not a function when declared', () => {
    expect(() => computedGauge(new Registry(), { name: 'depth', help: 'Depth.', read: 3 as unknown as () => number })).toThrow(
      'Expected `read` of `depth` to be a function',
    );
  });
});

// What the exposition promises Prometheus and the tests, held by prom-client: checked here so
// that an upgrade that changes it fails where the reason is plain.
describe('the exposition, as prom-client renders it', () => {
  it('is the Prometheus text format 0.0.4', () => {
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('renders HELP and TYPE for every metric, in declaration order, and shows an unlabelled counter at zero', async () => {
    const r = new Registry();
    const b = new Counter({ name: 'b_total', help: 'B things.', registers: [r] });
    new Histogram({ name: 'c_seconds', help: 'C time.', buckets: [1], registers: [r] });
    const before = parseExposition(await r.metrics());
    expect([...before.values()].map((f) => [f.name, f.type, f.help])).toEqual([
      ['b_total', 'counter', 'B things.'],
      ['c_seconds', 'histogram', 'C time.'],
    ]);
    expect(sampleValue(before, 'b_total')).toBe(0);
    expect(sampleValue(before, 'c_seconds_count')).toBe(0);
    b.inc();
    b.inc(2);
    expect(sampleValue(parseExposition(await r.metrics()), 'b_total')).toBe(3);
  });

  it('escapes backslashes, double quotes and line feeds in label values, and backslashes and line feeds in HELP', async () => {
    const r = new Registry();
    const c = new Counter<'source'>({ name: 'errors_total', help: 'Errors "of" \\ a\nsource.', labelNames: ['source'], registers: [r] });
    const nasty = 'C:\\dir "quoted"\nnext line';
    c.inc({ source: nasty });
    const text = await r.metrics();
    expect(text).toContain('errors_total{source="C:\\\\dir \\"quoted\\"\\nnext line"} 1\n');
    expect(text).toContain('# HELP errors_total Errors "of" \\\\ a\\nsource.\n');
    const families = parseExposition(text);
    expect(sampleValue(families, 'errors_total', { source: nasty })).toBe(1);
    expect(families.get('errors_total')?.help).toBe('Errors "of" \\ a\nsource.');
  });

  it('renders histograms as cumulative buckets, +Inf, sum and count (le comes first among the labels)', async () => {
    const r = new Registry();
    const h = new Histogram<'route'>({ name: 'dur_seconds', help: 'Duration.', labelNames: ['route'], buckets: [0.1, 1, 2.5], registers: [r] });
    for (const v of [0.05, 0.1, 0.7, 3, 100]) h.observe({ route: '/v2/apps' }, v);
    expect((await r.metrics()).split('\n').filter((l) => l.startsWith('dur_seconds'))).toEqual([
      'dur_seconds_bucket{le="0.1",route="/v2/apps"} 2',
      'dur_seconds_bucket{le="1",route="/v2/apps"} 3',
      'dur_seconds_bucket{le="2.5",route="/v2/apps"} 3',
      'dur_seconds_bucket{le="+Inf",route="/v2/apps"} 5',
      'dur_seconds_sum{route="/v2/apps"} 103.85',
      'dur_seconds_count{route="/v2/apps"} 5',
    ]);
  });

  it('never lets a counter go down', () => {
    const c = new Counter({ name: 'c_total', help: 'C.', registers: [new Registry()] });
    expect(() => c.inc(-1)).toThrow('It is not possible to decrease a counter');
  });

  it('keeps registries apart: a metric name may be declared once per registry, in as many registries as there are daemons', () => {
    const a = new Registry();
    const b = new Registry();
    new Counter({ name: 'x_total', help: 'X.', registers: [a] });
    new Counter({ name: 'x_total', help: 'X.', registers: [b] });
    expect(() => new Counter({ name: 'x_total', help: 'again', registers: [a] })).toThrow('already been registered');
  });
});
