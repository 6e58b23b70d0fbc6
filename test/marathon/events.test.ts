import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { MarathonEvent } from '../../src/model/marathon.js';
import type { MarathonError } from '../../src/marathon/errors.js';
import type { EventsOptions } from '../../src/marathon/events.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { testClient } from './helpers/client.js';
import { fixture, json, startServer } from './helpers/server.js';

interface Recorder {
  events: MarathonEvent[];
  gaps: string[];
  connects: number;
  errors: MarathonError[];
  handlers: Pick<EventsOptions, 'onEvent' | 'onGap' | 'onConnected' | 'onError'>;
}

function recorder(): Recorder {
  const r: Recorder = {
    events: [],
    gaps: [],
    connects: 0,
    errors: [],
    handlers: {
      onEvent: (e) => r.events.push(e),
      onGap: (reason) => r.gaps.push(reason),
      onConnected: () => {
        r.connects++;
      },
      onError: (err) => r.errors.push(err),
    },
  };
  return r;
}

/** Waits (without asserting on time) until `condition` holds; the test timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await delay(5);
}

/** A ManualClock that counts the timers set on it: the client re-arms its idle timer on every chunk it reads. */
class ArmCountingClock extends ManualClock {
  arms = 0;

  override setTimeout(fn: () => void, ms: number): unknown {
    this.arms++;
    return super.setTimeout(fn, ms);
  }
}

function sseHead(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream;charset=UTF-8', 'cache-control': 'no-cache' });
}

/** Sleeps that yield to the event loop but do not wait out the real backoff. */
const quickSleep = async () => {
  await delay(1);
};

