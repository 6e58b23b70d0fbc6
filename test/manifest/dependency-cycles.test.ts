import { describe, expect, it } from 'vitest';
import { findDependencyCycles, type LocatedApp } from '../../src/manifest/dependency-cycles.js';
import { formatProblem } from '../../src/model/problem.js';

function located(id: string, dependencies: string[] = [], where: 'file' | 'row' = 'file'): LocatedApp {
  return {
    app: { id, source: { kind: 'file', path: 'x.yaml' }, definition: { id, dependencies }, specHash: 'h', adopt: false },
    location: where === 'file' ? { file: `${id.slice(1).replaceAll('/', '-')}.yaml`, line: 1, column: 1 } : { row: id },
  };
}

describe('findDependencyCycles', () => {
  it('reports every app of a cycle, at its own place, naming the others, in files and rows alike', () => {
    const problems = findDependencyCycles([located('/a', ['/b']), located('/b', ['/c'], 'row'), located('/c', ['/a']), located('/d', ['/a'])]);
    expect(problems.map(formatProblem)).toEqual([
      'a.yaml:1:1: spec.dependencies: /a and /b, /c depend on each other; Marathon 1.10 refuses a cycle ("Dependency graph has cyclic dependencies.")',
      'row /b: spec.dependencies: /b and /a, /c depend on each other; Marathon 1.10 refuses a cycle ("Dependency graph has cyclic dependencies.")',
      'c.yaml:1:1: spec.dependencies: /c and /a, /b depend on each other; Marathon 1.10 refuses a cycle ("Dependency graph has cyclic dependencies.")',
    ]);
    expect(problems.every((p) => p.code === 'marathon-rejects' && p.location.jsonPath === 'spec.dependencies')).toBe(true);
  });

  it('follows a dependency on a group to every app below it, an app in that group included', () => {
    expect(findDependencyCycles([located('/web', ['/db']), located('/db/main', ['/web']), located('/db/replica')]).map((p) => p.location.file)).toEqual([
      'db-main.yaml',
      'web.yaml',
    ]);
    expect(findDependencyCycles([located('/g/x', ['/g'])]).map(formatProblem)).toEqual([
      'g-x.yaml:1:1: spec.dependencies: /g/x depends on itself through its group; Marathon 1.10 refuses a cycle ("Dependency graph has cyclic dependencies.")',
    ]);
  });

  it('finds nothing in a diamond, a long chain, or dependencies on apps no source declares', () => {
    expect(findDependencyCycles([located('/a', ['/b', '/c']), located('/b', ['/d']), located('/c', ['/d']), located('/d', ['/elsewhere'])])).toEqual([]);
    const chain = Array.from({ length: 20_000 }, (_, i) => located(`/c${i}`, i < 19_999 ? [`/c${i + 1}`] : []));
    expect(findDependencyCycles(chain)).toEqual([]);
  });
});
