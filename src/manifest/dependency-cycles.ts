// Apps whose dependencies form a cycle, across files and rows. Marathon validates its whole
// root group on every write and refuses a cycle ("Dependency graph has cyclic dependencies.",
// RootGroup.noCyclicDependencies): the daemon sends such apps, and Marathon refuses the one
// that closes the cycle. `validate` says so first, at every app of the cycle.
//
// An app depends on the app its dependency names or, when it names a group, on every app
// below it (an app depending on its own group depends on itself). Tarjan's strongly connected
// components, iterative: linear in apps and edges, whatever the length of a chain.

import { isInGroup, type AppId } from '../model/app-id.js';
import type { DesiredApp } from '../model/desired.js';
import type { Location, Problem } from '../model/problem.js';

export interface LocatedApp {
  app: DesiredApp;
  location: Location;
}

const MARATHON_WORDS = 'Marathon 1.10 refuses a cycle ("Dependency graph has cyclic dependencies.")';

/** A problem at every app that lies on a cycle of dependencies, naming the others of its cycle. */
export function findDependencyCycles(apps: readonly LocatedApp[]): Problem[] {
  const byId = new Map<AppId, LocatedApp>(apps.map((a) => [a.app.id, a]));
  const ids = [...byId.keys()];
  const edges = (id: AppId): AppId[] => {
    const deps = byId.get(id)?.app.definition.dependencies ?? [];
    return deps.flatMap((dep) => (byId.has(dep) ? [dep] : ids.filter((other) => other !== dep && isInGroup(other, dep))));
  };
  const problems: Problem[] = [];
  for (const component of cyclicComponents(ids, edges)) {
    const members = [...component].sort();
    for (const id of members) {
      const others = members.filter((m) => m !== id);
      const location = (byId.get(id) as LocatedApp).location;
      // A file's problems carry their path in the text; a row's in its location (formatProblem).
      const path = location.file !== undefined ? 'spec.dependencies: ' : '';
      const what = others.length === 0 ? `${id} depends on itself through its group` : `${id} and ${others.join(', ')} depend on each other`;
      problems.push({ code: 'marathon-rejects', message: `${path}${what}; ${MARATHON_WORDS}`, location: { ...location, jsonPath: 'spec.dependencies' } });
    }
  }
  return problems;
}

/** Strongly connected components on a cycle: of two nodes and more, or one with an edge to itself. */
function cyclicComponents(nodes: readonly AppId[], edges: (id: AppId) => AppId[]): AppId[][] {
  const index = new Map<AppId, number>();
  const low = new Map<AppId, number>();
  const onStack = new Set<AppId>();
  const stack: AppId[] = [];
  const out: AppId[][] = [];
  let next = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ id: AppId; children: AppId[]; i: number }> = [];
    const open = (id: AppId): void => {
      index.set(id, next);
      low.set(id, next);
      next++;
      stack.push(id);
      onStack.add(id);
      work.push({ id, children: edges(id), i: 0 });
    };
    open(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { id: AppId; children: AppId[]; i: number };
      if (frame.i < frame.children.length) {
        const child = frame.children[frame.i++] as AppId;
        if (!index.has(child)) open(child);
        else if (onStack.has(child)) low.set(frame.id, Math.min(low.get(frame.id) as number, index.get(child) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id) as number, low.get(frame.id) as number));
      if (low.get(frame.id) !== index.get(frame.id)) continue;
      const component: AppId[] = [];
      for (;;) {
        const member = stack.pop() as AppId;
        onStack.delete(member);
        component.push(member);
        if (member === frame.id) break;
      }
      if (component.length > 1 || frame.children.includes(frame.id)) out.push(component);
    }
  }
  return out;
}
