import { describe, expect, it } from 'vitest';
import { derivePhase, type PhaseInput } from '../../src/status/phase.js';
import type { SourceStatus } from '../../src/status/model.js';
import { appStatus, pruneStatus } from './fixtures.js';

const folder = (over: Partial<SourceStatus> = {}): SourceStatus => ({
  name: 'folder',
  state: 'Ready',
  lastReadAt: null,
  lastError: null,
  revision: null,
  apps: 1,
  ...over,
});

function input(over: Partial<PhaseInput> = {}): PhaseInput {
  return {
    stopping: false,
    ready: true,
    sources: [folder()],
    marathon: { url: 'x', reachable: true, lastReadAt: null, lastError: null },
    prune: pruneStatus(),
    apps: [appStatus()],
    declared: new Set(['/demo/web']),
    ...over,
  };
}

describe('derivePhase: Ready only when it is true', () => {
  it('is Ready when every declared app has a Synced record', () => {
    expect(derivePhase(input())).toEqual({ phase: 'Ready', message: 'all apps in sync' });
  });

  it('is not Ready while a declared app has no record yet (never reconciled)', () => {
    expect(derivePhase(input({ declared: new Set(['/demo/web', '/demo/api']) }))).toEqual({
      phase: 'Progressing',
      message: '1 declared apps not reconciled yet',
    });
  });

  it('is Degraded while an app is Unknown (its source, or its file, cannot be read)', () => {
    expect(derivePhase(input({ apps: [appStatus({ sync: 'Unknown', health: 'Unknown' })] }))).toMatchObject({ phase: 'Degraded', message: 'apps: 1 unknown' });
  });

  it('is Degraded while a readable source has problems: a manifest that cannot be read, declaring nothing it can tell', () => {
    const sources = [folder({ lastError: { message: 'cannot read file (EACCES)', file: 'web.yaml' } })];
    expect(derivePhase(input({ sources }))).toEqual({ phase: 'Degraded', message: 'source folder has problems: web.yaml: cannot read file (EACCES)' });
    // Located as app_status.message and `maracker validate` locate it.
    const parse = [folder({ lastError: { message: 'YAML syntax error: bad indentation', file: 'web.yaml', line: 3, column: 5 } })];
    expect(derivePhase(input({ sources: parse }))).toEqual({
      phase: 'Degraded',
      message: 'source folder has problems: web.yaml:3:5: YAML syntax error: bad indentation',
    });
  });

  it('is Degraded while a source cannot be read, and Blocked above all while a prune waits', () => {
    const sources = [folder({ state: 'Unknown', lastError: { message: 'EACCES' } })];
    expect(derivePhase(input({ sources })).phase).toBe('Degraded');
    const prune = pruneStatus({ blocked: true, limit: 5, candidates: ['/1', '/2', '/3', '/4', '/5', '/6'] });
    expect(derivePhase(input({ sources, prune })).phase).toBe('Blocked');
  });
});
