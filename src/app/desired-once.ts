// The desired state read once, as `run` would read it at start-up: the same sources (the
// manifests folder, the database table), the same translation and limits, the same
// installation. `plan` and `validate` use it so that they see what the daemon sees; a source
// that cannot be read is an error here (a plan from part of the sources would show the rest as
// deletes), never an empty source.

import type pg from 'pg';
import type { DaemonConfig } from '../config/daemon.js';
import { derivedInstallation } from '../config/installation.js';
import { errorMessage } from '../base/errors.js';
import { silentLogger } from '../base/log.js';
import { readManifestFolder } from '../manifest/folder.js';
import { rowToDesired } from '../manifest/row.js';
import type { Installation } from '../model/installation.js';
import type { Location, Problem } from '../model/problem.js';
import { findDependencyCycles, type LocatedApp } from '../manifest/dependency-cycles.js';
import { createPool } from '../postgres/connection.js';
import { databaseUrlLabel } from '../postgres/url-label.js';
import { RouteMemory } from '../status/route-memory.js';
import { systemTimers } from '../base/timers.js';
import { DesiredView, type DesiredEntry } from '../reconcile/desired-view.js';
import { imageMetadata } from '../image/metadata.js';
import type { DesiredApp } from '../model/desired.js';
import { fillFromImage, labelErrors, NO_REGISTRY, needsImage, type ImageFacts } from '../sources/image-fill.js';
import { createRegistryClient } from './registry-client.js';
import { readFromGit } from './git-read.js';
import type { Env } from '../base/env.js';
import { RowReader } from '../sources/database-rows.js';
import { databaseSnapshot, type DatabaseRow } from '../sources/database-snapshot.js';
import { folderSnapshot, type FolderFile } from '../sources/folder-snapshot.js';
import type { SourceSnapshot } from '../sources/source.js';
import { readInstallationName } from './installation-store.js';

export interface DesiredOnce {
  view: DesiredView;
  /** Every problem of every source (files with file:line:column, rows with their JSON path). */
  problems: Problem[];
  /** As the daemon resolves it: --installation, else the database's, else derived. */
  installation: Installation;
  /** What was read, for the operator: "main of URL is commit abc123 \"subject\"". */
  notes: string[];
}

/** A source that could not be read: the whole answer would be wrong without it. */
export class SourceReadError extends Error {
  constructor(
    readonly source: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SourceReadError';
  }
}

/**
 * Reads every source the configuration names, once. `displayRoot` is how manifest paths are
 * shown (relative to where the command runs).
 */
