import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import { ImageMetadata, type ImageInspector } from '../../src/sources/image-metadata.js';
import { flush, ManualClock } from '../helpers/manual-clock.js';

const DIGEST_1 = `sha256:${'1'.repeat(64)}`;
const DIGEST_2 = `sha256:${'2'.repeat(64)}`;

/** An inspector the test answers: each read waits for `answer`. */
function scriptedRegistry() {
  const reads: string[] = [];
  let next: () => Promise<{ digest: string; labels: Record<string, string>; exposedPorts: string[] }> = async () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:5000');
  };
  const inspector: ImageInspector = {
    inspect: async (image) => {
      reads.push(image);
      return next();
    },
  };
  return {
    inspector,
    reads,
    answer(digest: string, labels: Record<string, string>) {
      next = async () => ({ digest, labels, exposedPorts: [] });
    },
    fail(message: string) {
      next = async () => {
        throw new Error(message);
      };
    },
  };
}

function setup() {
  const clock = new ManualClock();
  const registry = scriptedRegistry();
  const told: string[] = [];
  const images = new ImageMetadata({ inspector: registry.inspector, logger: silentLogger(), timers: clock, random: () => 0.5, refreshMs: 60_000 });
  images.subscribe((image) => told.push(image));
  return { clock, registry, told, images };
}

describe('ImageMetadata', () => {
  it('answers pending at once, reads the image once, and tells when its labels are known', async () => {
    const { registry, told, images } = setup();
    registry.answer(DIGEST_1, { 'org.maracker.resources.mem': '512' });
    expect(images.lookup('web:1')).toEqual({ kind: 'pending' });
    expect(images.lookup('web:1')).toEqual({ kind: 'pending' });
    await flush();
    expect(registry.reads).toEqual(['web:1']);
    expect(told).toEqual(['web:1']);
    const found = images.lookup('web:1');
    expect(found.kind === 'ready' && found.facts.metadata.resources.mem).toEqual({ value: 512, from: 'org.maracker.resources.mem' });
  });

  it('keeps the errors of labels that give nothing, and no value in their place', async () => {
    const { registry, images } = setup();
    registry.answer(DIGEST_1, { 'org.maracker.http.port': 'eighty', 'org.maracker.resources.mem': '512' });
    images.lookup('web:1');
    await flush();
    const found = images.lookup('web:1');
    expect(found.kind === 'ready' && found.facts.metadata.http).toEqual({});
    expect(found.kind === 'ready' && found.facts.problems).toEqual([expect.stringMatching(/^org\.maracker\.http\.port="eighty": /)]);
  });

  it('reports an image never read as failed with the reason, retries with backoff, and tells when it can be read', async () => {
    const { clock, registry, told, images } = setup();
    images.lookup('web:1');
    await flush();
    expect(images.lookup('web:1')).toEqual({ kind: 'failed', reason: 'connect ECONNREFUSED 127.0.0.1:5000' });
    expect(told).toEqual(['web:1']);
    // Looking again does not hammer the registry: the retry is on the backoff's clock.
    images.lookup('web:1');
    await flush();
    expect(registry.reads).toHaveLength(1);
    registry.answer(DIGEST_1, {});
    clock.advance(2_000);
    await flush();
    expect(registry.reads).toHaveLength(2);
    expect(images.lookup('web:1').kind).toBe('ready');
    expect(told).toEqual(['web:1', 'web:1']);
  });

  it('keeps the last labels read while the registry is down, and reads again after refreshMs', async () => {
    const { clock, registry, told, images } = setup();
    registry.answer(DIGEST_1, { 'org.maracker.resources.mem': '512' });
    images.lookup('web:1');
    await flush();
    registry.fail('registry down');
    clock.advance(60_000);
    expect(images.lookup('web:1').kind).toBe('ready');
    await flush();
    expect(registry.reads).toHaveLength(2);
    expect(images.lookup('web:1').kind).toBe('ready');
    expect(told).toEqual(['web:1']);
  });

  it('tells when a tag moved to an image with other labels', async () => {
    const { clock, registry, told, images } = setup();
    registry.answer(DIGEST_1, { 'org.maracker.resources.mem': '512' });
    images.lookup('web:1');
    await flush();
    registry.answer(DIGEST_2, { 'org.maracker.resources.mem': '1024' });
    clock.advance(60_000);
    images.lookup('web:1');
    await flush();
    const found = images.lookup('web:1');
    expect(found.kind === 'ready' && [found.facts.digest, found.facts.metadata.resources.mem?.value]).toEqual([DIGEST_2, 1024]);
    expect(told).toEqual(['web:1', 'web:1']);
  });
});
