import { createHmac } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createDaemonMetrics } from '../../src/status/daemon-metrics.js';
import { GitHook } from '../../src/status/git-hook.js';
import { startStatusServer } from '../../src/status/server.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { statusStore } from './fixtures.js';

const SECRET = 'a-webhook-secret-of-32-characters';
const BODY = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'abc' }));
const sign = (body: Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

function hook(clock = new ManualClock()) {
  let fetches = 0;
  const h = new GitHook({
    secret: SECRET,
    trigger: () => {
      fetches++;
    },
    timers: clock,
  });
  return { h, fetches: () => fetches, clock };
}

describe('GitHook', () => {
  it("accepts GitHub's, Gitea's and GitLab's forms, each triggering a fetch", () => {
    const { h, fetches } = hook();
    expect(h.receive({ 'x-hub-signature-256': `sha256=${sign(BODY)}` }, BODY)).toBe('accepted');
    expect(h.receive({ 'x-gitea-signature': sign(BODY) }, BODY)).toBe('accepted');
    expect(h.receive({ 'x-gitlab-token': SECRET }, BODY)).toBe('accepted');
    expect(fetches()).toBe(3);
  });

  it('refuses, alike, a missing, malformed or wrong signature, a body changed after signing, and another secret', () => {
    const { h, fetches } = hook();
    const refused = [
      h.receive({}, BODY),
      h.receive({ 'x-hub-signature-256': sign(BODY) }, BODY),
      h.receive({ 'x-hub-signature-256': 'sha256=zz' }, BODY),
      h.receive({ 'x-hub-signature-256': `sha256=${sign(BODY)}` }, Buffer.from(`${BODY.toString()} `)),
      h.receive({ 'x-hub-signature-256': `sha256=${sign(BODY, 'another-secret-entirely')}` }, BODY),
      h.receive({ 'x-gitea-signature': sign(BODY, 'another-secret-entirely') }, BODY),
      h.receive({ 'x-gitlab-token': `${SECRET}x` }, BODY),
      h.receive({ 'x-gitlab-token': '' }, BODY),
    ];
    expect(new Set(refused)).toEqual(new Set(['unauthorized']));
    expect(fetches()).toBe(0);
  });

  it('lets a burst of 10 through, then one a second', () => {
    const { h, fetches, clock } = hook();
    const headers = { 'x-gitlab-token': SECRET };
    const verdicts = Array.from({ length: 12 }, () => h.receive(headers, BODY));
    expect(verdicts.filter((v) => v === 'accepted')).toHaveLength(10);
    expect(verdicts.slice(10)).toEqual(['rate-limited', 'rate-limited']);
    clock.advance(999);
    expect(h.receive(headers, BODY)).toBe('rate-limited');
    clock.advance(1);
    expect(h.receive(headers, BODY)).toBe('accepted');
    expect(fetches()).toBe(11);
  });
});

describe('POST /hooks/git', () => {
  it('answers 202 to a signed push, 401 (no reason given) to anything else, and needs no bearer token', async () => {
    const { h, fetches } = hook();
    const server = await startStatusServer({
      host: '127.0.0.1',
      port: 0,
      store: statusStore(),
      metrics: createDaemonMetrics(),
      token: 'status-bearer-token',
      gitHook: h,
    });
    onTestFinished(() => server.close());
    const post = (headers: Record<string, string>, body = BODY) => fetch(`${server.url}/hooks/git`, { method: 'POST', headers, body });
    const ok = await post({ 'x-hub-signature-256': `sha256=${sign(BODY)}`, 'content-type': 'application/json' });
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ status: 'fetching' });
    expect(fetches()).toBe(1);
    for (const headers of [{}, { 'x-hub-signature-256': 'sha256=00' }, { 'x-gitlab-token': 'nope' }] as Record<string, string>[]) {
      const bad = await post(headers);
      expect(bad.status).toBe(401);
      expect(await bad.json()).toEqual({ error: { code: 'MRK_STATUS_UNAUTHORIZED', message: 'the webhook signature is missing or wrong' } });
    }
    const big = Buffer.alloc(2 * 1024 * 1024, 'x');
    expect((await post({ 'x-hub-signature-256': `sha256=${sign(big)}` }, big)).status).toBe(413);
    expect((await fetch(`${server.url}/hooks/git`)).status).toBe(405);
    expect(fetches()).toBe(1);
  });

  it('is no route without a webhook secret', async () => {
    const server = await startStatusServer({ host: '127.0.0.1', port: 0, store: statusStore(), metrics: createDaemonMetrics() });
    onTestFinished(() => server.close());
    expect((await fetch(`${server.url}/hooks/git`, { method: 'POST', body: BODY })).status).toBe(404);
  });
});
