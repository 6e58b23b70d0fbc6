// Marathon path ids ("/mip/prod/web"): the RAML grammar, canonicalisation and the "safe" form
// used in task ids. Deliberately independent of src/model/app-id.ts: the sandbox mirrors
// Marathon, including its leniencies (relative ids, "..", doubled slashes in URLs).

/** `strings.PathId` from stringTypes.raml; violations are reported as `error.pattern`. */
export const RAML_PATH_ID = /^(\/?((\.\.)|(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9]))?($|\/))+$/;

const SEGMENT = /^(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;

export function isValidSegment(segment: string): boolean {
  return SEGMENT.test(segment);
}

/** Segments of an id after resolving it against `base` (default root), like PathId.canonicalPath. */
export function canonicalSegments(id: string, base: readonly string[] = []): string[] {
  const absolute = id.startsWith('/');
  const out = absolute ? [] : [...base];
  for (const seg of id.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out;
}

export function canonicalId(id: string, base: readonly string[] = []): string {
  return `/${canonicalSegments(id, base).join('/')}`;
}

export function segmentsOf(id: string): string[] {
  return id.split('/').filter((s) => s.length > 0);
}

export function parentOf(id: string): string {
  const segs = segmentsOf(id);
  return `/${segs.slice(0, -1).join('/')}`;
}

/** The app part of a task id: "/mip/prod/web" -> "mip_prod_web" (PathId.safePath). */
export function safeId(id: string): string {
  return segmentsOf(id).join('_');
}

/** True when `id` is `group` or lies below it. */
export function isUnder(id: string, group: string): boolean {
  if (group === '/') return true;
  return id === group || id.startsWith(`${group}/`);
}
