// Marathon app ids are absolute paths of lowercase segments ("/mip/prod/web").
// Marathon's PathId grammar (raml stringTypes.raml): each segment matches
// ^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])$
// maracker is stricter in one way: it never accepts relative ids, "." or "..".
// Marathon also refuses an app id whose last segment is a word its API keeps for an app's
// sub-resources (PathId.withoutReservedKeywords): `/web/tasks` would name the tasks of `/web`.

export type AppId = string;

const SEGMENT = /^(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;

export function isValidSegment(segment: string): boolean {
  return SEGMENT.test(segment);
}

/** Last segments Marathon refuses in an app id: /v2/apps/{id}/restart, /tasks and /versions are an app's sub-resources. */
export const RESERVED_APP_NAMES: readonly string[] = ['restart', 'tasks', 'versions'];

/** True for "/a" and "/a/b/c": every segment a valid Marathon id segment (a group path; see isValidAppId for an app's). */
export function isValidGroupPath(id: string): boolean {
  if (!id.startsWith('/') || id.length < 2 || id.endsWith('/')) return false;
  return id.slice(1).split('/').every(isValidSegment);
}

/** An id Marathon accepts for an app: a valid path whose last segment is not reserved. */
export function isValidAppId(id: string): boolean {
  return appIdFault(id) === undefined;
}

/** Why Marathon would refuse `id` as an app's id, in words that never quote it; undefined when it is valid. */
export function appIdFault(id: string): string | undefined {
  if (!isValidGroupPath(id)) {
    return "not a valid Marathon app id: an absolute path such as /demo/web, of segments made of lowercase letters, digits, '-' and '.'";
  }
  return isReservedAppName(id.slice(id.lastIndexOf('/') + 1)) ? reservedNameFault() : undefined;
}

/**
 * The longest app id whose tasks Mesos can run. Marathon names a task `<id without its first
 * slash, '/' as '_'>.instance-<uuid>._app.<incarnation>`, 52 characters and more beyond the
 * id, and a Mesos agent makes a folder of that name for the task's sandbox (and refuses ids
 * longer than a file name, 255 bytes): Marathon accepts a longer id, and its tasks never start.
 */
export const MAX_APP_ID_LENGTH = 200;

/** Why an app of this id could never run, or undefined; for ids that are otherwise valid. */
export function appIdLengthFault(id: string): string | undefined {
  if (id.length <= MAX_APP_ID_LENGTH) return undefined;
  return `is ${id.length} characters long: the tasks of an app id longer than ${MAX_APP_ID_LENGTH} never start on Mesos (a task's id is the app's and 52 characters more, and names a folder on the agent, at most 255)`;
}

export function isReservedAppName(name: string): boolean {
  return RESERVED_APP_NAMES.includes(name);
}

export function reservedNameFault(): string {
  return `must not end with ${RESERVED_APP_NAMES.join(', ')}: Marathon keeps these names for an app's sub-resources (/v2/apps/{id}/tasks)`;
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
