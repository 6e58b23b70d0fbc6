import { describe, expect, it } from 'vitest';
import type { AppId } from '../../src/model/app-id.js';
import { DeletionWindow, pruneLimit, type PruneDeletion } from '../../src/prune/budget.js';
import { DEFAULT_PRUNE_GUARD, PruneGuard, type PruneGuardOptions } from '../../src/prune/guard.js';
import type { PruneLedger } from '../../src/prune/ledger.js';
import type { PruneStatus } from '../../src/status/model.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { flush, ManualClock } from '../helpers/manual-clock.js';
import { seededRandom } from '../../src/sandbox/prng.js';

const ids = (n: number, prefix = '/app') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
const HOUR = 3_600_000;

/** A ledger in memory, shared by the guards of successive "starts" (what the database does). */
class MemoryLedger implements PruneLedger {
  readonly kind = 'database';
  rows: PruneDeletion[] = [];
  failLoads = 0;
  loads = 0;

  async load(since: number): Promise<PruneDeletion[]> {
    this.loads++;
    if (this.failLoads > 0) {
      this.failLoads--;
      throw new Error('connection refused');
    }
    return this.rows.filter((r) => r.at >= since).map((r) => ({ ...r }));
  }

  async record(d: PruneDeletion, dropBefore: number): Promise<void> {
    this.rows = this.rows.filter((r) => r.at >= dropBefore);
    this.rows.push({ ...d });
  }
}

function setup(o: { options?: Partial<PruneGuardOptions>; settleMs?: number; ledger?: PruneLedger; clock?: ManualClock } = {}) {
  const clock = o.clock ?? new ManualClock();
  const log = recordingLogger();
  const published: PruneStatus[] = [];
  const loaded: AppId[][] = [];
  const guard = new PruneGuard({
    options: { ...DEFAULT_PRUNE_GUARD, ...o.options },
    settleMs: o.settleMs ?? 2000,
    timers: clock,
    logger: log.logger,
    random: () => 0.5,
    ...(o.ledger ? { ledger: o.ledger } : {}),
    onChange: (s) => published.push(s),
    onLoaded: (ids) => loaded.push([...ids]),
  });
  return { guard, clock, log, published, loaded };
}

/**
 * A small world: the apps in Marathon, the ones the sources declare, and what the daemon
 * does with them each pass (the guard judges every candidate, the reconciler deletes what
 * it lets through, Marathon removes what was deleted).
 */
function world(guard: PruneGuard, apps: readonly AppId[]) {
  const marathon = new Set(apps);
  const declared = new Set(apps);
  const deleted: AppId[] = [];
  const candidates = (): AppId[] => [...marathon].filter((id) => !declared.has(id));
  return {
    marathon,
    declared,
    deleted,
    pass(): AppId[] {
      guard.observe(candidates(), marathon.size);
      const now: AppId[] = [];
      for (const id of candidates()) {
        if (guard.decide(id).kind !== 'delete') continue;
        guard.deleted(id);
        marathon.delete(id);
        now.push(id);
      }
      deleted.push(...now);
      return now;
    },
    undeclare(...list: AppId[]) {
      for (const id of list) declared.delete(id);
    },
    declare(...list: AppId[]) {
      for (const id of list) {
        declared.add(id);
        marathon.add(id);
      }
    },
  };
}

