// Marathon app ids are absolute paths of lowercase segments ("/mip/prod/web").
// Marathon's PathId grammar (raml stringTypes.raml): each segment matches
// ^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])$
// maracker is stricter in one way: it never accepts relative ids, "." or "..".

export type AppId = string;

const SEGMENT = /^(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;

export function isValidSegment(segment: string): boolean {
  return SEGMENT.test(segment);
}

/** True for "/a" and "/a/b/c" whose every segment is a valid Marathon id segment. */
export function isValidAppId(id: string): boolean {
  if (!id.startsWith('/') || id.length < 2 || id.endsWith('/')) return false;
  return id.slice(1).split('/').every(isValidSegment);
}

/** Whether `id` is the group path `group` or lies under it ("/mip" holds "/mip/web", not "/mipx"); "/" holds every id. */
export function isInGroup(id: AppId, group: string): boolean {
  return group === '/' || id === group || id.startsWith(`${group}/`);
}

/** "/mip/prod/web" from group "mip/prod" (or "/mip/prod/") and name "web". */
export function appIdOf(name: string, group?: string): AppId {
  const g = (group ?? '').split('/').filter((s) => s.length > 0);
  return `/${[...g, name].join('/')}`;
}

/** Segments of an id, without the root: "/mip/web" -> ["mip", "web"]. */
export function segmentsOf(id: AppId): string[] {
  return id.split('/').filter((s) => s.length > 0);
}
