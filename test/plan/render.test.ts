import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { plan } from '../../src/plan/plan.js';
import { planToJson, renderPlan } from '../../src/plan/render.js';
import { desiredApp, foreignApp, marathonApp, TEST_INSTALLATION, unownedApp } from '../helpers/builders.js';

function smallPlan(): Plan {
  return plan(
    [
      desiredApp({ id: '/demo/new', instances: undefined }, { url: 'https://new.demo.example.org/' }),
      desiredApp({ id: '/demo/api', instances: 3 }),
      desiredApp({ id: '/demo/web', container: { type: 'DOCKER', docker: { image: 'nginx:1.27' }, portMappings: [{ containerPort: 80, name: 'http' }] } }),
      desiredApp({ id: '/demo/x' }),
      desiredApp({ id: '/demo/same' }),
    ],
    [
      marathonApp({ id: '/demo/api' }),
      marathonApp({ id: '/demo/web', env: { DEBUG: '1' } }),
      unownedApp({ id: '/demo/x' }),
      marathonApp({ id: '/demo/same' }),
      marathonApp({ id: '/demo/old' }),
    ],
    { installation: TEST_INSTALLATION },
  );
}

describe('renderPlan', () => {
  it('reads like terraform plan', () => {
    expect(renderPlan(smallPlan())).toBe(
      [
        '~ /demo/api (scale only)',
        '    instances: 2 → 3',
        '+ /demo/new',
        '    image: "nginx:1.25"',
        '    instances: 1',
        '    cpus: 0.5',
        '    mem: 256',
        '    url: https://new.demo.example.org/',
        '~ /demo/web (restart)',
        '    container.docker.image: "nginx:1.25" → "nginx:1.27"',
        '    env: {"DEBUG":"1"} → (unset)',
        '- /demo/old',
        '! /demo/x (conflict: exists in Marathon, not managed by maracker; set metadata.adopt to take it over)',
        '',
        'Plan: 1 to create, 2 to update (1 scale only), 1 to delete, 1 in conflict.',
        '',
      ].join('\n'),
    );
  });

  it('says why an app whose definition matches is restarted', () => {
    const stale = marathonApp({
      versionInfo: { lastScalingAt: '2024-03-01T11:00:00.000Z', lastConfigChangeAt: '2024-03-01T10:00:00.000Z' },
      tasks: [{ id: 'demo_web.1', appId: '/demo/web', state: 'TASK_RUNNING', version: '2024-02-01T00:00:00.000Z' }],
    });
    const p = plan([desiredApp()], [stale], { installation: TEST_INSTALLATION });
    expect(renderPlan(p)).toBe(
      [
        '~ /demo/web (restart: tasks of an older configuration still run)',
        '    tasks: 1 of 1 launched before the configuration of 2024-03-01T10:00:00.000Z → restarted with it',
        '',
        'Plan: 0 to create, 1 to update, 0 to delete.',
        '',
      ].join('\n'),
    );
    expect(planToJson(p).actions[0]).toMatchObject({ kind: 'update', mode: 'finish-restart' });
  });

  it('says so when nothing changes', () => {
    expect(renderPlan(plan([desiredApp()], [marathonApp()]))).toBe('No changes. Marathon matches the manifests.\n');
  });

  it('leaves out the scale-only count when no update is scale only', () => {
    const text = renderPlan(plan([desiredApp({ mem: 64 })], [marathonApp()]));
    expect(text.endsWith('Plan: 0 to create, 1 to update, 0 to delete.\n')).toBe(true);
  });

  it('counts conflicts even when there is nothing to apply', () => {
    expect(renderPlan(plan([desiredApp()], [unownedApp()]))).toMatch(/\nNo changes to apply\. 1 in conflict\.\n$/);
  });

  it('names the installation that owns an app in conflict', () => {
    const result = plan([desiredApp()], [foreignApp('staging')], { installation: TEST_INSTALLATION });
    expect(renderPlan(result)).toContain('! /demo/web (conflict: exists in Marathon, owned by maracker installation "staging"; never changed from here)\n');
    expect(planToJson(result).actions).toEqual([{ kind: 'conflict', id: '/demo/web', reason: 'foreign', owner: 'staging' }]);
  });
});

describe('planToJson', () => {
  it('gives kind, id, mode and changes of every action, in plan order', () => {
    expect(planToJson(smallPlan())).toEqual({
      inSync: false,
      summary: { create: 1, update: 2, scale: 1, delete: 1, conflict: 1, noop: 1 },
      actions: [
        { kind: 'update', id: '/demo/api', mode: 'scale', changes: [{ path: 'instances', before: 2, after: 3 }] },
        { kind: 'create', id: '/demo/new' },
        {
          kind: 'update',
          id: '/demo/web',
          mode: 'restart',
          changes: [
            { path: 'container.docker.image', before: 'nginx:1.25', after: 'nginx:1.27' },
            { path: 'env', before: { DEBUG: '1' } },
          ],
        },
        { kind: 'delete', id: '/demo/old' },
        { kind: 'conflict', id: '/demo/x', reason: 'unowned' },
        { kind: 'noop', id: '/demo/same' },
      ],
    });
  });

  it('survives a JSON round trip unchanged', () => {
    const json = planToJson(smallPlan());
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
