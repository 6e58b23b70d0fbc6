// Small pieces both views draw: badges, links, error lines, field lists. Text only, as
// everything built with ./dom.ts.

import type { UiApp, UiError } from './catalogue.js';
import { append, h } from './dom.js';

export function badge(kind: 'sync' | 'health', value: string): HTMLElement {
  // The text says it all; the colour (by class) only repeats it.
  return h('span', { class: `badge ${kind} ${kind}-${value.replace(/[^A-Za-z]/g, '')}` }, `${kind === 'sync' ? 'Sync' : 'Health'}: ${value}`);
}

export function appHref(id: string): string {
  return `#/apps${id}`;
}

export function resources(a: UiApp): string {
  const parts = [a.about?.cpus !== null ? `${a.about?.cpus} CPU` : null, a.about?.mem !== null ? `${a.about?.mem} MiB` : null];
  return parts.filter((p) => p !== null).join(', ');
}

export function externalLink(url: string, text: string): HTMLElement {
  // webUrl() let only http(s) through; the opened page gets no handle on this one.
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text);
}

export function errorText(e: UiError): string {
  return [e.where, e.code ? `[${e.code}]` : null, e.message].filter((x) => x).join(' ');
}

export function dl(...rows: Array<[string, Node | string | null] | null>): HTMLElement {
  const el = h('dl', {});
  for (const row of rows) if (row && row[1] !== null) append(el, h('dt', {}, row[0]), h('dd', {}, row[1]));
  return el;
}