export async function readDesiredOnce(
  config: DaemonConfig,
  o: {
    displayRoot?: string;
    images?: boolean;
    env?: Env;
    /** Report dependency cycles (default); `validate` looks for them across every source itself. */
    cycles?: boolean;
  } = {},
): Promise<DesiredOnce> {
  const env = o.env ?? process.env;
  const snapshots: SourceSnapshot[] = [];
  /** How problems name each file read (its path from the folder or repository, as given). */
  const shownAs = new Map<string, string>();
  const translate = { traefik: config.traefik };
  if (config.manifests !== null) {
    let folder: Awaited<ReturnType<typeof readManifestFolder>>;
    try {
      folder = await readManifestFolder(config.manifests, { ...translate, displayRoot: o.displayRoot ?? config.manifests, limits: config.limits });
    } catch (err) {
      throw new SourceReadError('folder', errorMessage(err), { cause: err });
    }
    const files = new Map<string, FolderFile>(folder.files.map((r) => [r.file, { result: r, lastGoodIds: [] }]));
    for (const r of folder.files) shownAs.set(r.file, r.displayPath);
    snapshots.push(folderSnapshot(files, { name: 'folder', lastReadAt: new Date() }));
  }
  const notes: string[] = [];
  if (config.git !== null) {
    // The commit the ref names, read as the daemon's git source reads it.
    const read = await readFromGit(config.git, env, { traefik: config.traefik, limits: config.limits });
    if (!read.ok) throw new SourceReadError('git', read.reason);
    notes.push(`${config.git.ref} of ${read.url} is commit ${read.commit.hash.slice(0, 12)} "${read.commit.subject}"`);
    const files = new Map<string, FolderFile>(read.files.map((r) => [r.file, { result: r, lastGoodIds: [] }]));
    for (const r of read.files) shownAs.set(r.file, r.displayPath);
    snapshots.push(folderSnapshot(files, { name: 'git', lastReadAt: new Date() }, [], [], 'git'));
  }
  let stored: string | undefined;
  if (config.databaseUrl !== null) {
    const pool = createPool(config.databaseUrl, { purpose: 'read', max: 1, logger: silentLogger() });
    try {
      const read = await readTable(pool, config);
      snapshots.push(read.snapshot);
      stored = config.installation === null ? await readInstallationName(pool) : undefined;
    } catch (err) {
      throw new SourceReadError('database', `cannot read ${databaseUrlLabel(config.databaseUrl)}: ${errorMessage(err)}`, { cause: err });
    } finally {
      await pool.end().catch(() => undefined);
    }
  }
  const installation: Installation =
    config.installation !== null
      ? { name: config.installation, origin: 'option' }
      : stored !== undefined
        ? { name: stored, origin: 'database' }
        : derivedInstallation(config.manifests ?? config.git?.remote.display ?? '', config.marathon.url);
  // What the daemon on this host remembers serving (read only): it holds the hosts of apps
  // whose declarations are broken as the daemon does (status/route-memory.ts).
  const memory = new RouteMemory({ path: config.routeMemory, logger: silentLogger(), timers: systemTimers });
  await memory.load();
  const remembered = [...memory.entries()];
  const plain = new DesiredView(snapshots, undefined, remembered);
  const {
    complete,
    problems: imageProblems,
    notes: imageNotes,
  } = await readImages(plain, o.images === false ? { ...config, images: { ...config.images, enabled: false } } : config);
  const view = new DesiredView(snapshots, complete, remembered);
  notes.push(...imageNotes);
  return {
    view,
    problems: [
      ...snapshots.flatMap((s) => s.problems),
      ...crossSourceProblems(view, snapshots),
      ...view.routeProblems(),
      ...(o.cycles === false ? [] : cycleProblems(view, shownAs)),
      ...imageProblems,
    ],
    installation,
    notes,
  };
}

/**
 * The labels of every image an app takes resources from, read before anything is planned:
 * an image that cannot be read is a problem (the daemon would leave its apps Unknown).
 */
async function readImages(
  view: DesiredView,
  config: DaemonConfig,
): Promise<{ complete: (app: DesiredApp) => DesiredEntry; problems: Problem[]; notes: string[] }> {
  const needed = new Map<string, DesiredApp[]>();
  if (config.images.enabled) {
    for (const id of view.appIds()) {
      const entry = view.get(id);
      if (entry.kind !== 'app') continue;
      const image = needsImage(entry.app, config.images.pin);
      if (image === undefined) continue;
      const users = needed.get(image) ?? [];
      users.push(entry.app);
      needed.set(image, users);
    }
  }
  const facts = new Map<string, ImageFacts>();
  const problems: Problem[] = [];
  if (needed.size > 0) {
    const registry = await createRegistryClient(config.images.registry);
    try {
      await Promise.all(
        [...needed.keys()].map(async (image) => {
          try {
            const inspection = await registry.inspect(image);
            const read = imageMetadata(inspection.labels, inspection.exposedPorts);
            facts.set(image, { digest: inspection.digest, metadata: read.derived, problems: labelErrors(read.problems) });
          } catch (err) {
            for (const app of needed.get(image) ?? []) {
              const location =
                app.source.kind === 'file' ? { file: app.source.path, ...(app.source.line !== undefined ? { line: app.source.line } : {}) } : { row: app.id };
              problems.push({
                code: 'image-unreadable',
                message: `cannot read the labels of image ${image}, which give what the spec leaves out: ${errorMessage(err)} (${NO_REGISTRY})`,
                location,
              });
            }
          }
        }),
      );
    } finally {
      await registry.close();
    }
  }
  // An invalid label is the image's problem, not the manifest's: plan says so and goes on
  // without it, as the daemon does (nothing is guessed in its place).
  const notes = [...facts.entries()].flatMap(([image, f]) =>
    (f.problems ?? []).map((p) => `image ${image}: ${p} (this label gives nothing: maracker image check ${image})`),
  );
  const complete = (app: DesiredApp): DesiredEntry => {
    const image = needsImage(app, config.images.pin);
    if (image === undefined || !config.images.enabled) return { kind: 'app', app };
    const found = facts.get(image);
    return found
      ? { kind: 'app', app: fillFromImage(app, found, config.images.pin) }
      : { kind: 'unknown', reason: `the labels of image ${image} could not be read` };
  };
  return { complete, problems, notes };
}

