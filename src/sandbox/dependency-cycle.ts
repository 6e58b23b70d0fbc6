// RootGroup.noCyclicDependencies: Marathon refuses any write after which the dependency graph
// of its apps has a cycle ("Dependency graph has cyclic dependencies."). An app depends on the
// app its dependency names or, when it names a group, on every app below that group (so an app
// depending on its own group depends on itself); a dependency naming nothing adds no edge.
//
// The graph before a write has no cycle (every write was checked), so a new cycle runs through
// an app the write puts with dependencies: only those are walked from, and a write without
// dependencies costs nothing, whatever the number of apps.

import { isUnder } from './path-id.js';

export interface DependencyView {
  /** The dependencies of the app `id` after the write; undefined when there is no such app. */
  dependenciesOf(id: string): readonly string[] | undefined;
  /** Every app id after the write (only walked for a dependency that names a group). */
  appIds(): Iterable<string>;
}

/** Whether, after the write, a cycle runs through one of `from` (the apps it puts). */
export function createsCycle(from: readonly string[], view: DependencyView): boolean {
  const done = new Set<string>();
  const onPath = new Set<string>();
  const targets = (dep: string): string[] => {
    if (view.dependenciesOf(dep) !== undefined) return [dep];
    const below: string[] = [];
    for (const id of view.appIds()) if (id !== dep && isUnder(id, dep)) below.push(id);
    return below;
  };
  // Iterative depth-first walk: a long chain of dependencies must not overflow the stack.
  const walk = (start: string): boolean => {
    const stack: Array<{ id: string; next: string[] }> = [{ id: start, next: (view.dependenciesOf(start) ?? []).flatMap(targets) }];
    onPath.add(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; next: string[] };
      const child = top.next.pop();
      if (child === undefined) {
        stack.pop();
        onPath.delete(top.id);
        done.add(top.id);
        continue;
      }
      if (onPath.has(child)) return true;
      if (done.has(child)) continue;
      onPath.add(child);
      stack.push({ id: child, next: (view.dependenciesOf(child) ?? []).flatMap(targets) });
    }
    return false;
  };
  for (const id of from) if (!done.has(id) && walk(id)) return true;
  return false;
}
