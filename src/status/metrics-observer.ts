// Turns the controller's observer hooks into metric records. Typed by shape rather than by
// importing reconcile/, so status stays a leaf the reconciler writes into.
//
// A reconcile that returns `done` either found nothing to do or wrote; the hooks do not say
// which, but `beforeWrite` names the app it writes for, and a key never runs twice at once
// (workqueue invariant), so remembering ids between `beforeWrite` and `reconciled` is exact.

import type { DaemonMetrics, ReplaceReason, WriteKind } from './daemon-metrics.js';

export interface MetricsObserver {
  reconciled(id: string, result: { kind: 'done' | 'retry' | 'terminal' }, durationMs: number): void;
  unchanged(ids: readonly string[]): void;
  beforeWrite(action: { id: string }): void;
  wrote(kind: WriteKind, outcome: string, replaced?: ReplaceReason): void;
  sourceError(source: string): void;
  eventGap(): void;
  resynced(durationMs: number, ok: boolean): void;
  firstSync(): void;
}

/** Hooks for ControllerDeps.observer. Pass `inner` to keep another observer (the safety harness) hearing them too. */
export function metricsObserver(metrics: DaemonMetrics, inner: Partial<MetricsObserver> = {}): MetricsObserver {
  const writing = new Set<string>();
  return {
    reconciled(id, result, durationMs) {
      const wrote = writing.delete(id);
      metrics.recordReconcile(result.kind === 'done' ? (wrote ? 'applied' : 'synced') : result.kind, durationMs);
      inner.reconciled?.(id, result, durationMs);
    },
    unchanged(ids) {
      metrics.recordUnchanged(ids.length);
      inner.unchanged?.(ids);
    },
    beforeWrite(action) {
      writing.add(action.id);
      inner.beforeWrite?.(action);
    },
    wrote(kind, outcome, replaced) {
      if (outcome === 'applied') metrics.recordWrite(kind);
      else if (outcome === 'superseded') metrics.recordSuperseded(kind);
      if (outcome === 'applied' && replaced !== undefined) metrics.recordDeploymentReplaced(replaced);
      inner.wrote?.(kind, outcome, replaced);
    },
    sourceError(source) {
      metrics.recordSourceError(source);
      inner.sourceError?.(source);
    },
    eventGap() {
      metrics.recordEventStreamGap();
      inner.eventGap?.();
    },
    resynced(durationMs, ok) {
      metrics.recordResync(durationMs, ok);
      inner.resynced?.(durationMs, ok);
    },
    firstSync() {
      inner.firstSync?.();
    },
  };
}