describe('prune budget', () => {
  it('allows max(5 apps, 10% of managed apps) per window', () => {
    expect(pruneLimit(10, DEFAULT_PRUNE_GUARD)).toBe(5);
    expect(pruneLimit(200, DEFAULT_PRUNE_GUARD)).toBe(20);
  });

  it('counts the deletions nobody approved within the window, and says when the oldest leaves it', () => {
    const w = new DeletionWindow(HOUR);
    w.add(
      { id: '/a', at: 1000, approvedBy: null, episode: null, managedBefore: null },
      { id: '/b', at: 2000, approvedBy: 'alice', episode: 'e1', managedBefore: null },
      { id: '/c', at: 3000, approvedBy: null, episode: null, managedBefore: null },
    );
    w.add({ id: '/a', at: 1000, approvedBy: null, episode: null, managedBefore: null }); // read back from the database: not twice
    w.trim(3000);
    expect(w.used).toBe(2);
    expect(w.freesAt).toBe(1000 + HOUR);
    w.trim(1000 + HOUR);
    expect(w.used).toBe(1);
    expect(w.entries().map((d) => d.id)).toEqual(['/b', '/c']);
    expect(w.freesAt).toBe(3000 + HOUR);
  });
  describe('the limit of a window', () => {
    const counted = (id: AppId, at: number, managedBefore: number | null): PruneDeletion => ({ id, at, approvedBy: null, episode: null, managedBefore });
    const limitOf = (entries: PruneDeletion[], managed: number, remaining = managed) => {
      const w = new DeletionWindow(HOUR);
      w.add(...entries);
      return w.limit(managed, remaining, DEFAULT_PRUNE_GUARD);
    };

    it("is a share of the managed apps before the window's deletions began, not of the apps created since", () => {
      // 60 managed apps, 6 deleted, then 40 created: 94 now.
      const six = ids(6).map((id, i) => counted(id, 1000 + i, 60 - i));
      expect(limitOf(six, 94)).toBe(6);
      // Without the counts (rows from before they were kept) it is the share of the apps now.
      expect(
        limitOf(
          six.map((d) => ({ ...d, managedBefore: null })),
          94,
        ),
      ).toBe(9);
    });

    it("adds to a later deletion's share the deletions before it: each bounds the windows that begin with it", () => {
      // 5 of 50 deleted (minimum 5), then the fleet grew to 200 and one more was deleted.
      const entries = [...ids(5).map((id, i) => counted(id, 1000 + i, 50 - i)), counted('/later', 9000, 200)];
      // The first five allow 5: the sixth was already one too many for their window.
      expect(limitOf(entries, 200)).toBe(5);
      // Had the first five been approved, the window beginning with the sixth allows 20.
      const approved = entries.map((d, i) => (i < 5 ? { ...d, approvedBy: 'alice', episode: 'e1' } : d));
      expect(limitOf(approved, 200)).toBe(20);
    });

    it('begins one window with the deletions of one instant, a share of the apps before the first of them', () => {
      const entries = [counted('/a', 1000, 100), counted('/b', 1000, 99), counted('/c', 2000, 40)];
      // /a and /b: 10 from 100. /c: 2 before it, plus 5 (the minimum, from 40).
      expect(limitOf(entries, 100)).toBe(7);
      expect(limitOf(entries.slice(0, 2), 100)).toBe(10);
    });

    it('takes a window beginning now from the apps not yet deleted: approved deletions Marathon still lists do not count', () => {
      // 100 listed, 50 of them deleted by an approval and still being removed.
      expect(limitOf([], 100, 50)).toBe(5);
      expect(limitOf([], 100, 100)).toBe(10);
    });
  });
});

