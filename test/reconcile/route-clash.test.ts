// Where an app is routed can hold it back: a row at a host a manifest's app is routed at (any
// path: a longer prefix would win in Traefik), and two rows at the same host and path.

import { describe, expect, it } from 'vitest';
import type { DesiredApp, ExposedRoute } from '../../src/model/desired.js';
import { formatProblem } from '../../src/model/problem.js';
import { routeClashes, routeClashesWithTaken } from '../../src/reconcile/route-clash.js';
import { desiredApp } from '../helpers/builders.js';

function file(id: string, exposes: ExposedRoute[], path = `${id.slice(1)}.yaml`): DesiredApp {
  return desiredApp({ id }, { source: { kind: 'file', path, line: 3, column: 1 }, exposes });
}
function row(id: string, exposes: ExposedRoute[]): DesiredApp {
  return desiredApp({ id }, { source: { kind: 'database', row: id }, exposes });
}
const at = (host: string, path = ''): ExposedRoute => ({ host, path });
const texts = (m: Map<string, { message: string; location: object; code: string }>) => [...m.values()].map((p) => formatProblem(p as never));

describe('routeClashes', () => {
  it('holds back a row at a host a manifest app is routed at, under any path, and leaves the file app alone', () => {
    const clashes = routeClashes([file('/portal', [at('portal.example')]), row('/evil', [at('portal.example', '/login')]), row('/mine', [at('mine.example')])]);
    expect([...clashes.keys()]).toEqual(['/evil']);
    expect(texts(clashes)).toEqual([
      'row /evil: spec.expose: host portal.example is routed to /portal (portal.yaml:3); a row may not be routed at a host an app of a manifest is',
    ]);
    expect(clashes.get('/evil')?.code).toBe('route-conflict');
  });

  it("holds back every row at the same host and path as another row; files routed alike are their committers' own", () => {
    const clashes = routeClashes([
      file('/a', [at('shop.example', '/api')]),
      file('/b', [at('other.example'), at('shop.example', '/api')]),
      row('/r1', [at('rows.example')]),
      row('/r2', [at('rows.example')]),
      row('/r3', [at('rows.example', '/three')]),
    ]);
    expect(texts(clashes)).toEqual([
      'row /r1: spec.expose: rows.example is also routed to /r2 (database row /r2); neither is applied',
      'row /r2: spec.expose: rows.example is also routed to /r1 (database row /r1); neither is applied',
    ]);
  });

  it("says which held-back rows lost their host to a manifest's app (their route is not theirs any more), not those held back by another row", () => {
    const { problems, taken } = routeClashesWithTaken([
      file('/portal', [at('portal.example')]),
      row('/evil', [at('portal.example', '/login')]),
      row('/a', [at('shared.example')]),
      row('/b', [at('shared.example')]),
    ]);
    expect([...problems.keys()].sort()).toEqual(['/a', '/b', '/evil']);
    expect([...taken]).toEqual(['/evil']);
  });

  it('holds back a row at a host the last valid version of a broken manifest routed its apps at: those apps run on, routed', () => {
    const { problems, taken } = routeClashesWithTaken(
      [row('/evil', [at('portal.example', '/login')]), row('/fine', [at('fine.example')])],
      new Map([['portal.example', 'the apps of portal.yaml as its last valid version declared them (it is invalid now)']]),
    );
    expect(texts(problems)).toEqual([
      'row /evil: spec.expose: host portal.example is routed to the apps of portal.yaml as its last valid version declared them (it is invalid now); a row may not be routed at a host an app of a manifest is',
    ]);
    expect([...taken]).toEqual(['/evil']);
  });

  it('holds back a row at the host and path of a row that cannot be applied now: its app runs on there; another path is free', () => {
    const { problems, taken } = routeClashesWithTaken(
      [row('/evil', [at('shop.example')]), row('/other', [at('shop.example', '/other')]), file('/site', [at('site.example')])],
      new Map(),
      new Map([['/shop', [at('shop.example')]]]),
    );
    expect(texts(problems)).toEqual([
      'row /evil: spec.expose: shop.example is routed to row /shop as its last valid version declared it (it cannot be applied now); neither is applied',
    ]);
    expect([...taken]).toEqual([]);
  });

  it('holds back nothing when every app has its own host or path', () => {
    expect(routeClashes([file('/a', [at('x.example')]), file('/b', [at('x.example', '/b')]), row('/r', [at('y.example')]), file('/n', [])]).size).toBe(0);
  });
});
