// Simulated agents: each offers the host port range, as every Mesos agent offers its own ports;
// a fleet whose tasks need more host ports than one agent has runs on several.

import { describe, expect, it } from 'vitest';
import { SandboxOptionsError } from '../../src/sandbox/errors.js';
import { resolveOptions } from '../../src/sandbox/sandbox.js';
import { app, call, sandbox, until } from './helpers.js';

const TWO_PORTS = { min: 31000, max: 31001 };
const twoPortApp = (id: string, instances: number) => app(id, { instances, portDefinitions: [{ port: 0 }, { port: 0 }] });

describe('sandbox agents', () => {
  it('places a task on the next agent once the first has no ports left, which reports its own host and agent id', async () => {
    const sb = await sandbox({ hostPortRange: TWO_PORTS, agents: 2 });
    sb.preload([twoPortApp('/web', 2)]);
    const tasks = sb.app('/web')?.tasks ?? [];
    expect(tasks.map((t) => t.host)).toEqual(['127.0.0.1', 'agent-2.sandbox.invalid']);
    expect(tasks.map((t) => t.ports)).toEqual([
      [31000, 31001],
      [31000, 31001],
    ]);
    expect(new Set(tasks.map((t) => t.slaveId)).size).toBe(2);
  });

  it('launches on any agent with room, and frees the ports of the agent a killed task ran on', async () => {
    const sb = await sandbox({ hostPortRange: TWO_PORTS, agents: 2 });
    await call(sb, 'POST', '/v2/apps', twoPortApp('/web', 2));
    await sb.waitForDeployments();
    expect(sb.app('/web')?.tasksRunning).toBe(2);
    await call(sb, 'PUT', '/v2/apps/web', { instances: 0 });
    await sb.waitForDeployments();
    await call(sb, 'POST', '/v2/apps', twoPortApp('/api', 2));
    await sb.waitForDeployments();
    await until(() => sb.app('/api')?.tasksRunning === 2);
    expect(
      sb
        .app('/api')
        ?.tasks?.map((t) => t.host)
        .sort(),
    ).toEqual(['127.0.0.1', 'agent-2.sandbox.invalid']);
  });

  it('has one agent by default: a task that finds no ports waits for an offer', async () => {
    const sb = await sandbox({ hostPortRange: TWO_PORTS });
    sb.preload([twoPortApp('/web', 2)]);
    expect(sb.app('/web')?.tasks?.map((t) => t.host)).toEqual(['127.0.0.1']);
  });

  it('refuses fewer than one agent', () => {
    expect(() => resolveOptions({ agents: 0 })).toThrow(SandboxOptionsError);
    expect(() => resolveOptions({ agents: 1.5 })).toThrow(SandboxOptionsError);
  });
});
