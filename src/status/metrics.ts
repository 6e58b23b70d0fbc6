// A small metrics registry rendered in the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Written here rather than
// taken from prom-client to keep the dependency list short; it covers what maracker needs:
// counters, gauges (set, or computed by a callback at scrape time) and histograms, with
// labels.
//
// Invariants:
// - names and label names are checked once, when a metric is declared, so a typo fails at
//   start-up and never produces an exposition Prometheus rejects;
// - every sample carries exactly the declared labels, in declaration order;
// - a gauge callback that throws costs that gauge's samples, never the whole scrape.

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values by label name. */
export type Labels<L extends string> = { readonly [K in L]: string };

export interface MetricOptions<L extends string> {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; by convention `maracker_<what>_<unit>[_total]`. */
  name: string;
  help: string;
  /** Default: none. */
  labelNames?: readonly L[];
}

export interface GaugeOptions<L extends string> extends MetricOptions<L> {
  /**
   * Computes the gauge when scraped, for values that mirror live state (queue depth, apps
   * by sync). A number for an unlabelled gauge, or one `[labels, value]` pair per series;
   * `undefined` when the value is not known (no sample is then exposed, rather than a false
   * zero). A gauge with a callback cannot be set.
   */
  collect?: () => number | undefined | Iterable<readonly [Labels<L>, number]>;
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds, strictly increasing and finite; `+Inf` is added. Default DEFAULT_BUCKETS. */
  buckets?: readonly number[];
}

/** prom-client's and client_golang's defaults, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface RegistryOptions {
  /** Told when a gauge callback throws (the gauge is left out of that scrape). Default: ignored. */
  onCollectError?: (metric: string, error: unknown) => void;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Renderable {
  readonly name: string;
  render(out: string[]): void;
}

export class MetricsRegistry {
  readonly #metrics = new Map<string, Renderable>();
  readonly #onCollectError: RegistryOptions['onCollectError'];

  constructor(options: RegistryOptions = {}) {
    this.#onCollectError = options.onCollectError;
  }

  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.#add(new Counter(options));
  }

  gauge<L extends string = never>(options: GaugeOptions<L>): Gauge<L> {
    return this.#add(new Gauge(options, this.#onCollectError));
  }

  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.#add(new Histogram(options));
  }

  /** The whole exposition, metrics in declaration order, series sorted by labels. */
  render(): string {
    const out: string[] = [];
    for (const m of this.#metrics.values()) m.render(out);
    return out.join('');
  }

  #add<M extends Renderable>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new TypeError(`Expected a metric name not declared yet, got \`${metric.name}\` twice`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}

/** Shared by the three kinds: names, labels, series keyed by their label values. */
abstract class Metric<L extends string, S> implements Renderable {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  protected readonly series = new Map<string, { values: readonly string[]; state: S }>();

  constructor(options: MetricOptions<L>, reserved: readonly string[] = []) {
    if (typeof options.name !== 'string' || !METRIC_NAME.test(options.name)) {
      throw new TypeError(`Expected a metric name matching ${METRIC_NAME}, got \`${String(options.name)}\``);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = [...(options.labelNames ?? [])];
    for (const l of this.labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__') || reserved.includes(l)) {
        throw new TypeError(`Expected label names of \`${this.name}\` to match ${LABEL_NAME}, not start with \`__\` and not be ${reserved.map((r) => `\`${r}\``).join(', ') || 'reserved'}, got \`${l}\``);
      }
    }
    if (new Set(this.labelNames).size !== this.labelNames.length) {
      throw new TypeError(`Expected distinct label names for \`${this.name}\`, got ${this.labelNames.join(', ')}`);
    }
  }

  protected abstract readonly type: 'counter' | 'gauge' | 'histogram';
  protected abstract initial(): S;
  protected abstract renderSeries(out: string[], values: readonly string[], state: S): void;

  /** Values of `labels` in declaration order; throws when a label is missing or unknown. */
  protected valuesOf(labels: Labels<L> | undefined): readonly string[] {
    const given = (labels ?? {}) as Record<string, unknown>;
    const keys = Object.keys(given);
    const values = this.labelNames.map((l) => given[l]);
    if (keys.length !== this.labelNames.length || values.some((v) => typeof v !== 'string')) {
      throw new TypeError(`Expected labels {${this.labelNames.join(', ')}} of string values for \`${this.name}\`, got ${JSON.stringify(given)}`);
    }
    return values as string[];
  }

  protected stateOf(labels: Labels<L> | undefined): S {
    const values = this.valuesOf(labels);
    const key = JSON.stringify(values);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { values, state: this.initial() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}\n`, `# TYPE ${this.name} ${this.type}\n`);
    // An unlabelled metric has exactly one series; show it at zero before its first change.
    if (this.labelNames.length === 0 && this.series.size === 0 && this.zeroBeforeFirstChange()) this.stateOf(undefined);
    const keys = [...this.series.keys()].sort();
    for (const k of keys) {
      const entry = this.series.get(k);
      if (entry) this.renderSeries(out, entry.values, entry.state);
    }
  }

  protected zeroBeforeFirstChange(): boolean {
    return true;
  }

  protected sample(out: string[], suffix: string, values: readonly string[], value: number, extra?: readonly [string, string]): void {
    out.push(`${this.name}${suffix}${labelText(this.labelNames, values, extra)} ${formatValue(value)}\n`);
  }
}

export class Counter<L extends string = never> extends Metric<L, { value: number }> {
  protected readonly type = 'counter';

  protected initial(): { value: number } {
    return { value: 0 };
  }

