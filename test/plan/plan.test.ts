import { describe, expect, it } from 'vitest';
import { errorCode } from '../../src/base/errors.js';
import { isInSync, type Action } from '../../src/model/plan.js';
import { PlanInputError } from '../../src/plan/errors.js';
import { plan, planApp } from '../../src/plan/plan.js';
import { LABEL_MANAGED_BY, LEGACY_MANAGED_BY } from '../../src/model/labels.js';
import { desiredApp, foreignApp, legacyApp, marathonApp, TEST_INSTALLATION, unownedApp } from '../helpers/builders.js';

const kinds = (actions: readonly Action[]) => actions.map((a) => `${a.kind} ${a.id}`);
const AS_TEST = { installation: TEST_INSTALLATION };

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

  it('restarts an app in sync whose tasks still run an older configuration (a scale replaced its rolling restart)', () => {
    const config = '2024-03-01T10:00:00.000Z';
    const actual = marathonApp({
      version: '2024-03-01T11:00:00.000Z',
      versionInfo: { lastScalingAt: '2024-03-01T11:00:00.000Z', lastConfigChangeAt: config },
      tasks: [
        { id: 'demo_web.1', appId: '/demo/web', state: 'TASK_RUNNING', version: '2024-02-01T09:00:00.000Z' },
        { id: 'demo_web.2', appId: '/demo/web', state: 'TASK_RUNNING', version: config },
      ],
    });
    expect(planApp(desiredApp(), actual)).toMatchObject({
      kind: 'update',
      mode: 'finish-restart',
      changes: [{ path: 'tasks', before: `1 of 2 launched before the configuration of ${config}`, after: 'restarted with it' }],
    });
    // A change of the definition comes first: its own deployment replaces them, or the next look restarts.
    expect(planApp(desiredApp({ instances: 3 }), actual)).toMatchObject({ kind: 'update', mode: 'scale' });
    expect(planApp(desiredApp({ mem: 512 }), actual)).toMatchObject({ kind: 'update', mode: 'restart' });
  });

  it('restores the instance count when someone scaled the app by hand', () => {
    expect(planApp(desiredApp(), marathonApp({ instances: 7 }))).toMatchObject({ kind: 'update', mode: 'scale' });
  });

  it('deletes an owned app no source declares', () => {
    expect(planApp(undefined, marathonApp(), AS_TEST)).toMatchObject({ kind: 'delete', id: '/demo/web' });
  });

  it('deletes nothing when it is not told which installation it plans for', () => {
    expect(planApp(undefined, marathonApp())).toBeUndefined();
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
    expect(planApp(undefined, marathonApp(), { ...AS_TEST, prune: false })).toBeUndefined();
    expect(planApp(undefined, marathonApp(), { ...AS_TEST, keep: new Set(['/demo/web']) })).toBeUndefined();
    expect(planApp(undefined, marathonApp(), { ...AS_TEST, keep: new Set(['/demo/other']) })).toMatchObject({ kind: 'delete' });
  });

  it('claims a declared app for the installation it plans for', () => {
    const translated = desiredApp({}, {});
    translated.definition.labels = { ...translated.definition.labels, [LABEL_MANAGED_BY]: LEGACY_MANAGED_BY };
    const created = planApp(translated, undefined, { installation: 'team-a' });
    expect(created.kind === 'create' && created.desired.definition.labels?.[LABEL_MANAGED_BY]).toBe('maracker.team-a');
    expect(translated.definition.labels[LABEL_MANAGED_BY]).toBe(LEGACY_MANAGED_BY);
  });

  describe('ownership by installation', () => {
    it("leaves another installation's app alone: a conflict naming it, adopt or not", () => {
      expect(planApp(desiredApp({ mem: 999 }), foreignApp('staging'), AS_TEST)).toMatchObject({ kind: 'conflict', reason: 'foreign', owner: 'staging' });
      expect(planApp(desiredApp({}, { adopt: true }), foreignApp('staging'), AS_TEST)).toMatchObject({ kind: 'conflict', reason: 'foreign', owner: 'staging' });
    });

    it("never deletes another installation's app", () => {
      expect(planApp(undefined, foreignApp('staging'), AS_TEST)).toBeUndefined();
    });

    it('accepts a legacy app it declares, and sees the label alone as no change (no restart)', () => {
      expect(planApp(desiredApp(), legacyApp(), AS_TEST)).toMatchObject({ kind: 'noop' });
      expect(planApp(desiredApp({ instances: 4 }), legacyApp(), AS_TEST)).toMatchObject({ kind: 'update', mode: 'scale', changes: [{ path: 'instances' }] });
    });

    it("writes the installation into a legacy app's label with its next real change", () => {
      const action = planApp(desiredApp({ mem: 512 }), legacyApp(), AS_TEST);
      expect(action).toMatchObject({ kind: 'update', mode: 'restart', changes: [{ path: 'mem' }] });
      expect(action.kind === 'update' && action.desired.definition.labels?.[LABEL_MANAGED_BY]).toBe('maracker.test');
    });

    it("never deletes a legacy app it does not declare: it may be another installation's", () => {
      expect(planApp(undefined, legacyApp(), AS_TEST)).toBeUndefined();
    });
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
      [
        marathonApp({ id: '/a/scaled' }),
        marathonApp({ id: '/a/same' }),
        unownedApp({ id: '/a/theirs' }),
        marathonApp({ id: '/a/gone' }),
        unownedApp({ id: '/a/other' }),
      ],
      AS_TEST,
    );
    expect(kinds(result.actions)).toEqual(['create /a/new', 'update /a/scaled', 'delete /a/gone', 'conflict /a/theirs', 'noop /a/same']);
    expect(isInSync(result)).toBe(false);
  });

  it("plans only its own installation's apps, among several installations and legacy apps", () => {
    const result = plan(
      [desiredApp({ id: '/mine' }), desiredApp({ id: '/shared' }), desiredApp({ id: '/old/declared' })],
      [
        marathonApp({ id: '/mine' }),
        foreignApp('staging', { id: '/shared' }),
        foreignApp('staging', { id: '/theirs' }),
        legacyApp({ id: '/old/declared' }),
        legacyApp({ id: '/old/undeclared' }),
        marathonApp({ id: '/mine/gone' }),
      ],
      AS_TEST,
    );
    expect(kinds(result.actions)).toEqual(['delete /mine/gone', 'conflict /shared', 'noop /mine', 'noop /old/declared']);
  });

  it('is in sync when every app matches', () => {
    const result = plan([desiredApp({ id: '/a' }), desiredApp({ id: '/b' })], [marathonApp({ id: '/b' }), marathonApp({ id: '/a' })]);
    expect(kinds(result.actions)).toEqual(['noop /a', 'noop /b']);
    expect(isInSync(result)).toBe(true);
  });

  it('emits no delete with prune off, and none for kept ids', () => {
    const actual = [marathonApp({ id: '/a' }), marathonApp({ id: '/b' })];
    expect(plan([], actual, { ...AS_TEST, prune: false }).actions).toEqual([]);
    expect(kinds(plan([], actual, { ...AS_TEST, keep: new Set(['/a']) }).actions)).toEqual(['delete /b']);
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
    expect(kinds(result.actions)).toEqual(['update /shop/admin', 'create /shop/cache', 'create /shop/db', 'create /shop/api', 'create /shop/web']);
  });

  it('deletes dependents before their dependencies', () => {
    const result = plan(
      [],
      [marathonApp({ id: '/old/db' }), marathonApp({ id: '/old/web', dependencies: ['/old/api'] }), marathonApp({ id: '/old/api', dependencies: ['db'] })],
      AS_TEST,
    );
    expect(kinds(result.actions)).toEqual(['delete /old/web', 'delete /old/api', 'delete /old/db']);
  });

  it('still orders every app when dependencies form a cycle', () => {
    const result = plan(
      [
        desiredApp({ id: '/c/b', dependencies: ['/c/a'] }),
        desiredApp({ id: '/c/a', dependencies: ['/c/b'] }),
        desiredApp({ id: '/c/x', dependencies: ['/c/b'] }),
      ],
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