describe('MarathonClient.events', () => {
  it('subscribes with Accept: text/event-stream and the event_type filter, and parses the recorded stream', async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write(fixture('events/events.txt'));
    });
    const { client } = testClient(server.url);
    const r = recorder();
    const sub = client.events({ ...r.handlers, eventTypes: ['status_update_event', 'event_stream_attached'] });
    onTestFinished(() => sub.close());
    await until(() => r.events.length === 3);
    expect(r.events.map((e) => e.eventType)).toEqual(['event_stream_attached', 'status_update_event', 'status_update_event']);
    expect(r.events[1]).toMatchObject({ appId: '/foo', taskStatus: 'TASK_FAILED' });
    expect(r.connects).toBe(1);
    expect(r.gaps).toEqual([]);
    expect(sub.connected).toBe(true);
    const received = server.received[0]!;
    expect(received.url).toBe('/v2/events?event_type=status_update_event&event_type=event_stream_attached');
    expect(received.headers.accept).toBe('text/event-stream');
  });

  it('reconnects after the server drops the stream and reports the gap', async () => {
    const server = await startServer((_req, res, _body, n) => {
      sseHead(res);
      res.write(`event: deployment_success\ndata: {"eventType":"deployment_success","id":"d${n}"}\n\n`, () => {
        if (n === 1) res.destroy();
      });
    });
    const { client } = testClient(server.url, { sleep: quickSleep });
    const r = recorder();
    const sub = client.events(r.handlers);
    onTestFinished(() => sub.close());
    await until(() => r.events.length === 2);
    expect(r.events.map((e) => e.id)).toEqual(['d1', 'd2']);
    expect(r.connects).toBe(2);
    expect(r.gaps).toHaveLength(1);
    expect(r.gaps[0]).toMatch(/^stream (broke|ended)/);
    expect(server.received).toHaveLength(2);
  });

  it('reports a gap when the first connection only succeeds after failures', async () => {
    const server = await startServer((_req, res, _body, n) => {
      if (n === 1) return json(res, 401, fixture('errors/401-unauthorized.json'));
      if (n === 2) return json(res, 503, '{"message":"Could not determine the current leader"}');
      sseHead(res);
      res.write('data: {"eventType":"event_stream_attached"}\n\n');
    });
    const { client, sleeps } = testClient(server.url, { sleep: async (ms) => void sleeps.push(ms) });
    const r = recorder();
    const sub = client.events({ ...r.handlers, reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 1000 });
    onTestFinished(() => sub.close());
    await until(() => r.events.length === 1);
    expect(r.errors.map((e) => e.code)).toEqual(['MRK_MARATHON_UNAUTHORIZED', 'MRK_MARATHON_SERVER_ERROR']);
    expect(r.gaps).toEqual(['connect failed: MRK_MARATHON_UNAUTHORIZED']);
    // exponential: retry 1 -> [50, 100], retry 2 -> [100, 200]; random is 0.5
    expect(sleeps).toEqual([75, 150]);
  });

  it('treats a silent connection as broken after idleTimeoutMs', async () => {
    const server = await startServer((_req, res, _body, n) => {
      sseHead(res);
      res.write(`data: {"eventType":"tick","n":${n}}\n\n`);
      // then nothing: no heartbeat, no close (a half-open connection looks the same)
    });
    // The idle timeout runs on a clock the test moves: a slow machine cannot make it fire
    // before the first event is read, nor late.
    const clock = new ArmCountingClock();
    const { client } = testClient(server.url, { sleep: quickSleep, timers: clock });
    const r = recorder();
    const sub = client.events({ ...r.handlers, idleTimeoutMs: 50 });
    onTestFinished(() => sub.close());
    await until(() => r.events.length === 1);
    clock.advance(49);
    expect(clock.pending).toBe(1);
    expect(sub.connected).toBe(true);
    clock.advance(1);
    await until(() => r.gaps.length >= 1 && r.events.length >= 2);
    expect(r.gaps[0]).toBe('no data for 50 ms');
    expect(r.events.slice(0, 2).map((e) => e.n)).toEqual([1, 2]);
    expect(server.received).toHaveLength(2);
  });

  it('keeps an idle stream that receives heartbeats', async () => {
    const streams: ServerResponse[] = [];
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.flushHeaders();
      streams.push(res);
    });
    // The idle timeout runs on a clock the test moves, one heartbeat at a time: each is read
    // (the client re-arms its timer) before the clock moves on, so no scheduling delay can
    // put a timeout between two heartbeats.
    const clock = new ArmCountingClock();
    // timeoutMs bounds the headers only: a stream outliving it (in real time: it is not on
    // the clock) is normal. 2 s, as in the other tests here: headers are not slow to come.
    const timeoutMs = 2_000;
    const { client } = testClient(server.url, { sleep: quickSleep, timeoutMs, timers: clock });
    const r = recorder();
    const sub = client.events({ ...r.handlers, idleTimeoutMs: 200 });
    onTestFinished(() => sub.close());
    await until(() => r.connects === 1 && clock.arms === 1);
    const connectedAt = performance.now();
    let beats = 0;
    // 150 ms of idle time between heartbeats: 40 of them span 6 s, thirty idle timeouts.
    while (beats < 40 || performance.now() - connectedAt <= timeoutMs) {
      clock.advance(150);
      const arms = clock.arms;
      streams[0]!.write('\r\n');
      beats++;
      await until(() => clock.arms > arms);
    }
    expect(r.gaps).toEqual([]);
    expect(server.received).toHaveLength(1);
    expect(sub.connected).toBe(true);
    // And it is this clock that times the stream out: 200 ms without a heartbeat drop it.
    clock.advance(200);
    await until(() => r.connects === 2);
    expect(r.gaps).toEqual(['no data for 200 ms']);
    expect(server.received).toHaveLength(2);
  });

  it('reports an unparseable event as an error and a gap, and carries on', async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write('event: status_update_event\ndata: {"eventType":"status_up\n\nevent: app_terminated_event\ndata: {"appId":"/web"}\n\n');
    });
    const { client } = testClient(server.url);
    const r = recorder();
    const sub = client.events(r.handlers);
    onTestFinished(() => sub.close());
    await until(() => r.events.length === 1);
    expect(r.errors.map((e) => e.code)).toEqual(['MRK_MARATHON_BAD_BODY']);
    expect(r.gaps).toEqual(['unparseable status_update_event event']);
    // the event name fills in a missing eventType
    expect(r.events[0]).toEqual({ eventType: 'app_terminated_event', appId: '/web' });
  });

  it('survives a subscriber callback that throws', async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write('data: {"eventType":"a"}\n\ndata: {"eventType":"b"}\n\n');
    });
    const { client } = testClient(server.url);
    const seen: string[] = [];
    const sub = client.events({
      onEvent: (e) => {
        seen.push(e.eventType);
        if (e.eventType === 'a') throw new Error('subscriber bug');
      },
      onGap: () => {},
    });
    onTestFinished(() => sub.close());
    await until(() => seen.length === 2);
    expect(seen).toEqual(['a', 'b']);
  });

  it('stops reconnecting once closed', async () => {
    const server = await startServer((req) => req.socket.destroy());
    const { client, requests } = testClient(server.url, { sleep: quickSleep });
    const r = recorder();
    const sub = client.events(r.handlers);
    await until(() => server.received.length >= 3);
    await sub.close();
    // Counted on the client side: a request already on the wire when close() was called may
    // still reach the server afterwards, but no new one may start.
    const attempts = requests.length;
    await delay(20);
    expect(requests.length).toBe(attempts);
    expect(requests.every((q) => q.route === '/v2/events')).toBe(true);
    expect(sub.connected).toBe(false);
    expect(r.connects).toBe(0);
  });

  it('stops when its signal aborts, and client.close() closes open subscriptions', async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write(': welcome\n\n');
    });
    const { client } = testClient(server.url);
    const controller = new AbortController();
    const r1 = recorder();
    const r2 = recorder();
    const bySignal = client.events({ ...r1.handlers, signal: controller.signal });
    const byClose = client.events(r2.handlers);
    await until(() => r1.connects === 1 && r2.connects === 1);
    controller.abort();
    await bySignal.close();
    expect(bySignal.connected).toBe(false);
    await client.close();
    expect(byClose.connected).toBe(false);
    expect(server.received).toHaveLength(2);
  });
});
