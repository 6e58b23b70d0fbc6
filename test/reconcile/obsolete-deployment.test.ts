import { describe, expect, it } from 'vitest';
import { LABEL_SPEC_HASH } from '../../src/model/labels.js';
import type { Action } from '../../src/model/plan.js';
import { obsoleteDeployment } from '../../src/reconcile/obsolete-deployment.js';
import { DEMO_SPEC_HASH, desiredApp, marathonApp, ownershipLabels } from '../helpers/builders.js';

function update(mode: 'scale' | 'restart', declared: string, deploying: string | undefined): Action {
  const labels = ownershipLabels();
  if (deploying === undefined) delete labels[LABEL_SPEC_HASH];
  else labels[LABEL_SPEC_HASH] = deploying;
  return { kind: 'update', id: '/demo/web' as never, mode, changes: [], desired: desiredApp({}, { specHash: declared }), actual: marathonApp({ labels }) };
}

describe('obsoleteDeployment', () => {
  it('says why when Marathon deploys a spec hash other than the one declared now', () => {
    expect(obsoleteDeployment(update('restart', 'sha256:beef', DEMO_SPEC_HASH))).toBe(
      `it deploys spec ${DEMO_SPEC_HASH}, and the sources now declare sha256:beef`,
    );
  });

  it('is undefined when the deployment deploys the declared spec (a hand edit, a field written back): the write waits', () => {
    expect(obsoleteDeployment(update('restart', DEMO_SPEC_HASH, DEMO_SPEC_HASH))).toBeUndefined();
  });

  it('is undefined for an app without the label (made by hand, adopted): nothing says what it deploys', () => {
    expect(obsoleteDeployment(update('restart', 'sha256:beef', undefined))).toBeUndefined();
  });

  describe('a scale', () => {
    const configAt = '2024-03-01T10:00:00.000Z';
    const task = (version: string | undefined) => ({ id: `t-${version}`, appId: '/demo/web', state: 'TASK_RUNNING', ...(version ? { version } : {}) });
    const scale = (tasks: ReturnType<typeof task>[] | undefined): Action => ({
      kind: 'update',
      id: '/demo/web' as never,
      mode: 'scale',
      changes: [],
      desired: desiredApp({ instances: 1 }),
      actual: marathonApp({ instances: 3, versionInfo: { lastScalingAt: configAt, lastConfigChangeAt: configAt }, ...(tasks ? { tasks } : {}) }),
    });

    it('is obsolete when every task runs the current configuration (launched at or after its last change)', () => {
      expect(obsoleteDeployment(scale([task(configAt), task('2024-03-01T11:00:00.000Z')]))).toBe('it scales to 3 instance(s), and the sources now declare 1');
      expect(obsoleteDeployment(scale([]))).toBeDefined();
    });

    it('is undefined while a task of an older configuration runs (a rolling restart), or when Marathon does not say', () => {
      expect(obsoleteDeployment(scale([task(configAt), task('2024-02-01T10:00:00.000Z')]))).toBeUndefined();
      expect(obsoleteDeployment(scale([task(undefined)]))).toBeUndefined();
      expect(obsoleteDeployment(scale(undefined))).toBeUndefined();
    });
  });

  it('is undefined for anything but an update', () => {
    expect(obsoleteDeployment({ kind: 'delete', id: '/demo/web' as never, actual: marathonApp() })).toBeUndefined();
    expect(obsoleteDeployment({ kind: 'create', id: '/demo/web' as never, desired: desiredApp() })).toBeUndefined();
  });
});
