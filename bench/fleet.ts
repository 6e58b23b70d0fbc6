// The apps the daemon scenarios deploy: realistic manifests (Docker apps on bridge networks
// with two named ports, health checks, a Traefik route, env and constraints; command apps on
// host networking with a fetched artifact), written as files or as database rows, and the
// definitions maracker's own translator produces from them (to preload the sandbox with apps
// that are already deployed and in sync).

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { readManifestFolder } from '../src/manifest/folder.js';
import { specToDesired } from '../src/manifest/row.js';
import type { TraefikGrammar } from '../src/manifest/types.js';
import type { DesiredApp } from '../src/model/desired.js';
import type { MarathonAppDefinition } from '../src/model/marathon.js';

/** Apps spread over this many groups (and folders), as on a shared platform. */
const GROUPS = 50;

export interface FleetApp {
  index: number;
  /** Marathon id, e.g. /mip/group-7/app-00042. */
  id: string;
  name: string;
  group: string;
  /** Manifest path relative to the folder, e.g. group-7/app-00042.yaml. */
  file: string;
}

/** What a save changes: the instance count (a scale) or the memory (a rolling restart). */
export interface Variant {
  instances?: number;
  mem?: number;
}

export function fleetApp(i: number): FleetApp {
  const name = `app-${String(i).padStart(5, '0')}`;
  const g = `group-${i % GROUPS}`;
  return { index: i, id: `/mip/${g}/${name}`, name, group: `mip/${g}`, file: `${g}/${name}.yaml` };
}

export function fleet(count: number, offset = 0): FleetApp[] {
  return Array.from({ length: count }, (_, k) => fleetApp(offset + k));
}

/** The `spec` of a manifest, which is also the `spec` column of a database row. */
export function appSpec(i: number, v: Variant = {}): Record<string, unknown> {
  const { name } = fleetApp(i);
  const common: Record<string, unknown> = {
    instances: v.instances ?? 1 + (i % 3),
    cpus: 0.25,
    mem: v.mem ?? 512,
    env: { LOG_LEVEL: 'info', APP_NAME: name },
    labels: { team: `team-${i % 17}` },
    ...(i % 5 === 0
      ? {
          constraints: [
            ['hostname', 'UNIQUE'],
            ['rack', 'GROUP_BY', '3'],
          ],
        }
      : {}),
  };
  if (i % 10 < 7) {
    return {
      image: `registry.example.org/mip/${name}:1.${i % 9}`,
      network: 'bridge',
      ...common,
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'metrics', containerPort: 9090 },
      ],
      healthChecks: [
        { protocol: 'MESOS_HTTP', port: 'http', path: '/health', gracePeriodSeconds: 60 },
        { protocol: 'TCP', port: 'metrics', intervalSeconds: 30 },
      ],
      expose: { host: `${name}.mip.example.org`, port: 'http' },
    };
  }
  return {
    cmd: `python3 -m http.server $PORT0 --directory /srv/${name}`,
    ...common,
    ports: [{ name: 'http' }],
    healthChecks: [{ protocol: 'HTTP', port: 'http', path: '/' }],
    fetch: [{ uri: `https://artifacts.example.org/${name}.tgz` }],
    expose: { host: `${name}.mip.example.org` },
  };
}

export function manifestText(i: number, v: Variant = {}): string {
  const app = fleetApp(i);
  return stringify({ apiVersion: 'maracker/v1', kind: 'App', metadata: { name: app.name, group: app.group }, spec: appSpec(i, v) });
}

/** Writes one manifest file per app (created folders included). */
export async function writeManifests(dir: string, apps: readonly FleetApp[]): Promise<void> {
  const dirs = new Set(apps.map((a) => dirname(join(dir, a.file))));
  for (const d of dirs) await mkdir(d, { recursive: true });
  const BATCH = 64;
  for (let k = 0; k < apps.length; k += BATCH) {
    await Promise.all(apps.slice(k, k + BATCH).map((a) => writeFile(join(dir, a.file), manifestText(a.index))));
  }
}

/**
 * Saves one manifest as editors do: in place (truncate and write, like VS Code or a
 * `git checkout`) or atomically (a temporary file renamed over it, like vim or sed -i).
 */
export async function saveManifest(dir: string, app: FleetApp, v: Variant, mode: 'in-place' | 'rename'): Promise<void> {
  const path = join(dir, app.file);
  const text = manifestText(app.index, v);
  if (mode === 'in-place') {
    await writeFile(path, text);
  } else {
    // *.tmp is ignored by the folder source, as editors' temporary files must be.
    const tmp = `${path}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, path);
  }
}

/** The definitions maracker's translator produces from the folder (ownership labels included). */
export async function translatedFolder(dir: string, traefik: TraefikGrammar = 'v2'): Promise<DesiredApp[]> {
  const result = await readManifestFolder(dir, { traefik, displayRoot: '' });
  if (result.problems.length > 0) throw new Error(`bench manifests have problems: ${JSON.stringify(result.problems.slice(0, 3))}`);
  return result.apps;
}

/** The definition of a database row, as the database source translates it. */
export function translatedRow(i: number, v: Variant = {}): MarathonAppDefinition {
  const app = fleetApp(i);
  const r = specToDesired(app.id, appSpec(i, v), null, { traefik: 'v2' });
  if (!r.app) throw new Error(`bench row ${app.id} has problems: ${JSON.stringify(r.problems)}`);
  return r.app.definition;
}
