// One measured figure, as printed in the bench table and written to bench/results.json.

export interface BenchRecord {
  /** Stable name, e.g. "plan.cpu_ms", "save_to_write.p50". */
  name: string;
  value: number;
  unit: 'ms' | 'us' | 'MiB' | 'count' | 'ratio' | 'per_s';
  /** The parameters the figure was measured with (app counts, concurrency, ...). */
  params: Record<string, string | number | boolean>;
  /** The goal stated in the issues, when there is one, for the comparison column. */
  goal?: { op: '<=' | '>=' | '=='; value: number };
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export function meetsGoal(record: BenchRecord): boolean | undefined {
  if (!record.goal) return undefined;
  const { op, value } = record.goal;
  return op === '<=' ? record.value <= value : op === '>=' ? record.value >= value : record.value === value;
}
