import { describe, expect, it } from 'vitest';
import { MAX_PAGE_LIMIT, matches, parseAppQuery, selectApps } from '../../src/status/app-query.js';
import { appStatus } from './fixtures.js';

const q = (query: string) => parseAppQuery(new URLSearchParams(query));
const messageOf = (query: string): string => {
  try {
    q(query);
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
};

describe('parseAppQuery', () => {
  it('is undefined for the whole document, and reads filters and a page', () => {
    expect(q('')).toBeUndefined();
    expect(q('sync=&health=')).toBeUndefined();
    expect(q('sync=OutOfSync,Invalid&health=Degraded&group=/mip/prod/&group=/lab&after=/mip/a&limit=50')).toEqual({
      sync: new Set(['OutOfSync', 'Invalid']),
      health: new Set(['Degraded']),
      groups: ['/mip/prod', '/lab'],
      after: '/mip/a',
      limit: 50,
    });
    expect(q('group=/')).toEqual({ groups: ['/'] });
  });

  it('refuses what it cannot read, saying which parameter and what it expects', () => {
    expect(messageOf('health=ok')).toBe('unknown health value "ok"; expected one of Healthy, Progressing, Degraded, Missing, Suspended, Unknown');
    expect(messageOf('group=mip')).toBe('group: expected a group path such as /mip/prod (lowercase segments of letters, digits and dashes), got "mip"');
    expect(messageOf('group=/MIP')).toContain('got "/MIP"');
    expect(messageOf('group=/a/../b')).toContain('group: expected a group path');
    expect(messageOf('after=web')).toBe('after: expected an app id such as /mip/prod/web (the "next" of the page before), got "web"');
    expect(messageOf('after=/a&after=/b')).toBe('after: given more than once');
    for (const limit of ['0', '-1', '1.5', 'ten', '', `${MAX_PAGE_LIMIT + 1}`, '9999999999'])
      expect(messageOf(`limit=${limit}`), limit).toBe(`limit: expected an integer from 1 to ${MAX_PAGE_LIMIT}, got ${JSON.stringify(limit)}`);
    expect(messageOf('limit=1&limit=2')).toBe('limit: given more than once');
    expect(messageOf(`group=${Array.from({ length: 101 }, (_, i) => `/g${i}`).join(',')}`)).toBe('group: at most 100 groups per request, got 101');
    expect(q(`group=${Array(100).fill('/g').join(',')}`)).toEqual({ groups: ['/g'] });
    expect(messageOf(`group=/${'x'.repeat(100)}!`)).toMatch(/got "\/x{39}…"$/);
  });
});

describe('matches', () => {
  it('keeps an app whose id is the group or lies under it, not one that only starts with its letters', () => {
    const query = { groups: ['/mip'] };
    expect(matches(query, appStatus({ id: '/mip' }))).toBe(true);
    expect(matches(query, appStatus({ id: '/mip/prod/web' }))).toBe(true);
    expect(matches(query, appStatus({ id: '/mipx/web' }))).toBe(false);
    expect(matches({ groups: ['/'] }, appStatus({ id: '/anything' }))).toBe(true);
  });

  it('needs every filter given to match, and any value of one', () => {
    const query = { groups: ['/a', '/b'], sync: new Set(['OutOfSync']) };
    expect(matches(query, appStatus({ id: '/b/web', sync: 'OutOfSync' }))).toBe(true);
    expect(matches(query, appStatus({ id: '/b/web' }))).toBe(false);
    expect(matches(query, appStatus({ id: '/c/web', sync: 'OutOfSync' }))).toBe(false);
  });
});

describe('selectApps', () => {
  const apps = ['/a/1', '/a/2', '/b/1', '/b/2', '/b/3', '/c/1'].map((id) => appStatus({ id }));
  const ids = (r: { indexes: number[] }) => r.indexes.map((i) => apps[i]?.id);

  it('pages by id: each page starts after the last id of the one before, and the last says there is none', () => {
    const first = selectApps(apps, { limit: 2 });
    expect([ids(first), first.next]).toEqual([['/a/1', '/a/2'], '/a/2']);
    const second = selectApps(apps, { limit: 2, after: '/a/2' });
    expect([ids(second), second.next]).toEqual([['/b/1', '/b/2'], '/b/2']);
    const last = selectApps(apps, { limit: 2, after: '/b/2' });
    expect([ids(last), last.next]).toEqual([['/b/3', '/c/1'], null]);
  });

  it('filters before it counts, so a page is full of matching apps; an after that names no app still starts after it', () => {
    const page = selectApps(apps, { groups: ['/b'], limit: 2 });
    expect([ids(page), page.next]).toEqual([['/b/1', '/b/2'], '/b/2']);
    const rest = selectApps(apps, { groups: ['/b'], limit: 2, after: '/b/2' });
    expect([ids(rest), rest.next]).toEqual([['/b/3'], null]);
    // /a/15 was deleted meanwhile: the walk goes on from where it would have been.
    expect(ids(selectApps(apps, { after: '/a/15' }))).toEqual(['/a/2', '/b/1', '/b/2', '/b/3', '/c/1']);
    expect(ids(selectApps(apps, { after: '/z' }))).toEqual([]);
  });
});
