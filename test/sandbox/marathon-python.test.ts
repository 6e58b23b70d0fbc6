// Compatibility with a Marathon client written by others: Debian's python3-marathon
// (thefactory/marathon-python 0.13) drives the sandbox as it would drive Marathon. Its models
// refuse unknown fields (they build objects with **kwargs), so every field the sandbox returns
// must be one a real Marathon client knows.

import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { sandbox } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import marathon'], { encoding: 'utf8' });
const available = probe.status === 0;
const reason = probe.error
  ? `${PYTHON} cannot run (${probe.error.message})`
  : `python3-marathon is not installed (${(probe.stderr ?? '').trim().split('\n').pop() ?? ''})`;
if (!available) {
  console.warn(`test/sandbox/marathon-python.test.ts skipped: ${reason}. Install it with: apt-get install python3-marathon`);
}

function runPython(sb: Sandbox, script: string, timeoutMs = 40_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', script, sb.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`python exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as Record<string, unknown>);
    });
  });
}

const COMMON = `
import json, sys, time
from marathon import MarathonClient, MarathonApp
from marathon.models.app import MarathonHealthCheck
from marathon.models.container import MarathonContainer, MarathonDockerContainer, MarathonContainerPortMapping
c = MarathonClient(sys.argv[1], timeout=10)

def settle():
    for _ in range(800):
        if not c.list_deployments():
            return True
        time.sleep(0.025)
    return False
`;

const OPERATIONS = `${COMMON}
out = {}
info = c.get_info()
out['info'] = {'name': info.name, 'version': info.version, 'leader': info.leader, 'portMin': info.marathon_config.local_port_min}
out['ping'] = c.ping().decode()

trivial = c.create_app('/trivial', MarathonApp(cmd='sleep 1000', cpus=0.1, mem=32, instances=1))
out['created'] = {'id': trivial.id, 'deployments': len(trivial.deployments), 'ports': [p.port for p in trivial.port_definitions]}

docker = MarathonApp(
    container=MarathonContainer(
        type='DOCKER',
        docker=MarathonDockerContainer(image='nginx:1.25', force_pull_image=True),
        port_mappings=[MarathonContainerPortMapping(name='http', container_port=80, host_port=0)]),
    networks=[{'mode': 'container/bridge'}],
    cpus=0.2, mem=64, instances=2,
    health_checks=[MarathonHealthCheck(protocol='MESOS_HTTP', path='/', port_index=0, grace_period_seconds=5,
                                       interval_seconds=2, timeout_seconds=2, max_consecutive_failures=3)],
    labels={'maracker.managed-by': 'maracker', 'tier': 'front'},
    constraints=[['hostname', 'UNIQUE']])
c.create_app('/mip/web', docker)
out['deploymentsWhileRunning'] = len(c.list_deployments())
out['settled'] = settle()

out['list'] = [a.id for a in c.list_apps()]
out['labelled'] = [a.id for a in c.list_apps(label='maracker.managed-by==maracker')]
out['embedded'] = [len(a.tasks) for a in c.list_apps(embed_tasks=True)]
web = c.get_app('/mip/web', embed_tasks=True)
out['web'] = {
    'networks': web.networks,
    'servicePort': web.container.port_mappings[0].service_port,
    'hostPort': web.container.port_mappings[0].host_port,
    'image': web.container.docker.image,
    'constraints': [[x.field, x.operator] for x in web.constraints],
    'health': [h.protocol for h in web.health_checks],
    'tasksHealthy': web.tasks_healthy,
    'taskHosts': sorted(t.host for t in web.tasks),
    'alive': [r.alive for t in web.tasks for r in t.health_check_results],
}

scaled = c.scale_app('/trivial', instances=3)
out['scaleReply'] = sorted(scaled.keys())
out['settledAfterScale'] = settle()
trivial = c.get_app('/trivial')
out['afterScale'] = {'instances': trivial.instances, 'running': trivial.tasks_running,
                     'scaledOnly': trivial.version_info.last_config_change_at < trivial.version_info.last_scaling_at}

tasks = c.list_tasks('/trivial')
out['tasks'] = len(tasks)
killed = c.kill_task('/trivial', tasks[0].id, scale=True)
out['killReply'] = sorted(killed.keys())
settle()
out['afterKill'] = c.get_app('/trivial').instances
gone = c.kill_tasks('/trivial')
out['killedAll'] = len(gone)

out['deleted'] = sorted(c.delete_app('/trivial').keys())
settle()
out['final'] = [a.id for a in c.list_apps()]
print(json.dumps(out))
`;

