import { describe, expect, it } from 'vitest';
import type { MarathonAppDefinition } from '../../src/model/marathon.js';
import { diffApp } from '../../src/plan/diff.js';
import { planApp } from '../../src/plan/plan.js';
import { desiredFrom, owned, ownershipLabels } from '../helpers/builders.js';
import { loadFixtureApp, REAL_RESPONSE_PAIRS, type RealResponsePair } from './real-response-pairs.js';

/** The translator's output for the pair: the user's fields plus maracker's labels. */
function desiredFor(pair: RealResponsePair, overrides: Partial<MarathonAppDefinition> = {}) {
  const definition = { ...pair.user, labels: { ...pair.user.labels, ...ownershipLabels('apps.yaml', 'sha256:new') } };
  return desiredFrom({ ...definition, ...overrides });
}

/** The real answer, as it reads once maracker has written its labels (an older spec hash). */
function actualFor(pair: RealResponsePair) {
  return owned(loadFixtureApp(pair.fixture, pair.id), 'apps.yaml', 'sha256:old');
}

function withChange(pair: RealResponsePair): Partial<MarathonAppDefinition> {
  const { path, value } = pair.change;
  if (path === 'container.docker.image') {
    const container = pair.user.container!;
    return { container: { ...container, docker: { ...container.docker!, image: String(value) } } };
  }
  return { [path]: value };
}

function before(pair: RealResponsePair): unknown {
  const app = loadFixtureApp(pair.fixture, pair.id);
  return pair.change.path === 'container.docker.image' ? app.container?.docker?.image : app[pair.change.path];
}

describe.each(REAL_RESPONSE_PAIRS)('$fixture $id (Marathon $server)', (pair) => {
  it('finds no change against the definition a manifest would produce', () => {
    expect(diffApp(desiredFor(pair), actualFor(pair))).toEqual([]);
    expect(planApp(desiredFor(pair), actualFor(pair))?.kind).toBe('noop');
  });

  it(`reports exactly the one field that really changed (${pair.change.path})`, () => {
    const changes = diffApp(desiredFor(pair, withChange(pair)), actualFor(pair));
    expect(changes).toEqual([{ path: pair.change.path, before: before(pair), after: pair.change.value }]);
    expect(planApp(desiredFor(pair, withChange(pair)), actualFor(pair))).toMatchObject({ kind: 'update', mode: 'restart' });
  });

  it('scales without restart when only instances change', () => {
    const instances = (loadFixtureApp(pair.fixture, pair.id).instances ?? 1) + 2;
    const action = planApp(desiredFor(pair, { instances }), actualFor(pair));
    expect(action).toMatchObject({ kind: 'update', mode: 'scale' });
    expect(action?.kind === 'update' && action.changes).toEqual([{ path: 'instances', before: instances - 2, after: instances }]);
  });

  it('sees a hand edit of a field the manifest leaves to Marathon', () => {
    const actual = { ...actualFor(pair), backoffSeconds: 30 };
    expect(diffApp(desiredFor(pair), actual)).toEqual([{ path: 'backoffSeconds', before: 30, after: 1 }]);
  });
});
