import { describe, expect, it } from 'vitest';
import { errorCode } from '../../src/errors.js';
import { isInSync, type Action } from '../../src/model/plan.js';
import { PlanInputError } from '../../src/plan/errors.js';
import { plan, planApp } from '../../src/plan/plan.js';
import { desiredApp, marathonApp, unownedApp } from '../helpers/builders.js';

const kinds = (actions: readonly Action[]) => actions.map((a) => `${a.kind} ${a.id}`);

describe('planApp', () => {
  it('creates a declared app Marathon does not have', () => {
    expect(planApp(desiredApp(), undefined)).toMatchObject({ kind: 'create', id: '/demo/web' });
  });

  it('does nothing when Marathon matches', () => {
    expect(planApp(desiredApp(), marathonApp())).toMatchObject({ kind: 'noop', id: '/demo/web' });
  });

  it('scales without restart when only instances change', () => {
    expect(planApp(desiredApp({ instances: 5 }), marathonApp())).toMatchObject({
      kind: 'update',
      mode: 'scale',
      changes: [{ path: 'instances', before: 2, after: 5 }],
    });
  });

  it('restarts when anything besides instances changes', () => {
    const action = planApp(desiredApp({ instances: 5, mem: 512 }), marathonApp());
    expect(action).toMatchObject({ kind: 'update', mode: 'restart' });
    expect(action.kind === 'update' && action.changes.map((c) => c.path)).toEqual(['instances', 'mem']);
  });

  it('restores the instance count when someone scaled the app by hand', () => {
    expect(planApp(desiredApp(), marathonApp({ instances: 7 }))).toMatchObject({ kind: 'update', mode: 'scale' });
  });

  it('deletes an owned app no source declares', () => {
    expect(planApp(undefined, marathonApp())).toMatchObject({ kind: 'delete', id: '/demo/web' });
  });

  it('never touches an app it does not own and nothing declares', () => {
    expect(planApp(undefined, unownedApp())).toBeUndefined();
  });

  it('reports a conflict for a declared id that exists unowned', () => {
    expect(planApp(desiredApp(), unownedApp())).toMatchObject({ kind: 'conflict', reason: 'unowned' });
  });

  it('takes over an unowned app when the manifest asks to adopt it, restarting to write the labels', () => {
    const action = planApp(desiredApp({}, { adopt: true }), unownedApp());
    expect(action).toMatchObject({ kind: 'update', mode: 'restart' });
    expect(action.kind === 'update' && action.changes.map((c) => c.path)).toEqual(['labels.maracker.managed-by', 'labels.maracker.source']);
  });

  it('keeps an owned undeclared app when pruning is off or its id is kept', () => {
    expect(planApp(undefined, marathonApp(), { prune: false })).toBeUndefined();
    expect(planApp(undefined, marathonApp(), { keep: new Set(['/demo/web']) })).toBeUndefined();
    expect(planApp(undefined, marathonApp(), { keep: new Set(['/demo/other']) })).toMatchObject({ kind: 'delete' });
  });

  it('has nothing to say when neither side has the app', () => {
    expect(planApp(undefined, undefined)).toBeUndefined();
  });

  it('refuses to compare two different ids', () => {
    expect(() => planApp(desiredApp(), marathonApp({ id: '/demo/other' }))).toThrow(PlanInputError);
  });
});

describe('plan', () => {
  it('gives one action per app: create, update, delete, conflict, noop; unowned undeclared apps get none', () => {
    const result = plan(
      [desiredApp({ id: '/a/new' }), desiredApp({ id: '/a/scaled', instances: 4 }), desiredApp({ id: '/a/same' }), desiredApp({ id: '/a/theirs' })],
      [marathonApp({ id: '/a/scaled' }), marathonApp({ id: '/a/same' }), unownedApp({ id: '/a/theirs' }), marathonApp({ id: '/a/gone' }), unownedApp({ id: '/a/other' })],
    );
    expect(kinds(result.actions)).toEqual(['create /a/new', 'update /a/scaled', 'delete /a/gone', 'conflict /a/theirs', 'noop /a/same']);
    expect(isInSync(result)).toBe(false);
  });

  it('is in sync when every app matches', () => {
    const result = plan([desiredApp({ id: '/a' }), desiredApp({ id: '/b' })], [marathonApp({ id: '/b' }), marathonApp({ id: '/a' })]);
    expect(kinds(result.actions)).toEqual(['noop /a', 'noop /b']);
    expect(isInSync(result)).toBe(true);
  });

  it('emits no delete with prune off, and none for kept ids', () => {
    const actual = [marathonApp({ id: '/a' }), marathonApp({ id: '/b' })];
    expect(plan([], actual, { prune: false }).actions).toEqual([]);
    expect(kinds(plan([], actual, { keep: new Set(['/a']) }).actions)).toEqual(['delete /b']);
  });

  it('orders creates and updates after their dependencies, ties by id', () => {
    const result = plan(
      [
        desiredApp({ id: '/shop/web', dependencies: ['api'] }),
        desiredApp({ id: '/shop/api', dependencies: ['/shop/db'] }),
        desiredApp({ id: '/shop/db' }),
        desiredApp({ id: '/shop/admin', mem: 64 }),
        desiredApp({ id: '/shop/cache' }),
      ],
      [marathonApp({ id: '/shop/admin' })],
    );
    expect(kinds(result.actions)).toEqual([
      'update /shop/admin',
      'create /shop/cache',
      'create /shop/db',
      'create /shop/api',
      'create /shop/web',
    ]);
  });

  it('deletes dependents before their dependencies', () => {
    const result = plan(
      [],
      [marathonApp({ id: '/old/db' }), marathonApp({ id: '/old/web', dependencies: ['/old/api'] }), marathonApp({ id: '/old/api', dependencies: ['db'] })],
    );
    expect(kinds(result.actions)).toEqual(['delete /old/web', 'delete /old/api', 'delete /old/db']);
  });

  it('still orders every app when dependencies form a cycle', () => {
    const result = plan(
      [desiredApp({ id: '/c/b', dependencies: ['/c/a'] }), desiredApp({ id: '/c/a', dependencies: ['/c/b'] }), desiredApp({ id: '/c/x', dependencies: ['/c/b'] })],
      [],
    );
    expect(kinds(result.actions)).toEqual(['create /c/a', 'create /c/b', 'create /c/x']);
  });

  it('refuses a desired id declared twice', () => {
    let caught: unknown;
    try {
      plan([desiredApp({ id: '/a' }), desiredApp({ id: '/a' })], []);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PlanInputError);
    expect(errorCode(caught)).toBe('MRK_PLAN_INPUT_INVALID');
    expect((caught as PlanInputError).appId).toBe('/a');
  });
});
