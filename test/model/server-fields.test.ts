// One answer to "which fields does Marathon own?" (STYLE.md 10): the client never sends them
// back and the plan never compares them, from the same list. The sandbox keeps its own list
// on purpose (it stands for Marathon); test/sandbox checks it against Marathon's embeds.

import { describe, expect, it } from 'vitest';
import { toWriteBody } from '../../src/marathon/definition.js';
import { SERVER_ONLY_FIELDS, type MarathonApp } from '../../src/model/marathon.js';
import type { DesiredApp } from '../../src/model/desired.js';
import { planApp } from '../../src/plan/plan.js';

const definition = { id: '/web', cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 1, labels: { 'maracker.managed-by': 'maracker' } };
const desired: DesiredApp = { id: '/web', source: { kind: 'database', row: '/web' }, definition, specHash: '0', adopt: false };
const serverValue = { stats: { counts: { staged: 0, running: 1, healthy: 0, unhealthy: 0 } } };

describe('the fields Marathon computes', () => {
  it("include app.raml's AppInfo.tasksStats (embed=apps.taskStats), not only the 0.x spelling", () => {
    expect(SERVER_ONLY_FIELDS).toContain('tasksStats');
    expect(SERVER_ONLY_FIELDS).toContain('readinessCheckResults');
  });

  for (const field of SERVER_ONLY_FIELDS) {
    it(`${field}: never sent back, never a difference`, () => {
      const answer = { ...definition, [field]: serverValue } as MarathonApp;
      expect(toWriteBody(answer)).not.toHaveProperty(field);
      expect(planApp(desired, answer).kind).toBe('noop');
    });
  }
});
