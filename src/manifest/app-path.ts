// Dependencies may name other apps relative to the app's group, as Marathon allows:
// "db" in group "mip/prod" is /mip/prod/db, "../shared/db" is /mip/shared/db.

import { isValidAppId, segmentsOf, type AppId } from '../model/app-id.js';

/** The absolute id `ref` names, seen from `group`; undefined when it leaves the root or is invalid. */
export function resolveAppPath(ref: string, group: string | undefined): AppId | undefined {
  const parts = ref.startsWith('/') ? [] : segmentsOf(`/${group ?? ''}`);
  for (const seg of ref.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else {
      parts.push(seg);
    }
  }
  const id = `/${parts.join('/')}`;
  return isValidAppId(id) ? id : undefined;
}

/** The group path of an id: "/mip/prod/web" -> "mip/prod". */
export function groupOf(id: AppId): string {
  return segmentsOf(id).slice(0, -1).join('/');
}
