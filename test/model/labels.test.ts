import { describe, expect, it } from 'vitest';
import { installationProblem } from '../../src/model/installation.js';
import { installationOf, isMarackerApp, LABEL_MANAGED_BY, managedByValue, othersSelector, ownershipOf, ownershipSelector } from '../../src/model/labels.js';
import { matchesSelectors, parseLabelSelector } from '../../src/sandbox/label-selector.js';

const by = (value: string | undefined): Record<string, string> => (value === undefined ? { team: 'mip' } : { team: 'mip', [LABEL_MANAGED_BY]: value });

describe('ownership of an app, as one installation sees it', () => {
  it.each([
    ['its own value', 'maracker.team-a', { kind: 'ours' }],
    ["the value before installations (any installation's, or none's)", 'maracker', { kind: 'legacy' }],
    ["another installation's value", 'maracker.team-b', { kind: 'foreign', installation: 'team-b' }],
    ['an installation whose name only starts like ours', 'maracker.team-a2', { kind: 'foreign', installation: 'team-a2' }],
    ['no ownership label', undefined, { kind: 'unmanaged' }],
    ['a value maracker never writes', 'someone-else', { kind: 'unmanaged' }],
    ['an empty installation', 'maracker.', { kind: 'unmanaged' }],
    ['our name after another separator', 'maracker-team-a', { kind: 'unmanaged' }],
    ['our name after another prefix of the same length', 'Maracker.team-a', { kind: 'unmanaged' }],
    ['our name with more before it', 'maracker.xteam-a', { kind: 'foreign', installation: 'xteam-a' }],
  ] as const)('%s', (_, value, expected) => {
    expect(ownershipOf(by(value), 'team-a')).toEqual(expected);
  });

  it('tells maracker apps of any installation from others', () => {
    expect([by('maracker.x'), by('maracker'), by(undefined), by('someone')].map(isMarackerApp)).toEqual([true, true, false, false]);
    expect(installationOf(managedByValue('x.y-z'))).toBe('x.y-z');
  });
});

describe('ownership selectors, as Marathon (the sandbox) evaluates them', () => {
  const apps = { mine: by('maracker.team-a'), legacy: by('maracker'), theirs: by('maracker.team-b'), none: by(undefined), other: by('someone') };
  const select = (selector: string): string[] => {
    const parsed = parseLabelSelector(selector);
    return Object.entries(apps)
      .filter(([, labels]) => matchesSelectors(parsed, labels))
      .map(([name]) => name);
  };

  it('lists exactly what the installation may act on: its own apps and the legacy ones', () => {
    expect(ownershipSelector('team-a')).toBe('maracker.managed-by in (maracker,maracker.team-a)');
    expect(select(ownershipSelector('team-a'))).toEqual(['mine', 'legacy']);
  });

  it("lists the others' apps separately, for the report", () => {
    expect(select(othersSelector('team-a'))).toEqual(['theirs', 'other']);
  });
});

describe('installation names', () => {
  it('accepts label values every Marathon selector takes unescaped', () => {
    for (const name of ['a', 'team-a', 'mip.prod_2', 'db-3f9c2a1e7b44', 'A'.repeat(63)]) expect(installationProblem(name), name).toBeUndefined();
  });

  it('refuses anything else, saying what is allowed', () => {
    for (const name of ['', 'team a', 'team/a', '-team', 'team.', 'é', 'a'.repeat(64), 'a,b', 'a)'])
      expect(installationProblem(name), name).toMatch(/^expected 1 to 63 letters/);
  });
});
