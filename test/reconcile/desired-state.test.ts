// The desired state as one collaborator: completing apps from their image's labels hands out
// the same object for the same declaration and the same labels, so a pass can tell an app
// whose inputs did not move (src/reconcile/noop-memo.ts) from one that changed.

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import type { DesiredApp } from '../../src/model/desired.js';
import { DesiredState } from '../../src/reconcile/desired-state.js';
import { ImageMetadata } from '../../src/sources/image-metadata.js';
import { StatusStore } from '../../src/status/store.js';
import { DEMO_FILE, desiredApp } from '../helpers/builders.js';
import { MemorySource } from '../helpers/memory-source.js';

const IMAGE = { type: 'DOCKER' as const, docker: { image: '127.0.0.1:5000/demo/api:1' } };

async function world() {
  const metadata = new ImageMetadata({
    inspector: { inspect: async () => ({ digest: `sha256:${'a'.repeat(64)}`, labels: { 'org.maracker.resources.mem': '1Gi' }, exposedPorts: [] }) },
    logger: silentLogger(),
  });
  const source = new MemorySource('folder');
  const desired = new DesiredState({
    sources: [source],
    status: new StatusStore({ instance: 't', marathonUrl: 'http://m' }),
    images: { metadata, pin: false },
  });
  const ready = new Promise<void>((resolve) => metadata.subscribe(() => resolve()));
  return { source, desired, ready };
}

function appOf(desired: DesiredState, id: string): DesiredApp {
  const entry = desired.view().get(id);
  if (entry.kind !== 'app') throw new Error(`${id} is ${entry.kind}`);
  return entry.app;
}

describe('DesiredState: apps completed from their image', () => {
  it('hands out the same object for the same declaration and the same labels, across views', async () => {
    const w = await world();
    w.source.set({ apps: [desiredApp({ id: '/demo/api', cpus: 1, mem: undefined, container: IMAGE })] });
    w.desired.changed();
    expect(w.desired.view().get('/demo/api').kind).toBe('unknown');
    await w.ready;
    w.desired.changed();
    const first = appOf(w.desired, '/demo/api');
    expect(first.definition.mem).toBe(1024);
    w.desired.changed();
    expect(appOf(w.desired, '/demo/api')).toBe(first);
  });

  it('completes a new declaration anew (a file read again), even with the same labels', async () => {
    const w = await world();
    w.source.set({ apps: [desiredApp({ id: '/demo/api', cpus: 1, mem: undefined, container: IMAGE })] });
    w.desired.changed();
    w.desired.view().get('/demo/api');
    await w.ready;
    w.desired.changed();
    const first = appOf(w.desired, '/demo/api');
    w.source.set({ apps: [desiredApp({ id: '/demo/api', cpus: 1, mem: undefined, container: IMAGE })] });
    w.desired.changed();
    const again = appOf(w.desired, '/demo/api');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});

describe('DesiredState: merging the sources', () => {
  function two() {
    const a = new MemorySource('folder');
    const b = new MemorySource('database');
    const status = new StatusStore({ instance: 't', marathonUrl: 'http://m' });
    const desired = new DesiredState({ sources: [a, b], status });
    return { a, b, desired, status };
  }

  it('keeps the merged view while every source declares the very same things (a re-read that found nothing new)', () => {
    const w = two();
    w.a.set({ apps: [desiredApp({ id: '/web' })] });
    w.desired.changed();
    const view = w.desired.view();
    w.desired.changed();
    expect(w.desired.view()).toBe(view);
  });

  it('merges again when any source declares anything anew, or changes state', () => {
    const w = two();
    w.a.set({ apps: [desiredApp({ id: '/web' })] });
    w.desired.changed();
    const first = w.desired.view();
    w.b.set({ apps: [desiredApp({ id: '/web' })] });
    w.desired.changed();
    const second = w.desired.view();
    expect(second).not.toBe(first);
    expect(second.get('/web').kind).toBe('conflict');
    w.b.set({ state: 'Unknown' });
    w.desired.changed();
    expect(w.desired.view()).not.toBe(second);
    expect(w.desired.view().allReady).toBe(false);
  });

  it('merges again when a file begins or stops being written, with the same declarations, and shows it in the status', () => {
    const w = two();
    w.a.set({ apps: [desiredApp({ id: '/web' })] });
    w.desired.changed();
    const first = w.desired.view();
    w.a.setChanging([DEMO_FILE]);
    w.desired.changed();
    expect(w.desired.view()).not.toBe(first);
    expect(w.desired.view().get('/web')).toMatchObject({ kind: 'app', changing: DEMO_FILE });
    expect(w.status.snapshot().sources[0]).toMatchObject({ name: 'folder', changing: [DEMO_FILE] });
    w.a.setChanging([]);
    w.desired.changed();
    expect(w.desired.view().get('/web')).not.toHaveProperty('changing');
    expect(w.status.snapshot().sources[0]).not.toHaveProperty('changing');
  });
});
