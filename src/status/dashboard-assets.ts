// The dashboard's files (src/ui, built into dist/src/ui by `npm run build`), read once when
// the status server starts and served from memory: a handful of small files, so no request
// touches the disk and no request path ever becomes a file path (a name is looked up in
// this map or not at all).

import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
}

export interface DashboardAssets {
  /** `index.html`, `dashboard.js`...; undefined when there is no such file. */
  get(name: string): DashboardAsset | undefined;
  /** Why there are none (the folder is missing: maracker runs from unbuilt sources). */
  readonly missing?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** dist/src/ui next to dist/src/status, where the build puts the dashboard. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../ui/', import.meta.url));

export function loadDashboardAssets(dir: string = DEFAULT_DASHBOARD_DIR): DashboardAssets {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { get: () => undefined, missing: `the dashboard's files are not in ${dir}: run npm run build` };
  }
  const assets = new Map<string, DashboardAsset>();
  for (const name of names) {
    const contentType = TYPES[extname(name)];
    if (contentType !== undefined && /^[a-z0-9-]+\.[a-z]+$/.test(name)) assets.set(name, { body: readFileSync(join(dir, name)), contentType });
  }
  if (!assets.has('index.html')) return { get: () => undefined, missing: `the dashboard's files are not in ${dir}: run npm run build` };
  return { get: (name) => assets.get(name) };
}
