// Issue 16 end to end: a manifest that names only an image and its instances is deployed with
// the CPU and memory its labels give, read from a real registry (Debian's docker-registry,
// images pushed by skopeo from OCI layouts built here), against the sandbox; an image whose
// registry cannot be read leaves its app Unknown, with nothing created or deleted; a tag
// pushed anew with other labels rolls the app, and plan says where the values come from.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/net/free-ports.js';
import { eventually, runCli as cli, startDaemonProcess } from '../helpers/daemon-process.js';
import { gitRepo } from '../helpers/git-repo.js';
import { image } from '../helpers/oci-image.js';
import { registryTools, startRegistry } from '../helpers/registry.js';
import { sandbox } from '../helpers/sandbox.js';

const tools = registryTools();
if (!tools.available) console.warn(`test/app/image-metadata-e2e.test.ts skipped: ${tools.reason}`);

const manifest = (name: string, ref: string): string =>
  ['apiVersion: maracker/v1', 'kind: App', 'metadata:', `  name: ${name}`, '  group: lab', 'spec:', `  image: ${ref}`, '  instances: 1', ''].join('\n');

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
      const plan = await cli(['plan', '--marathon', marathon.url, '--manifests', repo.manifests, '--installation', installation]);
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
});
