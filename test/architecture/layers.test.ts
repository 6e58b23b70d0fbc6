// The folders of src/ are layers, and imports run one way: from a higher layer to a lower
// one, never sideways or back up (STYLE.md, "Folders are layers"). The table below is the
// picture docs/architecture.md draws ("Layers"); this test keeps both true.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const DOC = fileURLToPath(new URL('../../docs/architecture.md', import.meta.url));

/** Layer of each folder of src/, bottom first. A folder may import only folders of lower layers. */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ['model'], // the shapes of things: imports nothing
  ['secrets', 'net'], // leaf utilities with no dependency
  ['base'], // errors, log, time, backoff, environment, version
  ['git', 'postgres', 'manifest', 'plan', 'marathon', 'registry', 'image', 'sandbox'], // one concern each, side by side
  ['sources', 'status', 'ha'], // what is wanted, what is reported, who leads
  ['prune'], // the prune guard
  ['reconcile'], // the controller
  ['config'], // one validated configuration
  ['app'], // the composition root: the daemon assembled
  ['cli'], // commands
  ['ui'], // the dashboard: runs in the browser, imports no other folder (checked below)
];

const layerOf = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import of a file (static, re-export, dynamic), as the folder it lands in. */
function importedFolders(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1] as string);
  return specs.map((s) => folderOf(resolve(dirname(file), s)));
}

function folderOf(path: string): string {
  const rel = relative(SRC, path).split('/');
  return rel.length > 1 ? (rel[0] as string) : '(src)';
}

interface Edge {
  from: string;
  to: string;
  file: string;
}

function edges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) =>
    importedFolders(file)
      .filter((to) => to !== folderOf(file))
      .map((to) => ({ from: folderOf(file), to, file: relative(SRC, file) })),
  );
}

describe('the layers of src/', () => {
  it('places every folder in a layer, and no file at the top of src/', () => {
    const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
    expect(
      folders.filter((f) => !layerOf.has(f)),
      'folders missing from LAYERS',
    ).toEqual([]);
    expect(
      readdirSync(SRC).filter((n) => !statSync(join(SRC, n)).isDirectory()),
      'files at the top of src/',
    ).toEqual([]);
  });

  it('imports only downwards: never a folder of the same or a higher layer', () => {
    const wrong = edges()
      .filter((e) => (layerOf.get(e.to) ?? -1) >= (layerOf.get(e.from) ?? -1))
      .map((e) => `${e.file} imports ${e.to} (layer ${layerOf.get(e.to)}), from layer ${layerOf.get(e.from)}`);
    expect(wrong).toEqual([]);
  });

  it('keeps model/ free of imports', () => {
    expect(edges().filter((e) => e.from === 'model')).toEqual([]);
  });

  it('keeps ui/ free of imports from other folders: it runs in the browser, not in Node', () => {
    expect(edges().filter((e) => e.from === 'ui')).toEqual([]);
  });

  it('is the picture docs/architecture.md draws', () => {
    const doc = readFileSync(DOC, 'utf8');
    const section = doc.slice(doc.indexOf('## Layers'));
    LAYERS.forEach((folders, i) => {
      const row = section.split('\n').find((l) => l.startsWith(`| ${i} |`));
      expect(row, `layer ${i}`).toBeDefined();
      for (const f of folders) expect(row, `layer ${i}: ${f}`).toContain(`\`${f}/\``);
    });
  });
});