const EVENTS = `${COMMON}
import threading
def act():
    time.sleep(0.3)
    c.create_app('/evented', MarathonApp(cmd='sleep 1000', cpus=0.1, mem=16))
threading.Thread(target=act, daemon=True).start()
seen = []
for event in c.event_stream(event_types=['api_post_event', 'status_update_event', 'deployment_success']):
    seen.append({'type': event.event_type, 'app': getattr(event, 'app_id', None) or getattr(event, 'app_definition', {}).get('id')})
    if event.event_type == 'deployment_success':
        break
print(json.dumps({'events': seen}))
`;

const GROUPS_AND_QUEUE = `${COMMON}
from marathon.models.group import MarathonGroup
out = {}

team = MarathonGroup(id='/team', apps=[MarathonApp(id='web', cmd='sleep 1000', cpus=0.1, mem=16, instances=1),
                                       MarathonApp(id='api', cmd='sleep 1000', cpus=0.1, mem=16, instances=1)])
created = c.create_group(team)
out['created'] = sorted(created.keys())
out['settled'] = settle()
raw = c._do_request('GET', '/v2/groups/team').json()
out['groupApps'] = sorted(a['id'] for a in raw['apps'])
# marathon-python 0.13 predates 1.9's multi-role fields: its models refuse enforceRole (GroupInfo)
# and role (QueueObject), which Marathon 1.10 sends as its RAML says
try:
    c.get_group('/team')
    out['getGroup'] = 'parsed'
except TypeError as e:
    out['getGroup'] = str(e).split(' got ')[-1]
out['scaled'] = sorted(c.scale_group('/team', 2).keys())
settle()
out['instances'] = sorted(a.instances for a in c.list_apps())
out['updated'] = sorted(c.update_group('/team', MarathonGroup(id='/team', apps=[MarathonApp(id='web', cmd='sleep 1000', cpus=0.1, mem=16, instances=1)]), force=True).keys())
settle()
out['afterUpdate'] = [a.id for a in c.list_apps()]
out['versions'] = len(c._do_request('GET', '/v2/groups/team/versions').json()) >= 3
out['deleted'] = sorted(c.delete_group('/team', force=True).keys())
settle()
out['afterDelete'] = [a.id for a in c.list_apps()]

# two tasks that require one fixed host port: the second waits in the launch queue
c.create_app('/waiting', MarathonApp(cmd='sleep 1000', cpus=0.1, mem=16, instances=2, require_ports=True,
                                     port_definitions=[{'port': 31005, 'protocol': 'tcp'}]))
for _ in range(400):
    queue = c._do_request('GET', '/v2/queue').json()['queue']
    if queue:
        break
    time.sleep(0.025)
out['queue'] = [{'app': q['app']['id'], 'count': q['count'], 'overdue': q['delay']['overdue']} for q in queue]
try:
    c.list_queue()
    out['listQueue'] = 'parsed'
except TypeError as e:
    out['listQueue'] = str(e).split(' got ')[-1]
c.reset_delay('/waiting')
out['resetDelay'] = 'ok'
print(json.dumps(out))
`;

const CANCEL = `${COMMON}
out = {}
c.create_app('/slow', MarathonApp(cmd='sleep 1000', cpus=0.1, mem=16, instances=1))
deployments = c.list_deployments()
out['running'] = [d.affected_apps for d in deployments]
rollback = c.delete_deployment(deployments[0].id)
out['rollback'] = sorted(rollback.keys())
out['rollbackIsNew'] = rollback['deploymentId'] != deployments[0].id
c.create_app('/slow2', MarathonApp(cmd='sleep 1000', cpus=0.1, mem=16, instances=1))
second = [d for d in c.list_deployments() if '/slow2' in d.affected_apps][0]
out['forced'] = c.delete_deployment(second.id, force=True)
out['gone'] = all(d.id != second.id for d in c.list_deployments())
out['apps'] = sorted(a.id for a in c.list_apps())
print(json.dumps(out))
`;