  /** Adds `by` (default 1, never negative: a counter only goes up). */
  inc(labels?: Labels<L>, by = 1): void {
    if (!(by >= 0) || !Number.isFinite(by)) throw new TypeError(`Expected a finite increment from 0 and up for \`${this.name}\`, got \`${by}\``);
    this.stateOf(labels).value += by;
  }

  /** Exposes the series at 0 before its first increment, so `rate()` sees the first one. */
  init(labels?: Labels<L>): void {
    this.stateOf(labels);
  }

  get(labels?: Labels<L>): number {
    return this.series.get(JSON.stringify(this.valuesOf(labels)))?.state.value ?? 0;
  }

  protected renderSeries(out: string[], values: readonly string[], s: { value: number }): void {
    this.sample(out, '', values, s.value);
  }
}

export class Gauge<L extends string = never> extends Metric<L, { value: number }> {
  protected readonly type = 'gauge';
  readonly #collect: GaugeOptions<L>['collect'];
  readonly #onCollectError: RegistryOptions['onCollectError'];

  constructor(options: GaugeOptions<L>, onCollectError?: RegistryOptions['onCollectError']) {
    super(options);
    if (options.collect !== undefined && typeof options.collect !== 'function') {
      throw new TypeError(`Expected \`collect\` of \`${this.name}\` to be a function, got \`${typeof options.collect}\``);
    }
    this.#collect = options.collect;
    this.#onCollectError = onCollectError;
  }

  protected initial(): { value: number } {
    return { value: 0 };
  }

  set(labels: Labels<L> | undefined, value: number): void {
    this.#settable();
    this.stateOf(labels).value = value;
  }

  inc(labels?: Labels<L>, by = 1): void {
    this.#settable();
    this.stateOf(labels).value += by;
  }

  dec(labels?: Labels<L>, by = 1): void {
    this.inc(labels, -by);
  }

  override render(out: string[]): void {
    if (this.#collect) this.#refresh(this.#collect);
    super.render(out);
  }

  /** Replaces every series with what the callback reports now. */
  #refresh(collect: NonNullable<GaugeOptions<L>['collect']>): void {
    let fresh: ReturnType<typeof collect>;
    const next = new Map<string, { values: readonly string[]; state: { value: number } }>();
    try {
      fresh = collect();
      if (typeof fresh === 'number') {
        next.set(JSON.stringify([]), { values: this.valuesOf(undefined), state: { value: fresh } });
      } else if (fresh !== undefined) {
        for (const [labels, value] of fresh) {
          const values = this.valuesOf(labels);
          next.set(JSON.stringify(values), { values, state: { value } });
        }
      }
    } catch (err) {
      this.#onCollectError?.(this.name, err);
      next.clear();
    }
    this.series.clear();
    for (const [k, v] of next) this.series.set(k, v);
  }

  /** A computed value that is not known stays absent rather than showing a false zero. */
  protected override zeroBeforeFirstChange(): boolean {
    return this.#collect === undefined;
  }

  protected renderSeries(out: string[], values: readonly string[], s: { value: number }): void {
    this.sample(out, '', values, s.value);
  }

  #settable(): void {
    if (this.#collect) throw new TypeError(`\`${this.name}\` is computed by its \`collect\` callback and cannot be set`);
  }
}

interface HistogramState {
  /** Per bucket, not cumulative: observations with value <= bound and > the previous bound. */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram<L extends string = never> extends Metric<L, HistogramState> {
  protected readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions<L>) {
    super(options, ['le']);
    const buckets = [...(options.buckets ?? DEFAULT_BUCKETS)];
    const sorted = buckets.every((b, i) => Number.isFinite(b) && (i === 0 || b > (buckets[i - 1] as number)));
    if (buckets.length === 0 || !sorted) {
      throw new TypeError(`Expected \`buckets\` of \`${this.name}\` to be finite and strictly increasing, got [${buckets.join(', ')}]`);
    }
    this.buckets = buckets;
  }

  protected initial(): HistogramState {
    return { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  observe(labels: Labels<L> | undefined, value: number): void {
    if (Number.isNaN(value)) throw new TypeError(`Expected a number to observe for \`${this.name}\`, got \`NaN\``);
    const s = this.stateOf(labels);
    let i = this.buckets.findIndex((b) => value <= b);
    if (i < 0) i = this.buckets.length;
    s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += value;
    s.count++;
  }

  /** Observations and their sum so far (tests, benchmarks). */
  get(labels?: Labels<L>): { count: number; sum: number } {
    const s = this.series.get(JSON.stringify(this.valuesOf(labels)))?.state;
    return { count: s?.count ?? 0, sum: s?.sum ?? 0 };
  }

  protected renderSeries(out: string[], values: readonly string[], s: HistogramState): void {
    let cumulative = 0;
    this.buckets.forEach((bound, i) => {
      cumulative += s.counts[i] ?? 0;
      this.sample(out, '_bucket', values, cumulative, ['le', formatValue(bound)]);
    });
    this.sample(out, '_bucket', values, s.count, ['le', '+Inf']);
    this.sample(out, '_sum', values, s.sum);
    this.sample(out, '_count', values, s.count);
  }
}

/** `{a="x",b="y"}`, or nothing for a sample without labels. */
function labelText(names: readonly string[], values: readonly string[], extra?: readonly [string, string]): string {
  const pairs = names.map((n, i) => `${n}="${escapeLabelValue(values[i] ?? '')}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** Label values escape `\`, `"` and line feeds. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes `\` and line feeds (quotes stay as they are). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}
