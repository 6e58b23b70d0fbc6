// Issue 16 end to end: a manifest that names only an image and its instances is deployed with
// the CPU and memory its labels give, read from a real registry (Debian's docker-registry,
// images pushed by skopeo from OCI layouts built here), against the sandbox; an image whose
// registry cannot be read leaves its app Unknown, with nothing created or deleted; a tag
// pushed anew with other labels rolls the app, and plan says where the values come from. An
// image that labels its HTTP port and health path gives an app that declares neither its port
// mapping and health check: the app turns healthy, Traefik v3 is sent to that port, and later
// passes write nothing.

import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/net/free-ports.js';
import { eventually, runCli as cli, startDaemonProcess } from '../helpers/daemon-process.js';
import { gitRepo } from '../helpers/git-repo.js';
import { image } from '../helpers/oci-image.js';
import { BASIC_PASSWORD, BASIC_USER, registryTools, startRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { appWrites, describeWrites, sandbox } from '../helpers/sandbox.js';

const tools = registryTools();
if (!tools.available) console.warn(`test/app/image-metadata-e2e.test.ts skipped: ${tools.reason}`);

const manifest = (name: string, ref: string, ...more: string[]): string =>
  ['apiVersion: maracker/v1', 'kind: App', 'metadata:', `  name: ${name}`, '  group: lab', 'spec:', `  image: ${ref}`, '  instances: 1', ...more, ''].join(
    '\n',
  );

describe.skipIf(!tools.available)(`image labels give an app its resources${tools.available ? '' : ` (skipped: ${tools.reason})`}`, () => {
  it('deploys with the labels resources, keeps an app whose image cannot be read Unknown, and rolls a moved tag', async () => {
    const registry = await startRegistry({ kind: 'none' }, tools);
    try {
      const v1 = image({
        labels: {
          'org.maracker.resources.cpus': '0.25',
          'org.label-schema.memory-hint': '768Mi',
          'org.opencontainers.image.description': 'A notebook server for the lab',
        },
      });
      await registry.push('lab/notebook', 'stable', v1.manifest, v1.blobs);
      const repo = await gitRepo();
      const ref = `${registry.host}/lab/notebook:stable`;
      await repo.write('notebook.yaml', manifest('notebook', ref));
      // An image on a registry nobody listens at: its app can be neither sized nor created.
      const nowhere = `127.0.0.1:${await freePort()}/lab/gone:1`;
      await repo.write('gone.yaml', manifest('gone', nowhere));
      const marathon = await sandbox();
      const daemon = await startDaemonProcess({
        marathonUrl: marathon.url,
        manifests: repo.manifests,
        args: ['--image-refresh', '3600'],
        env: { MARACKER_IMAGE_METADATA: 'true' },
      });

      await eventually(async () => (await daemon.app('/lab/notebook'))?.sync === 'Synced', 'notebook synced');
      const app = (await (await fetch(`${marathon.url}/v2/apps/lab/notebook`)).json()) as { app: { cpus: number; mem: number } };
      expect([app.app.cpus, app.app.mem]).toEqual([0.25, 768]);
      const status = await daemon.app('/lab/notebook');
      expect(status?.image).toMatchObject({
        reference: ref,
        digest: v1.manifest.digest,
        filled: { cpus: 'org.maracker.resources.cpus', mem: 'org.label-schema.memory-hint' },
      });
      expect(status?.image?.info.description).toBe('A notebook server for the lab');

      const gone = await eventually(async () => {
        const s = await daemon.app('/lab/gone');
        return s?.sync === 'Unknown' && s.lastError?.message.startsWith('cannot read') ? s : undefined;
      }, 'gone unknown, saying why');
      expect(gone.lastError?.message).toContain(`cannot read the labels of image ${nowhere}`);
      expect((await fetch(`${marathon.url}/v2/apps/lab/gone`)).status).toBe(404);

      // plan, run as an operator would, says where a value comes from.
      const v2 = image({ labels: { 'org.maracker.resources.cpus': '0.25', 'org.label-schema.memory-hint': '1Gi' } });
      await registry.push('lab/notebook', 'stable', v2.manifest, v2.blobs);
      await writeFile(join(repo.manifests, 'gone.yaml'), '');
      const installation = String((await daemon.status()).installation.name);
      const plan = await cli(['plan', '--marathon', marathon.url, '--manifests', repo.manifests, '--installation', installation], {
        env: { MARACKER_IMAGE_METADATA: 'true' },
      });
      expect(
        plan.stdout,
        `${plan.stdout}\n${plan.stderr}\n${daemon
          .output()
          .split('\n')
          .filter((l) => /"component":"images"/.test(l))
          .join('\n')}`,
      ).toContain('mem: 768 → 1024 (from image label org.label-schema.memory-hint)');
      expect(plan.status).toBe(2);

      // The tag moved. This daemon reads the image again only after --image-refresh (an hour
      // here, so that plan above saw the change first); a daemon that reads it now rolls the app.
      await daemon.stop();
      const next = await startDaemonProcess({ marathonUrl: marathon.url, manifests: repo.manifests, env: { MARACKER_IMAGE_METADATA: 'true' } });
      await eventually(async () => {
        const a = (await (await fetch(`${marathon.url}/v2/apps/lab/notebook`)).json()) as { app: { mem: number } };
        return a.app.mem === 1024;
      }, 'notebook resized from the new labels');
      await eventually(async () => (await next.app('/lab/notebook'))?.image?.digest === v2.manifest.digest, 'status shows the new digest');
      await next.stop();
    } finally {
      await registry.stop();
    }
  });

  it('gives an app that declares no port and no health check those its image labels, in sync from the first write', { timeout: 120_000 }, async () => {
    const registry = await startRegistry({ kind: 'none' }, tools);
    try {
      const web = image({
        labels: { 'org.maracker.http.port': '8080', 'org.maracker.health.path': '/health', 'org.maracker.resources.mem': '64' },
        exposedPorts: ['8080/tcp'],
      });
      await registry.push('lab/web', '1', web.manifest, web.blobs);
      const ref = `${registry.host}/lab/web:1`;
      const repo = await gitRepo();
      // what the issue asks for: an image and its instances, nothing else
      await repo.write('web.yaml', manifest('web', ref));
      // the same image routed by Traefik v3: the route goes to the port the image gave
      await repo.write('site.yaml', manifest('site', ref, '  expose:', '    host: site.localhost'));
      // a broken port label gives nothing: neither the exposed port in its place nor a check
      const broken = image({ labels: { 'org.maracker.http.port': 'eighty', 'org.maracker.health.path': '/health' }, exposedPorts: ['8080/tcp'] });
      await registry.push('lab/broken', '1', broken.manifest, broken.blobs);
      await repo.write('broken.yaml', manifest('broken', `${registry.host}/lab/broken:1`, '  cpus: 0.1', '  mem: 64'));
      const marathon = await sandbox();
      const daemon = await startDaemonProcess({
        marathonUrl: marathon.url,
        manifests: repo.manifests,
        args: ['--traefik', 'v3', '--resync-interval', '1', '--image-refresh', '3600'],
        env: { MARACKER_IMAGE_METADATA: 'true' },
      });

      for (const id of ['/lab/web', '/lab/site', '/lab/broken']) {
        await eventually(
          async () => {
            const s = await daemon.app(id);
            return s?.sync === 'Synced' && s.health === 'Healthy';
          },
          `${id} synced and healthy`,
          60_000,
        );
      }
      type App = {
        networks: unknown[];
        container: { portMappings: Array<Record<string, unknown>> };
        healthChecks: Array<Record<string, unknown>>;
        tasks: Array<{ host: string; ports: number[] }>;
      };
      const app = ((await (await fetch(`${marathon.url}/v2/apps/lab/web?embed=apps.tasks`)).json()) as { app: App }).app;
      expect(app.networks).toEqual([{ mode: 'container/bridge' }]);
      expect(app.container.portMappings).toEqual([
        expect.objectContaining({ containerPort: 8080, hostPort: 0, name: 'default', protocol: 'tcp', servicePort: expect.any(Number) }),
      ]);
      expect(app.healthChecks).toEqual([
        expect.objectContaining({ protocol: 'HTTP', path: '/health', portIndex: 0, gracePeriodSeconds: 300, intervalSeconds: 60, maxConsecutiveFailures: 3 }),
      ]);
      expect((await daemon.app('/lab/web'))?.image?.filled).toEqual({
        networks: 'org.maracker.http.port',
        'container.portMappings': 'org.maracker.http.port',
        healthChecks: 'org.maracker.health.path',
        mem: 'org.maracker.resources.mem',
      });

      const plain = ((await (await fetch(`${marathon.url}/v2/apps/lab/broken`)).json()) as { app: App }).app;
      // Marathon's defaults: host networking, one port of its choosing, no check (omitted when empty)
      expect([plain.networks, plain.healthChecks]).toEqual([[{ mode: 'host' }], undefined]);
      const brokenStatus = (await daemon.app('/lab/broken'))?.image;
      expect(brokenStatus?.filled).toEqual({});
      expect(brokenStatus?.problems).toEqual([expect.stringContaining('org.maracker.http.port="eighty"')]);

      // Traefik v3 is given the host port Marathon mapped to the image's port 8080.
      const site = ((await (await fetch(`${marathon.url}/v2/apps/lab/site?embed=apps.tasks`)).json()) as { app: App }).app;
      const task = site.tasks[0] as { host: string; ports: number[] };
      const route = await eventually(async () => {
        const r = (await daemon.app('/lab/site'))?.route;
        return r && r.servers.length === 1 ? r : undefined;
      }, 'site routed to its healthy task');
      expect(route.port).toEqual({ index: 0 });
      expect(route.servers).toEqual([`http://${task.host}:${task.ports[0]}`]);

      // Every later pass finds Marathon's version of the filled apps in sync: no write.
      const since = marathon.requestLog().at(-1)?.seq ?? 0;
      await daemon.afterPasses(3);
      expect(describeWrites(appWrites(marathon, undefined, since)), 'writes after the apps were in sync').toEqual([]);
      expect(describeWrites(appWrites(marathon))).toEqual(['POST /v2/apps', 'POST /v2/apps', 'POST /v2/apps']);
      const installation = String((await daemon.status()).installation.name);
      const plan = await cli(['plan', '--marathon', marathon.url, '--manifests', repo.manifests, '--installation', installation, '--traefik', 'v3'], {
        env: { MARACKER_IMAGE_METADATA: 'true' },
      });
      expect(plan.status, `${plan.stdout}\n${plan.stderr}`).toBe(0);
      expect(plan.stderr).toContain(`image ${registry.host}/lab/broken:1: org.maracker.http.port="eighty"`);
      await daemon.stop();
    } finally {
      await registry.stop();
    }
  });

  it('picks up registry credentials rotated in its --docker-config file, without a restart, and never shows them', { timeout: 120_000 }, async () => {
    const registry = await startRegistry({ kind: 'htpasswd' }, tools);
    try {
      const img = image({ labels: { 'org.maracker.resources.cpus': '0.1', 'org.maracker.resources.mem': '96' } });
      await registry.push('lab/private', '1', img.manifest, img.blobs, { username: BASIC_USER, password: BASIC_PASSWORD });
      const secrets = await tempDir();
      const config = `${secrets}/config.json`;
      const write = async (password: string): Promise<void> => {
        await writeFile(`${config}.new`, JSON.stringify({ auths: { [registry.host]: { username: BASIC_USER, password } } }));
        await rename(`${config}.new`, config);
      };
      await write('expired-token-1234');
      const repo = await gitRepo();
      await repo.write('private.yaml', manifest('private', `${registry.host}/lab/private:1`, '  ports: []', '  healthChecks: []'));
      const marathon = await sandbox();
      const daemon = await startDaemonProcess({
        marathonUrl: marathon.url,
        manifests: repo.manifests,
        args: ['--docker-config', config, '--image-refresh', '3600'],
        env: { MARACKER_IMAGE_METADATA: 'true' },
      });

      const refused = await eventually(async () => {
        const s = await daemon.app('/lab/private');
        return s?.sync === 'Unknown' && s.lastError?.message.includes('refused') ? s : undefined;
      }, 'the app Unknown while the registry refuses the old token');
      expect(refused.lastError?.message).toContain(`the credentials of ${config} for ${registry.host} were refused`);
      expect((await fetch(`${marathon.url}/v2/apps/lab/private`)).status).toBe(404);

      // The secret store writes the new token; the daemon's next read of the image uses it.
      await write(BASIC_PASSWORD);
      await eventually(async () => (await daemon.app('/lab/private'))?.sync === 'Synced', 'the app created with the new token', 60_000);
      const app = (await (await fetch(`${marathon.url}/v2/apps/lab/private`)).json()) as { app: { cpus: number; mem: number } };
      expect([app.app.cpus, app.app.mem]).toEqual([0.1, 96]);
      const shown = `${daemon.output()}${JSON.stringify(await daemon.status())}`;
      expect(shown).not.toContain(BASIC_PASSWORD);
      expect(shown).not.toContain('expired-token-1234');
      await daemon.stop();
    } finally {
      await registry.stop();
    }
  });
});