describe.skipIf(!available)(`python3-marathon drives the sandbox${available ? '' : ` (skipped: ${reason})`}`, () => {
  it('creates, lists, scales, kills, deploys and deletes apps through MarathonClient', async () => {
    const sb = await sandbox({ deploymentDurationMs: 50 });
    const out = await runPython(sb, OPERATIONS);
    expect(out.info).toEqual({ name: 'marathon', version: '1.10.26', leader: `127.0.0.1:${sb.port}`, portMin: 10000 });
    expect(out.ping).toBe('pong');
    expect(out.created).toEqual({ id: '/trivial', deployments: 1, ports: [0] });
    expect(out.deploymentsWhileRunning).toBeGreaterThanOrEqual(1);
    expect(out.settled).toBe(true);
    expect(out.list).toEqual(['/trivial', '/mip/web']);
    expect(out.labelled).toEqual(['/mip/web']);
    expect(out.embedded).toEqual([1, 2]);
    expect(out.web).toEqual({
      networks: [{ mode: 'container/bridge' }],
      servicePort: 10001,
      hostPort: 0,
      image: 'nginx:1.25',
      constraints: [['hostname', 'UNIQUE']],
      health: ['MESOS_HTTP'],
      tasksHealthy: 2,
      taskHosts: ['127.0.0.1', '127.0.0.1'],
      alive: [true, true],
    });
    expect(out.scaleReply).toEqual(['deploymentId', 'version']);
    expect(out.settledAfterScale).toBe(true);
    expect(out.afterScale).toEqual({ instances: 3, running: 3, scaledOnly: true });
    expect(out.tasks).toBe(3);
    expect(out.killReply).toEqual(['deploymentId', 'version']);
    expect(out.afterKill).toBe(2);
    expect(out.killedAll).toBe(2);
    expect(out.deleted).toEqual(['deploymentId', 'version']);
    expect(out.final).toEqual(['/mip/web']);
  });

  it('creates, scales, updates and deletes a group, and reads the launch queue and resets its delay', async () => {
    const sb = await sandbox({ deploymentDurationMs: 50 });
    const out = await runPython(sb, GROUPS_AND_QUEUE);
    expect(out).toEqual({
      created: ['deploymentId', 'version'],
      settled: true,
      groupApps: ['/team/api', '/team/web'],
      getGroup: "an unexpected keyword argument 'enforce_role'",
      scaled: ['deploymentId', 'version'],
      instances: [2, 2],
      updated: ['deploymentId', 'version'],
      afterUpdate: ['/team/web'],
      versions: true,
      deleted: ['deploymentId', 'version'],
      afterDelete: [],
      queue: [{ app: '/waiting', count: 1, overdue: true }],
      listQueue: "an unexpected keyword argument 'role'",
      resetDelay: 'ok',
    });
  });

  it('cancels a deployment with a rollback, and with force without one', async () => {
    const sb = await sandbox({ deploymentDurationMs: 60_000 });
    const out = await runPython(sb, CANCEL);
    expect(out).toEqual({
      running: [['/slow']],
      rollback: ['deploymentId', 'version'],
      rollbackIsNew: true,
      forced: {},
      gone: true,
      apps: ['/slow2'],
    });
  });

  it('reads the event stream with event_type filters', async () => {
    const sb = await sandbox({ deploymentDurationMs: 50 });
    const out = await runPython(sb, EVENTS);
    const events = out.events as Array<{ type: string; app: string | null }>;
    expect(events[0]).toEqual({ type: 'api_post_event', app: '/evented' });
    expect(events.map((e) => e.type)).toContain('status_update_event');
    expect(events.at(-1)?.type).toBe('deployment_success');
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['api_post_event', 'status_update_event', 'deployment_success']));
  });
});
