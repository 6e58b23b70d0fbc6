// What the dashboard's catalogue shows of a declared app beyond its state: the image, the
// resources it asks for, and what it says it is. The description and links come from the
// app's labels under the image-metadata names (docs/image-metadata.md), read with the same
// rules, so a manifest can describe its app today; when maracker reads the image's own
// labels from the registry, they fill the same fields. Pure.

import { INFO_FIELDS } from '../image/labels.js';
import type { MarathonAppDefinition } from '../model/marathon.js';

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

export function aboutApp(definition: MarathonAppDefinition): AppAbout {
  const labels = definition.labels ?? {};
  const links: AppAbout['links'] = {};
  for (const field of LINK_FIELDS) {
    const value = infoField(labels, field);
    // A source may be a git: or ssh: URL; the page links only what a browser opens.
    if (value !== null && /^https?:\/\//.test(value)) links[field] = value;
  }
  return {
    image: definition.container?.docker?.image ?? null,
    cpus: definition.cpus ?? null,
    mem: definition.mem ?? null,
    title: infoField(labels, 'title'),
    description: infoField(labels, 'description'),
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
