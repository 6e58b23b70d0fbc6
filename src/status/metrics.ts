// What maracker adds to prom-client (https://github.com/siimon/prom-client), which holds the
// registries, the metric kinds and the text exposition: a gauge computed from live state when
// scraped, with two guarantees prom-client leaves to its callers.
// - A value that is not known has no sample, rather than a false zero (prom-client shows an
//   unlabelled gauge at 0 until it is set).
// - A probe that throws costs its own gauge, never the scrape: prom-client rejects the whole
//   exposition when one collect() throws.

import { Gauge, Registry } from 'prom-client';

/** `text/plain; version=0.0.4; charset=utf-8`, the Prometheus text format every registry here renders. */
export const PROMETHEUS_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;

/** Label values by label name. */
export type Labels<L extends string> = { readonly [K in L]: string };

/**
 * What a probe reports when scraped: a number for an unlabelled gauge, one `[labels, value]`
 * pair per series of a labelled one, `undefined` when the value is not known.
 */
export type Reading<L extends string> = number | undefined | Iterable<readonly [Labels<L>, number]>;

export interface ComputedGaugeOptions<L extends string> {
  /** By convention `maracker_<what>_<unit>`. */
  name: string;
  help: string;
  /** Default: none. */
  labelNames?: readonly L[];
  /** Read at every scrape; every series it does not report is gone from that scrape. */
  read: () => Reading<L>;
  /** Told when `read` throws (the gauge then has no sample in that scrape). Default: ignored. */
  onError?: (metric: string, error: unknown) => void;
}

/** A gauge of `registry` computed by `read` at every scrape, never set by hand. */
export function computedGauge<L extends string = never>(registry: Registry, options: ComputedGaugeOptions<L>): Gauge<L> {
  const { name, read, onError } = options;
  if (typeof read !== 'function') throw new TypeError(`Expected \`read\` of \`${name}\` to be a function, got \`${typeof read}\``);
  const unlabelled = (options.labelNames ?? []).length === 0;
  const clear = (gauge: Gauge<L>): void => {
    gauge.reset();
    if (unlabelled) gauge.remove({});
  };
  return new Gauge<L>({
    name,
    help: options.help,
    labelNames: [...(options.labelNames ?? [])],
    registers: [registry],
    collect() {
      clear(this);
      try {
        const reading = read();
        if (typeof reading === 'number') this.set(reading);
        else if (reading !== undefined) for (const [labels, value] of reading) this.set(labels, value);
      } catch (err) {
        clear(this);
        onError?.(name, err);
      }
    },
  });
}
