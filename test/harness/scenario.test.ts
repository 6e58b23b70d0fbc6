// Scenarios are a pure function of the seed, and never ask for the impossible (a row edit
// while PostgreSQL is down, a file edit while the folder is away).

import { describe, expect, it } from 'vitest';
import { applyOp, cloneWorld, fileIds, generateScenario, renderFile } from './scenario.js';
import { parseManifestText } from '../../src/manifest/parse.js';

describe('generateScenario', () => {
  it('gives the same world and operations for the same seed, others for another', () => {
    const a = JSON.stringify(generateScenario(7, 30), (_, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v));
    const b = JSON.stringify(generateScenario(7, 30), (_, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v));
    const c = JSON.stringify(generateScenario(8, 30), (_, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('keeps every operation possible in the state the earlier ones leave', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const s = generateScenario(seed, 30);
      const w = cloneWorld(s.initial);
      for (const { op } of s.steps) {
        if (['write-file', 'delete-file', 'rename-file', 'checkout', 'folder-away'].includes(op.op))
          expect(w.folderAway, `${seed}: ${op.op} with the folder away`).toBe(false);
        if (['row-upsert', 'row-delete', 'db-stop', 'table-away'].includes(op.op))
          expect(w.database && !w.dbDown && !w.tableAway, `${seed}: ${op.op}`).toBe(true);
        if (op.op === 'delete-file' || op.op === 'rename-file')
          expect(w.files.has(op.op === 'delete-file' ? op.path : op.from), `${seed}: ${op.op} of a missing file`).toBe(true);
        if (op.op === 'daemon-start') expect(w.daemonDown).toBe(true);
        applyOp(w, op);
      }
    }
  });

  it('renders valid manifests for valid files, and broken ones that still name their apps', () => {
    const s = generateScenario(3, 0);
    for (const [path, f] of s.initial.files) {
      const valid = parseManifestText(renderFile(f), path);
      expect(valid.problems).toEqual([]);
      expect(valid.apps.map((a) => a.id).sort()).toEqual([...fileIds(new Map([[path, f]]))].sort());
      for (const broken of ['yaml', 'field', 'typo'] as const) {
        const r = parseManifestText(renderFile({ ...f, broken }), path);
        expect(r.problems.length, `${path} broken (${broken})`).toBeGreaterThan(0);
        expect(r.declaredIds.sort()).toEqual(valid.apps.map((a) => a.id).sort());
      }
    }
  });
});