async function readTable(pool: pg.Pool, config: DaemonConfig): Promise<{ snapshot: SourceSnapshot }> {
  const reader = new RowReader(pool, { maxRowBytes: config.limits.maxRowBytes });
  const rows = new Map<string, DatabaseRow>();
  for (const row of await reader.readAll()) {
    const result = rowToDesired(
      { id: row.id, spec: row.spec, labels: row.labels, bytes: Number(row.bytes) },
      { traefik: config.traefik, rowTraefikLabels: config.rowTraefikLabels, adopt: row.adopt === true, limits: config.limits },
    );
    rows.set(row.id, { id: row.id, result, revision: row.revision });
  }
  return { snapshot: databaseSnapshot(rows, { lastReadAt: new Date() }, config.limits.maxRowApps) };
}

/**
 * An id two sources declare (a file and a row, the folder and the git source): neither is
 * applied, and plan must not read it as undeclared. A duplicate inside one source is already
 * one of that source's problems.
 */
function crossSourceProblems(view: DesiredView, snapshots: readonly SourceSnapshot[]): Problem[] {
  const problems: Problem[] = [];
  for (const id of view.declaredIds()) {
    const entry = view.get(id);
    if (entry.kind !== 'conflict') continue;
    const declaring = snapshots.filter((s) => s.apps.has(id) || s.invalid.has(id) || s.conflicts.has(id));
    if (declaring.length < 2) continue;
    const file = entry.declarations.find((d) => d.kind === 'file');
    const where = entry.declarations.map((d) => (d.kind === 'file' ? `${d.path}${d.line !== undefined ? `:${d.line}` : ''}` : `database row ${d.row}`));
    problems.push({
      code: 'duplicate-id',
      message: `${id} is declared by more than one source (${declaring.map((s) => s.name).join(', ')}): ${where.join(' and ')}; neither is applied`,
      location: file ? { file: file.path, ...(file.line !== undefined ? { line: file.line } : {}) } : { row: id },
    });
  }
  return problems;
}

/** Apps whose dependencies form a cycle, which Marathon refuses (src/manifest/dependency-cycles.ts). */
function cycleProblems(view: DesiredView, shownAs: ReadonlyMap<string, string>): Problem[] {
  const apps: LocatedApp[] = [];
  for (const id of view.appIds()) {
    const entry = view.get(id);
    if (entry.kind !== 'app') continue;
    const src = entry.app.source;
    const location: Location =
      src.kind === 'file'
        ? { file: shownAs.get(src.path) ?? src.path, ...(src.line !== undefined ? { line: src.line, column: src.column ?? 1 } : {}) }
        : { row: src.row };
    apps.push({ app: entry.app, location });
  }
  return findDependencyCycles(apps);
}
