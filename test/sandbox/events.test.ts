import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { app, call, sandbox, sse, until } from './helpers.js';

// Field lists of Marathon 1.10's event case classes (core/event/Events.scala) in their order;
// the documented examples (docs/event-bus.md) show the same fields.
const FIELDS: Record<string, string[]> = {
  event_stream_attached: ['remoteAddress', 'eventType', 'timestamp'],
  api_post_event: ['clientIp', 'uri', 'appDefinition', 'eventType', 'timestamp'],
  group_change_success: ['groupId', 'version', 'eventType', 'timestamp'],
  deployment_info: ['plan', 'currentStep', 'eventType', 'timestamp'],
  deployment_step_success: ['plan', 'currentStep', 'eventType', 'timestamp'],
  deployment_success: ['id', 'plan', 'eventType', 'timestamp'],
  deployment_failed: ['id', 'plan', 'eventType', 'timestamp'],
  status_update_event: ['slaveId', 'taskId', 'taskStatus', 'message', 'appId', 'host', 'ipAddresses', 'ports', 'version', 'eventType', 'timestamp'],
  instance_changed_event: ['instanceId', 'condition', 'runSpecId', 'agentId', 'host', 'runSpecVersion', 'timestamp', 'eventType'],
  health_status_changed_event: ['appId', 'instanceId', 'version', 'alive', 'eventType', 'timestamp'],
  instance_health_changed_event: ['instanceId', 'runSpecVersion', 'healthy', 'runSpecId', 'timestamp', 'eventType'],
  app_terminated_event: ['appId', 'eventType', 'timestamp'],
};

describe('GET /v2/events', () => {
  it('streams Jetty SSE frames, starting with the event_stream_attached of this very connection', async () => {
    const sb = await sandbox();
    const stream = await sse(sb);
    await until(() => stream.events.length > 0);
    expect(stream.raw).toMatch(
      /^event: event_stream_attached\r\ndata: \{"remoteAddress":"127\.0\.0\.1","eventType":"event_stream_attached","timestamp":"[^"]+"\}\r\n\r\n/,
    );
  });

  it('publishes every event with the documented fields, in order', async () => {
    const sb = await sandbox();
    const stream = await sse(sb);
    await call(sb, 'POST', '/v2/apps', app('/mip/web', { healthChecks: [{ protocol: 'TCP', portIndex: 0 }] }));
    await sb.waitForDeployments();
    await call(sb, 'DELETE', '/v2/apps/mip/web');
    await until(() => stream.events.some((e) => e.event === 'app_terminated_event'));
    const seen = new Set<string>();
    for (const { event, data } of stream.events) {
      expect(data.eventType).toBe(event);
      seen.add(event as string);
      const fields = FIELDS[event as string];
      if (fields) expect(Object.keys(data), event).toEqual(fields);
    }
    for (const type of Object.keys(FIELDS).filter((t) => t !== 'deployment_failed')) expect(seen, type).toContain(type);

    const success = stream.events.find((e) => e.event === 'deployment_success')?.data as Record<string, unknown>;
    expect(success.plan).toEqual({
      id: success.id,
      steps: [{ actions: [{ action: 'StartApplication', app: '/mip/web' }] }, { actions: [{ action: 'ScaleApplication', app: '/mip/web' }] }],
      version: expect.any(String),
    });
    const info = stream.events.find((e) => e.event === 'deployment_info')?.data as Record<string, unknown>;
    expect(info.currentStep).toEqual({ actions: [{ action: 'StartApplication', app: '/mip/web' }] });
    const post = stream.events.find((e) => e.event === 'api_post_event')?.data as Record<string, unknown>;
    expect(post).toMatchObject({ clientIp: '127.0.0.1', uri: '/v2/apps', appDefinition: { id: '/mip/web', instances: 1 } });
    expect(stream.events.find((e) => e.event === 'group_change_success')?.data.groupId).toBe('/mip');
    const running = stream.events.find((e) => e.event === 'status_update_event' && e.data.taskStatus === 'TASK_RUNNING')?.data as Record<string, unknown>;
    expect(running).toMatchObject({ appId: '/mip/web', host: '127.0.0.1', ipAddresses: [{ ipAddress: '127.0.0.1', protocol: 'IPv4' }], message: '' });
    expect((running.ports as number[]).length).toBe(1);
  });

  it('sends only the types named by event_type', async () => {
    const sb = await sandbox();
    const stream = await sse(sb, '?event_type=deployment_success&event_type=api_post_event');
    await call(sb, 'POST', '/v2/apps', app('/web'));
    await until(() => stream.events.some((e) => e.event === 'deployment_success'));
    expect(new Set(stream.events.map((e) => e.event))).toEqual(new Set(['api_post_event', 'deployment_success']));
  });

  it('reports a deployment superseded by force as failed', async () => {
    const sb = await sandbox({ deploymentDurationMs: 60_000 });
    const stream = await sse(sb, '?event_type=deployment_failed');
    const first = await call(sb, 'POST', '/v2/apps', app('/web'));
    await call(sb, 'PUT', '/v2/apps/web?force=true', { instances: 2 });
    await until(() => stream.events.length > 0);
    expect(stream.events[0]?.data).toMatchObject({ id: first.headers['marathon-deployment-id'], eventType: 'deployment_failed' });
  });

  it('keeps an idle stream alive with CRLF heartbeats', async () => {
    const sb = await sandbox({ heartbeatMs: 20 });
    const stream = await sse(sb);
    await until(() => /\r\n\r\n(\r\n)+$/.test(stream.raw));
  });

  it('answers 405 to a client that does not accept text/event-stream', async () => {
    const sb = await sandbox();
    const res = await call(sb, 'GET', '/v2/events', undefined, { Accept: 'application/json' });
    expect(res.status).toBe(405);
    expect(res.text).toContain('HTTP method GET is not supported by this URL');
  });

  it('announces event_stream_detached to the other streams when a client leaves', async () => {
    const sb = await sandbox();
    const watcher = await sse(sb, '?event_type=event_stream_detached');
    const leaver = await sse(sb);
    await until(() => leaver.events.length > 0);
    leaver.close();
    await until(() => watcher.events.length > 0);
    expect(watcher.events[0]?.data.remoteAddress).toBe('127.0.0.1');
  });

  it('ends every stream when the sandbox closes', async () => {
    const sb = await sandbox();
    const ended = new Promise<void>((resolve) => {
      const req = request(`${sb.url}/v2/events`, { headers: { Accept: 'text/event-stream' }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve());
        res.on('close', () => resolve());
      });
      req.on('error', () => resolve());
      req.end();
    });
    await until(() => sb.requestLog().some((e) => e.path === '/v2/events'));
    await sb.close();
    await ended;
  });
});
