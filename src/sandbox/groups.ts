// GET /v2/groups[/{id}]: the group tree (GroupsResource / GroupInfo), made of the groups the
// group API created and those an app lives in. Every group reports the version of the last
// write to the root group (Marathon versions each group by its own last change; clients use
// group versions rarely and never for reconciliation; /v2/groups/{id}/versions lists them).

import type { Embed } from './engine.js';
import type { AppRecord } from './engine.js';
import { segmentsOf } from './path-id.js';

export interface GroupNode {
  id: string;
  apps: AppRecord[];
  groups: Map<string, GroupNode>;
}

export function buildTree(apps: readonly AppRecord[], explicitGroups: Iterable<string> = []): GroupNode {
  const root: GroupNode = { id: '/', apps: [], groups: new Map() };
  /** The node of a group path, created with its parents on the way. */
  const nodeOf = (segs: readonly string[]): GroupNode => {
    let node = root;
    for (let i = 0; i < segs.length; i++) {
      const id = `/${segs.slice(0, i + 1).join('/')}`;
      let child = node.groups.get(id);
      if (!child) {
        child = { id, apps: [], groups: new Map() };
        node.groups.set(id, child);
      }
      node = child;
    }
    return node;
  };
  for (const group of explicitGroups) nodeOf(segmentsOf(group));
  for (const app of apps) nodeOf(segmentsOf(app.id).slice(0, -1)).apps.push(app);
  return root;
}

export function findGroup(root: GroupNode, id: string): GroupNode | undefined {
  if (id === '/') return root;
  const segs = segmentsOf(id);
  let node: GroupNode | undefined = root;
  for (let i = 0; i < segs.length && node; i++) node = node.groups.get(`/${segs.slice(0, i + 1).join('/')}`);
  return node;
}

export interface GroupEmbed {
  groups: boolean;
  apps: boolean;
  appEmbed: ReadonlySet<Embed>;
}

/** GroupInfo JSON in RAML order: id, apps, pods, groups, dependencies, version, enforceRole. */
export function groupJson(
  node: GroupNode,
  embed: GroupEmbed,
  version: string,
  appInfo: (r: AppRecord) => string,
  pods: (groupId: string) => string[] = () => [],
): string {
  let s = `{"id":${JSON.stringify(node.id)}`;
  if (embed.apps) s += `,"apps":[${node.apps.map(appInfo).join(',')}]`;
  s += `,"pods":[${pods(node.id).join(',')}]`;
  if (embed.groups) s += `,"groups":[${[...node.groups.values()].map((g) => groupJson(g, embed, version, appInfo, pods)).join(',')}]`;
  s += `,"dependencies":[],"version":${JSON.stringify(version)},"enforceRole":false}`;
  return s;
}
