// Large inputs are parsed in worker threads (the compiled worker: `npm run build` first, as
// npm test does), small ones in this thread; a worker that fails costs its input only.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { INLINE_PARSER, type InputParser } from '../../src/manifest/input-parser.js';
import { defaultWorkerUrl, ParsePool, type ParsePoolOptions } from '../../src/manifest/parse-pool.js';
import { parseManifestText } from '../../src/manifest/parse.js';
import { bigRowSpec, manyAppsFile } from '../../bench/large-inputs.js';
import { doc, yamlOf } from './builders.js';

const pools: ParsePool[] = [];
afterEach(async () => {
  while (pools.length > 0) await pools.pop()?.stop();
});

function pool(o: ParsePoolOptions = {}): ParsePool {
  const p = new ParsePool({ size: 1, ...o });
  pools.push(p);
  return p;
}

const fixture = (name: string): URL => new URL(`../fixtures/workers/${name}.mjs`, import.meta.url);
const small = yamlOf(doc({ name: 'web', group: 'demo' }));

/**
 * How many HTTP probes of a local server are both sent and answered while `work` is
 * pending: an ordering of events, not a measure of time. Work that holds the event loop
 * lets none through, whatever the speed of the machine.
 */
async function probesAnsweredDuring(work: () => Promise<unknown>): Promise<number> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  const at: { phase: 'before' | 'during' | 'after' } = { phase: 'before' };
  let answered = 0;
  let first: () => void = () => undefined;
  const probing = new Promise<void>((resolve) => (first = resolve));
  const prober = (async () => {
    while (at.phase !== 'after') {
      const sentDuring = at.phase === 'during';
      await fetch(url).then((r) => r.text());
      first();
      if (sentDuring && at.phase === 'during') answered++;
    }
  })();
  try {
    await probing;
    at.phase = 'during';
    await work();
  } finally {
    at.phase = 'after';
    await prober;
    await new Promise((resolve) => server.close(resolve));
  }
  return answered;
}

describe('ParsePool', () => {
  it('has the compiled worker to run (npm run build)', () => {
    expect(defaultWorkerUrl()).toBeDefined();
  });

  it('parses small files in this thread and large ones in a worker, with the same result', async () => {
    const p = pool();
    const big = manyAppsFile();
    expect(await p.parseFile(small, 'web.yaml', {})).toEqual(parseManifestText(small, 'web.yaml'));
    const result = await p.parseFile(big, 'big.yaml', { displayPath: 'm/big.yaml' });
    expect(p.counts).toMatchObject({ inThread: 1, inWorker: 1 });
    expect(result.problems).toEqual([]);
    expect(result.apps).toHaveLength(1000);
    expect(result).toEqual(parseManifestText(big, 'big.yaml', { displayPath: 'm/big.yaml' }));
  });

  it('keeps answering HTTP while a worker parses the largest allowed file; parsed in this thread, not one probe is answered', async () => {
    const big = manyAppsFile();
    const parseWith = (parser: InputParser) => () => parser.parseFile(big, 'big.yaml', {});
    expect(await probesAnsweredDuring(parseWith(INLINE_PARSER))).toBe(0);
    expect(await probesAnsweredDuring(parseWith(pool()))).toBeGreaterThan(0);
  });

  it('validates a large row in a worker', async () => {
    const p = pool();
    const spec = bigRowSpec();
    const result = await p.translateRow({ id: '/demo/web', spec, labels: null, bytes: JSON.stringify(spec).length }, {});
    expect(p.counts.inWorker).toBe(1);
    expect(result.problems).toEqual([]);
    expect(result.app?.id).toBe('/demo/web');
  });

  it('refuses a row nested too deep in this thread, with the limit it breaks: it is never copied to a worker (it could not be)', async () => {
    const p = pool({ thresholdBytes: 10 });
    let deep: unknown = [];
    for (let i = 0; i < 50_000; i++) deep = [deep];
    const result = await p.translateRow({ id: '/demo/deep', spec: { cmd: 'sleep 1000', marathon: { check: deep } }, labels: null, bytes: 100_000 }, {});
    expect(result.problems).toEqual([
      { code: 'limit-exceeded', message: 'nested deeper than 64 levels (--max-row-depth); not read', location: { row: '/demo/deep', jsonPath: 'spec' } },
    ]);
    expect(p.counts).toEqual({ inThread: 1, inWorker: 0, workerFailures: 0 });
  });

  it('makes an input that cannot be copied to a worker a problem of its own at once; the worker goes on with the next', async () => {
    const p = pool({ thresholdBytes: 10, jobTimeoutMs: 600_000 });
    const failed = p.translateRow({ id: '/demo/odd', spec: { cmd: 'sleep 1000', odd: () => 1 }, labels: null, bytes: 100 }, {});
    const next = p.translateRow({ id: '/demo/web', spec: { cmd: 'sleep 1000' }, labels: null, bytes: 100 }, {});
    expect((await failed).problems).toEqual([
      { code: 'internal-error', message: 'maracker failed while reading this input (DataCloneError); not applied', location: { row: '/demo/odd' } },
    ]);
    // Before, the slot stayed taken until the job timeout (here 10 minutes), and this input with it.
    expect((await next).problems).toEqual([]);
    expect(p.counts).toEqual({ inThread: 0, inWorker: 2, workerFailures: 0 });
  });

  it('makes a crashed worker a problem of that file alone, without its message, and replaces the worker', async () => {
    const p = pool({ workerUrl: fixture('crash'), thresholdBytes: 10 });
    const result = await p.parseFile(small, 'web.yaml', { displayPath: 'm/web.yaml' });
    expect(result.problems).toEqual([
      { code: 'internal-error', message: "maracker's parser thread failed on this input (Error); not applied", location: { file: 'm/web.yaml' } },
    ]);
    expect(result.declaredIds).toEqual([]);
    const again = await p.parseFile(small, 'other.yaml', {});
    expect(again.problems.map((x) => x.code)).toEqual(['internal-error']);
    expect(p.counts.workerFailures).toBe(2);
  });

  it('ends a job that overruns the timeout as a problem of that input', async () => {
    const p = pool({ workerUrl: fixture('hang'), thresholdBytes: 10, jobTimeoutMs: 200 });
    const result = await p.translateRow({ id: '/demo/web', spec: { cmd: 'true' }, labels: null, bytes: 100 }, {});
    expect(result.problems).toEqual([{ code: 'limit-exceeded', message: 'took longer than 0.2 s to read; not applied', location: { row: '/demo/web' } }]);
  });

  it('ends a worker that runs out of its heap as a problem of that input', async () => {
    const p = pool({ workerUrl: fixture('greedy'), thresholdBytes: 10, maxHeapMb: 16 });
    const result = await p.parseFile(small, 'web.yaml', {});
    expect(result.problems.map((x) => [x.code, x.message])).toEqual([
      ['limit-exceeded', 'too large to process (the parser ran out of its 16 MiB); not applied'],
    ]);
  });

  it('stops its workers: a job still running becomes a problem, later files are parsed in this thread', async () => {
    const p = pool({ workerUrl: fixture('hang'), thresholdBytes: 10 });
    const running = p.parseFile(small, 'web.yaml', {});
    await p.stop();
    expect((await running).problems.map((x) => x.message)).toEqual(['maracker stopped while reading this input; not applied']);
    expect((await p.parseFile(small, 'web.yaml', {})).apps).toHaveLength(1);
  });
});
