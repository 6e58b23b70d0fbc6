import { describe, expect, it } from 'vitest';
import { dependencyOrder } from '../../src/plan/order.js';

const graph = (edges: Record<string, string[]>) => (id: string) => edges[id] ?? [];

describe('dependencyOrder', () => {
  it('puts unrelated ids in id order', () => {
    expect(dependencyOrder(['/c', '/a', '/b'], graph({}))).toEqual(['/a', '/b', '/c']);
  });

  it('puts each id after what it depends on', () => {
    expect(dependencyOrder(['/a', '/b', '/c'], graph({ '/a': ['/c'], '/b': ['/a'] }))).toEqual(['/c', '/a', '/b']);
  });

  it('ignores dependencies outside the batch and on itself', () => {
    expect(dependencyOrder(['/b', '/a'], graph({ '/a': ['/zzz', '/a'], '/b': ['/elsewhere'] }))).toEqual(['/a', '/b']);
  });

  it('terminates on a cycle, breaking it at the smallest id and ordering the rest', () => {
    const edges = graph({ '/a': ['/c'], '/b': ['/a'], '/c': ['/b'], '/d': ['/c'], '/0': [] });
    expect(dependencyOrder(['/d', '/c', '/b', '/a', '/0'], edges)).toEqual(['/0', '/a', '/b', '/c', '/d']);
  });

  it('lists each id once', () => {
    expect(dependencyOrder(['/a', '/a', '/b'], graph({ '/b': ['/a', '/a'] }))).toEqual(['/a', '/b']);
  });

  it('orders ten thousand unrelated ids and a long chain', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `/app/${String(i).padStart(5, '0')}`);
    const chain = graph(Object.fromEntries(ids.slice(1).map((id, i) => [ids[i] as string, [id]])));
    expect(dependencyOrder([...ids].reverse(), () => [])).toEqual(ids);
    expect(dependencyOrder(ids, chain)).toEqual([...ids].reverse());
  });
});
