// What the dashboard's catalogue shows of a declared app beyond its state: the image, the
// resources it asks for, and what it says it is. The description and links come from the
// app's labels under the image-metadata names (docs/image-metadata.md), read with the same
// rules, and from the image's own labels when maracker read them from the registry (the
// app's labels win: the manifest's author has the last word). Pure.

import { INFO_FIELDS } from '../image/labels.js';
import type { DesiredApp } from '../model/desired.js';

export interface AppAbout {
  /** The Docker image, or null for a command app. */
  image: string | null;
  cpus: number | null;
  /** MiB. */
  mem: number | null;
  title: string | null;
  description: string | null;
  /** http(s) links the labels give: `url`, `documentation`, `source` (each only when valid). */
  links: { url?: string; documentation?: string; source?: string };
}

const LINK_FIELDS = ['url', 'documentation', 'source'] as const;

export function aboutApp(app: Pick<DesiredApp, 'definition' | 'image'>): AppAbout {
  const { definition } = app;
  const labels = definition.labels ?? {};
  const fromImage = app.image?.info ?? {};
  const field = (name: string): string | null => infoField(labels, name) ?? fromImage[name] ?? null;
  const links: AppAbout['links'] = {};
  for (const name of LINK_FIELDS) {
    const value = field(name);
    // A source may be a git: or ssh: URL; the page links only what a browser opens.
    if (value !== null && /^https?:\/\//.test(value)) links[name] = value;
  }
  return {
    image: definition.container?.docker?.image ?? null,
    cpus: definition.cpus ?? null,
    mem: definition.mem ?? null,
    title: field('title'),
    description: field('description'),
    links,
  };
}

/** The first label of a field that reads as valid, highest precedence first. */
function infoField(labels: Record<string, string>, field: string): string | null {
  const spec = INFO_FIELDS.find((f) => f.field === field);
  for (const label of spec?.labels ?? []) {
    const text = labels[label];
    if (text === undefined) continue;
    const read = spec?.read(text, label);
    if (read?.ok) return read.value;
  }
  return null;
}
