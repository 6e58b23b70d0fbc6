// docs/image-metadata.md against the code: its label table is generated from the catalogue
// in src/image/labels.ts, and every problem code the metadata module can report is listed.
// After changing the catalogue, run
//   UPDATE_DOCS=1 npx vitest run test/docs/image-metadata.test.ts

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_FIELDS } from '../../src/image/labels.js';
import { checkOrUpdate, missingPaths, readDoc, replaceGenerated, REPO_ROOT } from './doc-files.js';

const DOC = 'image-metadata.md';

function labelTable(): string {
  const rows = ALL_FIELDS.map((f) => `| \`${f.field}\` | ${f.labels.map((l) => `\`${l}\``).join(', ')} | ${f.rule.replace(/\|/g, '\\|')} |`);
  return ['| Value | Labels, highest precedence first | Rule |', '|---|---|---|', ...rows].join('\n');
}

/** Problem codes written in src/image: `bad('code', ...)`, `problem('error', 'code', ...)`, `code: 'code'`. */
function codesInSource(): string[] {
  const dir = join(REPO_ROOT, 'src', 'image');
  const codes = new Set<string>();
  for (const file of readdirSync(dir)) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/bad\('([a-z-]+)'|problem\('(?:error|warning)', '([a-z-]+)'|code: '([a-z-]+)'/g)) codes.add((m[1] ?? m[2] ?? m[3]) as string);
  }
  return [...codes].sort();
}

describe('docs/image-metadata.md', () => {
  it('lists every label maracker reads, in precedence order, with its rule, as src/image/labels.ts declares them', async () => {
    const text = await readDoc(DOC);
    const expected = replaceGenerated(text, 'label table', labelTable());
    await checkOrUpdate(DOC, text, expected, (a, e) =>
      expect(a, 'docs/image-metadata.md is out of date: run UPDATE_DOCS=1 npx vitest run test/docs/image-metadata.test.ts').toBe(e),
    );
  });

  it('documents every problem code', async () => {
    const text = await readDoc(DOC);
    const codes = codesInSource();
    expect(codes.length).toBeGreaterThan(10);
    for (const code of codes) expect(text, code).toContain(`\`${code}\``);
  });

  it('names only files that exist', async () => {
    expect(missingPaths(await readDoc(DOC))).toEqual([]);
  });
});