describe('PruneGuard', () => {
  describe('deletes that went out unconfirmed (a lost answer, a refusal)', () => {
    it('count against the budget as if they happened: what reaches Marathon never exceeds it', () => {
      const { guard, clock, log } = setup();
      guard.observe(ids(5), 20);
      clock.advance(2000);
      // Five deletes within the budget of 5; the answer of the first is lost.
      guard.deleteUnconfirmed(ids(5)[0] as AppId);
      for (const id of ids(5).slice(1)) guard.deleted(id);
      expect(guard.status().budget.used).toBe(5);
      expect(log.messages()).toContain(`delete of ${ids(5)[0]} went out unconfirmed: counted against the prune budget, as it may have happened`);
      // A sixth candidate finds the budget spent, lost answer included.
      guard.observe([ids(5)[0] as AppId, '/late'], 20);
      clock.advance(2000);
      expect(guard.decide('/late')).toMatchObject({ kind: 'held', reason: 'blocked' });
      // The one whose answer was lost was paid for: trying it again spends nothing more.
      expect(guard.decide(ids(5)[0] as AppId)).toEqual({ kind: 'delete' });
      guard.deleted(ids(5)[0] as AppId);
      expect(guard.status().budget.used).toBe(5);
    });

    it('are counted once however often they go out unconfirmed, and only for a candidate', () => {
      const { guard, clock } = setup();
      guard.observe(['/a'], 20);
      clock.advance(2000);
      guard.deleteUnconfirmed('/a');
      guard.deleteUnconfirmed('/a');
      guard.deleteUnconfirmed('/not-a-candidate');
      expect(guard.status().budget.used).toBe(1);
      expect(guard.decide('/a')).toEqual({ kind: 'delete' });
    });

    it('keep the budget spent when the app turns out to be there and is declared again', () => {
      const { guard, clock } = setup();
      guard.observe(['/a'], 20);
      clock.advance(2000);
      guard.deleteUnconfirmed('/a');
      guard.observe([], 20);
      expect(guard.status()).toMatchObject({ candidates: [], budget: { used: 1 } });
      // Undeclared again later: a new delete, counted anew.
      guard.observe(['/a'], 20);
      clock.advance(2000);
      guard.deleted('/a');
      expect(guard.status().budget.used).toBe(2);
    });
  });

  it('lets candidates within the budget through once each stayed one the settle time', () => {
    const { guard, clock } = setup();
    guard.observe(['/a', '/b'], 30);
    expect(guard.decide('/a')).toEqual({ kind: 'settling', afterMs: 2000 });
    clock.advance(1500);
    guard.observe(['/a', '/b', '/c'], 30);
    expect(guard.decide('/a')).toEqual({ kind: 'settling', afterMs: 500 });
    expect(guard.decide('/c')).toEqual({ kind: 'settling', afterMs: 2000 });
    clock.advance(500);
    expect(guard.decide('/a')).toEqual({ kind: 'delete' });
    expect(guard.decide('/c').kind).toBe('settling');
    expect(guard.decide('/declared')).toMatchObject({ kind: 'held', reason: 'unjudged' });
  });

  it('restarts the settle time of an app that stopped being a candidate (a file rewritten in place)', () => {
    const { guard, clock } = setup();
    guard.observe(['/a'], 30);
    clock.advance(1900);
    guard.observe([], 30);
    guard.observe(['/a'], 30);
    clock.advance(1900);
    expect(guard.decide('/a')).toEqual({ kind: 'settling', afterMs: 100 });
  });

  it('blocks a list beyond what the budget has left, deletes nothing of it, and names it as an episode', () => {
    const { guard, clock, log } = setup();
    guard.observe(ids(6), 20);
    clock.advance(5000);
    for (const id of ids(6)) expect(guard.decide(id)).toMatchObject({ kind: 'held', reason: 'blocked' });
    const s = guard.status();
    expect(s).toMatchObject({
      blocked: true,
      limit: 5,
      candidates: ids(6),
      overridden: false,
      budget: { used: 0, limit: 5, windowSeconds: 3600, history: 'memory', loaded: true },
    });
    expect(s.episode).toMatchObject({ candidates: ids(6), blockedAt: '2026-03-02T08:00:00.000Z', approvedBy: null, approvedAt: null });
    expect(s.episode?.id).toMatch(/^[0-9a-f]{12}$/);
    expect(log.lines().filter((l) => l.msg.startsWith('prune guard: blocked deleting 6 apps'))).toHaveLength(1);
    // The same list judged again is the same episode, logged once.
    guard.observe(ids(6), 20);
    expect(guard.status().episode?.id).toBe(s.episode?.id);
    expect(log.messages().filter((m) => m.startsWith('prune guard: blocked'))).toHaveLength(1);
  });

  it('counts deletions across passes: removing 5 of 30 every 3.5 s blocks once the budget is spent', () => {
    const { guard, clock } = setup();
    const apps = ids(30);
    const w = world(guard, apps);
    for (let round = 0; round < 6; round++) {
      w.undeclare(...apps.slice(round * 5, round * 5 + 5));
      w.pass(); // the source changed
      clock.advance(2000);
      w.pass(); // the reconciler looks again after the settle time
      clock.advance(1500);
      w.pass(); // a resync
    }
    expect(w.deleted).toEqual(apps.slice(0, 5));
    expect(w.marathon.size).toBe(25);
    expect(guard.status()).toMatchObject({ blocked: true, candidates: apps.slice(5), budget: { used: 5, limit: 5 } });
  });

  it('frees the budget as deletions leave the sliding window: a blocked episode then ends on its own', () => {
    const { guard, clock, log } = setup();
    const apps = ids(30);
    const w = world(guard, apps);
    w.undeclare(...apps.slice(0, 5));
    w.pass();
    clock.advance(2000);
    expect(w.pass()).toEqual(apps.slice(0, 5));
    expect(guard.status().budget.freesAt).toBe(new Date(clock.now() + HOUR).toISOString());

    clock.advance(30 * 60_000);
    w.undeclare(apps[5] as AppId);
    expect(w.pass()).toEqual([]);
    const episode = guard.status().episode?.id;
    expect(guard.status()).toMatchObject({ blocked: true, candidates: [apps[5]], budget: { used: 5 } });

    clock.advance(30 * 60_000); // the first five leave the window
    expect(w.pass()).toEqual([apps[5]]);
    expect(guard.status()).toMatchObject({ blocked: false, episode: null, candidates: [], budget: { used: 1, limit: 5 } });
    expect(log.messages()).toContain(`prune episode ${episode} over: the deletions fit the budget again`);
  });

  it('lets an approved episode through, exactly its list, and ends the approval once all of it is deleted', () => {
    const { guard, clock, log } = setup();
    const apps = ids(30);
    const w = world(guard, apps);
    w.undeclare(...apps.slice(0, 20));
    w.pass();
    clock.advance(2000);
    expect(w.pass()).toEqual([]);
    const episode = guard.status().episode?.id as string;

    expect(guard.approve({ by: 'alice from 127.0.0.1', episode })).toEqual({ approved: apps.slice(0, 20), episode });
    expect(guard.status()).toMatchObject({
      blocked: false,
      overridden: true,
      episode: { id: episode, approvedBy: 'alice from 127.0.0.1', approvedAt: '2026-03-02T08:00:02.000Z' },
    });
    expect(log.lines().find((l) => l.msg === `prune approved by alice from 127.0.0.1: episode ${episode}, 20 apps will be deleted`)).toMatchObject({
      level: 40,
      by: 'alice from 127.0.0.1',
      approved: apps.slice(0, 20),
    });

    expect(w.pass()).toEqual(apps.slice(0, 20));
    // Approved deletions are looked at by a human: they do not spend the budget.
    expect(guard.status()).toMatchObject({ blocked: false, overridden: false, episode: null, candidates: [], budget: { used: 0 } });
    expect(log.messages()).toContain(`prune episode ${episode} done: no approved app is left to delete`);

    // The same apps come back, and go again: a new episode, which the old approval does not cover.
    w.declare(...apps.slice(0, 20));
    w.pass();
    w.undeclare(...apps.slice(0, 20));
    w.pass();
    clock.advance(2000);
    expect(w.pass()).toEqual([]);
    const second = guard.status().episode;
    expect(second).toMatchObject({ candidates: apps.slice(0, 20), approvedBy: null });
    expect(second?.id).not.toBe(episode);
    expect(() => guard.approve({ by: 'portal', episode })).toThrow(expect.objectContaining({ code: 'MRK_PRUNE_EPISODE_STALE' }));
    expect(w.pass()).toEqual([]);
    expect(w.marathon.size).toBe(30);
  });

  it('ends an approval when an app joins the list: the longer list is a new episode that needs its own approval', () => {
    const { guard, clock, log } = setup();
    const apps = ids(30);
    const w = world(guard, apps);
    w.undeclare(...apps.slice(0, 8));
    w.pass();
    clock.advance(2000);
    const first = guard.status().episode?.id as string;
    guard.approve({ by: 'alice', episode: first });
    // Three are deleted, then another app joins the list before the rest are.
    for (const id of apps.slice(0, 3)) {
      expect(guard.decide(id).kind).toBe('delete');
      guard.deleted(id);
      w.marathon.delete(id);
    }
    expect(guard.status().candidates).toEqual(apps.slice(3, 8));
    w.undeclare(apps[8] as AppId);
    expect(w.pass()).toEqual([]);
    const s = guard.status();
    expect(s).toMatchObject({ blocked: true, candidates: apps.slice(3, 9), episode: { candidates: apps.slice(3, 9), approvedBy: null } });
    expect(s.episode?.id).not.toBe(first);
    expect(log.messages()).toContain(`prune approval of episode ${first} by alice expired: the list of apps to delete changed`);
    expect(() => guard.approve({ by: 'alice', episode: first })).toThrow(expect.objectContaining({ code: 'MRK_PRUNE_EPISODE_STALE', current: s.episode?.id }));
    expect(guard.status().blocked).toBe(true);
    // Without an id, the approval takes the episode blocked now.
    expect(guard.approve({ by: 'bob' })).toEqual({ approved: apps.slice(3, 9), episode: s.episode?.id });
    // The newcomer still settles first: an approval does not skip the settle time.
    expect(w.pass()).toEqual(apps.slice(3, 8));
    clock.advance(2000);
    expect(w.pass()).toEqual([apps[8]]);
    expect(w.deleted).toEqual(apps.slice(3, 9));
    expect(guard.status()).toMatchObject({ episode: null, budget: { used: 0 } });
  });

  it('approves nothing when nothing is blocked, and nothing twice', () => {
    const { guard, clock } = setup();
    guard.observe(['/a'], 20);
    expect(guard.approve({ by: 'x' })).toEqual({ approved: [], episode: null, message: 'nothing awaits approval' });
    guard.observe(ids(8), 20);
    clock.advance(2000);
    const episode = guard.status().episode?.id as string;
    expect(guard.approve({ by: 'x', episode }).approved).toHaveLength(8);
    expect(guard.approve({ by: 'y', episode })).toEqual({
      approved: [],
      episode: null,
      message: `nothing awaits approval: episode ${episode} was approved by x`,
    });
  });

  it('clears candidates as they resolve, and keeps a deleted app Marathon still lists off the list', () => {
    const { guard, clock, published } = setup();
    guard.observe(['/a', '/b', '/c'], 30);
    clock.advance(2000);
    guard.deleted('/a');
    expect(published.at(-1)).toMatchObject({ candidates: ['/b', '/c'], budget: { used: 1 } });
    // Marathon's deployment still removes /a: listed again, it is no new candidate.
    guard.observe(['/a', '/b', '/c'], 30);
    expect(guard.decide('/a')).toEqual({ kind: 'deleting' });
    expect(guard.status()).toMatchObject({ candidates: ['/b', '/c'], budget: { used: 1 } });
    guard.resolved('/b'); // someone deleted it by hand
    expect(published.at(-1)?.candidates).toEqual(['/c']);
    guard.observe(['/c'], 28); // /a is gone
    guard.resolved('/a');
    expect(guard.decide('/a')).toMatchObject({ kind: 'held', reason: 'unjudged' });
    guard.observe([], 28); // /c declared again
    expect(published.at(-1)).toMatchObject({ candidates: [], blocked: false });
  });

  it('counts an app found gone as managed no more, until the next listing says so', async () => {
    const ledger = new MemoryLedger();
    const { guard, clock } = setup({ ledger });
    guard.start();
    await flush();
    guard.observe(['/a', '/b', '/c'], 60);
    clock.advance(2000);
    guard.resolved('/a'); // someone deleted it by hand
    guard.deleted('/b');
    guard.resolved('/b'); // Marathon's deployment removed it
    guard.deleted('/c');
    await guard.stop();
    expect(ledger.rows.map((r) => [r.id, r.managedBefore])).toEqual([
      ['/b', 59],
      ['/c', 58],
    ]);
  });

  it('judges a deleted app that a fresh read finds back (the delete did not take) as a new candidate', () => {
    const { guard, clock } = setup();
    guard.observe(['/a'], 30);
    clock.advance(2000);
    guard.deleted('/a');
    guard.reappeared('/a');
    expect(guard.decide('/a')).toEqual({ kind: 'settling', afterMs: 2000 });
    clock.advance(2000);
    expect(guard.decide('/a')).toEqual({ kind: 'delete' });
    guard.deleted('/a');
    expect(guard.status().budget.used).toBe(2);
  });

  it('does not let apps created during the deletions raise the budget (a commit that renames apps)', () => {
    const { guard, clock } = setup();
    const apps = ids(60);
    const w = world(guard, apps);
    w.undeclare(...apps.slice(0, 6));
    w.pass();
    clock.advance(2000);
    expect(w.pass()).toEqual(apps.slice(0, 6)); // max(5, 10% of 60)
    // The renamed apps arrive: 54 + 40 managed now, 10% of which is 9.
    w.declare(...ids(40, '/renamed'));
    w.undeclare(apps[6] as AppId);
    w.pass();
    clock.advance(2000);
    expect(w.pass()).toEqual([]);
    expect(guard.status()).toMatchObject({ blocked: true, candidates: [apps[6]], budget: { used: 6, limit: 6 } });
  });

  it('never deletes more within any window than a share of the apps managed before its first deletion (random creates and deletes)', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const r = seededRandom(seed);
      const { guard, clock } = setup();
      let next = 0;
      const fresh = (n: number) => Array.from({ length: n }, () => `/app${next++}`);
      const w = world(guard, fresh(40 + Math.floor(r() * 80)));
      const deletions: Array<{ at: number; before: number }> = [];
      for (let step = 0; step < 150; step++) {
        w.declare(...fresh(Math.floor(r() * 3) === 0 ? Math.floor(r() * 30) : 0));
        const declared = [...w.declared];
        w.undeclare(...declared.filter(() => r() < 0.04));
        for (let look = 0; look < 2; look++) {
          const before = w.marathon.size;
          const gone = w.pass();
          // One instant: the apps managed before it are those before the first of them.
          for (const _ of gone) deletions.push({ at: clock.now(), before });
          clock.advance(2000);
        }
        // A blocked list is declared again (the source fixed) rather than approved.
        if (guard.status().blocked) w.declare(...guard.status().candidates);
        clock.advance(Math.floor(r() * 10 * 60_000));
      }
      // The harness's rule: a window beginning with any deletion holds at most max(5, 10%) of
      // the apps managed just before it.
      for (const first of deletions) {
        const inWindow = deletions.filter((d) => d.at >= first.at && d.at < first.at + HOUR).length;
        const allowed = Math.max(5, Math.floor(0.1 * first.before));
        expect(inWindow, `seed ${seed}: window from ${first.at}`).toBeLessThanOrEqual(allowed);
      }
      expect(deletions.length, `seed ${seed} deletes something`).toBeGreaterThan(20);
    }
  });

  it('keeps the count before each deletion in its ledger: a restarted guard judges the window alike', async () => {
    const ledger = new MemoryLedger();
    const clock = new ManualClock();
    const first = setup({ ledger, clock });
    first.guard.start();
    await flush();
    first.guard.observe(ids(6), 60);
    clock.advance(2000);
    for (const id of ids(6)) first.guard.deleted(id);
    await first.guard.stop();
    // Marathon listed all six still (being removed): the count before each leaves out those deleted.
    expect(ledger.rows.map((r) => r.managedBefore)).toEqual([60, 59, 58, 57, 56, 55]);

    clock.advance(60_000);
    const second = setup({ ledger, clock });
    second.guard.start();
    await flush();
    second.guard.observe(['/late'], 94);
    expect(second.guard.status()).toMatchObject({ blocked: true, budget: { used: 6, limit: 6 } });
  });

  it('counts the deletions of an earlier start read back from its ledger, and deletes nothing before', async () => {
    const ledger = new MemoryLedger();
    const clock = new ManualClock();
    const first = setup({ ledger, clock });
    first.guard.start();
    await flush();
    first.guard.observe(ids(5), 30);
    clock.advance(2000);
    for (const id of ids(5)) first.guard.deleted(id);
    await first.guard.stop();
    expect(ledger.rows.map((r) => r.id)).toEqual(ids(5));

    clock.advance(10 * 60_000); // restarted ten minutes later
    const second = setup({ ledger, clock });
    second.guard.observe(['/late'], 25); // before the history is read
    clock.advance(2000);
    expect(second.guard.decide('/late')).toMatchObject({ kind: 'held', reason: 'history' });
    expect(second.guard.status().budget).toMatchObject({ history: 'database', loaded: false });
    second.guard.start();
    await flush();
    expect(second.loaded).toEqual([['/late']]);
    expect(second.guard.status()).toMatchObject({ blocked: true, candidates: ['/late'], budget: { used: 5, limit: 5, loaded: true } });
    expect(second.guard.decide('/late')).toMatchObject({ kind: 'held', reason: 'blocked' });
  });

  it('retries reading its history with backoff while the ledger fails, deleting nothing meanwhile', async () => {
    const ledger = new MemoryLedger();
    ledger.failLoads = 2;
    const { guard, clock, log } = setup({ ledger });
    guard.start();
    await flush();
    guard.observe(['/a'], 30);
    clock.advance(2000);
    expect(guard.decide('/a')).toMatchObject({ kind: 'held', reason: 'history' });
    expect(log.messages()).toContain('cannot read the prune history yet: nothing is deleted until it can be read');
    clock.advance(500); // first retry (500 ms, no jitter at random 0.5)
    await flush();
    expect(ledger.loads).toBe(2);
    expect(guard.decide('/a')).toMatchObject({ kind: 'held', reason: 'history' });
    clock.advance(1000);
    await flush();
    expect(ledger.loads).toBe(3);
    expect(guard.decide('/a')).toEqual({ kind: 'delete' });
  });

  it('forgets deletions older than the window in its ledger, and keeps counting those it could not write', async () => {
    const ledger = new MemoryLedger();
    const { guard, clock, log } = setup({ ledger });
    guard.start();
    await flush();
    guard.observe(['/a'], 30);
    clock.advance(2000);
    guard.deleted('/a');
    await flush();
    clock.advance(HOUR);
    const failing = ledger.record.bind(ledger);
    ledger.record = () => Promise.reject(new Error('connection lost'));
    guard.observe(['/b'], 30);
    clock.advance(2000);
    guard.deleted('/b');
    await flush();
    expect(log.messages()).toContain('cannot record a deletion in the prune history: it counts in memory, and is written with the next one');
    expect(guard.status().budget.used).toBe(1);
    ledger.record = failing;
    guard.observe(['/c'], 30);
    clock.advance(2000);
    guard.deleted('/c');
    await guard.stop();
    expect(ledger.rows.map((r) => r.id)).toEqual(['/b', '/c']);
  });

  it('reads its history again when the daemon becomes leader, deleting nothing until it has', async () => {
    const ledger = new MemoryLedger();
    const { guard, clock } = setup({ ledger });
    guard.start();
    await flush();
    // The previous leader deleted five meanwhile.
    for (const id of ids(5, '/old')) ledger.rows.push({ id, at: clock.now(), approvedBy: null, episode: null, managedBefore: 30 });
    guard.reload();
    guard.observe(['/a'], 30);
    clock.advance(2000);
    expect(guard.decide('/a')).toMatchObject({ kind: 'held', reason: 'history' });
    await flush();
    expect(guard.decide('/a')).toMatchObject({ kind: 'held', reason: 'blocked' });
  });

  it('deletes everything when disabled by flag, says the deletes were overridden, and logs it once', () => {
    const { guard, clock, log } = setup({ options: { disabled: true } });
    guard.observe(ids(50), 50);
    guard.observe(ids(50), 50);
    clock.advance(2000);
    expect(guard.decide('/app000')).toEqual({ kind: 'delete' });
    expect(guard.status()).toMatchObject({ blocked: false, overridden: true, episode: null });
    expect(log.messages().filter((m) => m.startsWith('prune guard disabled'))).toHaveLength(1);
  });

  it('checks its options at construction', () => {
    const base = { timers: new ManualClock(), logger: recordingLogger().logger };
    expect(() => new PruneGuard({ ...base, options: { ...DEFAULT_PRUNE_GUARD, share: 2 } })).toThrow('Expected `share` to be a number from 0 to 1, got `2`');
    expect(() => new PruneGuard({ ...base, options: { ...DEFAULT_PRUNE_GUARD, windowMs: 0 } })).toThrow('Expected `windowMs` to be a number above 0, got `0`');
    expect(() => new PruneGuard({ ...base, options: { ...DEFAULT_PRUNE_GUARD, minApps: 2.5 } })).toThrow(
      'Expected `minApps` to be an integer from 0 and up, got `2.5`',
    );
  });
});
