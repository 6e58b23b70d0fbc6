// docs/marathon-fidelity.md against the audit it describes: its table is generated from the
// rows test/fidelity/audit.test.ts runs (test/fidelity/audit.ts), so every row of the doc is a
// test in three places and the doc cannot claim a row nobody tests. After changing the rows, run
//   UPDATE_DOCS=1 npx vitest run test/docs/marathon-fidelity.test.ts

import { describe, expect, it } from 'vitest';
import { ROWS } from '../fidelity/audit.js';
import { checkOrUpdate, missingPaths, readDoc, replaceGenerated } from './doc-files.js';

const DOC = 'marathon-fidelity.md';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function renderTable(): string {
  const lines = [
    '| AppDefinition field | Set from | Marathon 1.10 refuses | Rewrites on the way in | Returns on GET | Source | Cases |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of ROWS) {
    const accepted = row.cases.filter((c) => c.kind === 'accepted').length;
    const refused = row.cases.length - accepted;
    lines.push(
      `| \`${row.field}\` | ${cell(row.from)} | ${cell(row.rejects)} | ${cell(row.rewrites)} | ${cell(row.returns)} | ${cell(row.source)} | ${accepted} accepted, ${refused} refused |`,
    );
  }
  return lines.join('\n');
}

describe('docs/marathon-fidelity.md', () => {
  it('has the audit table the tests run', async () => {
    const text = await readDoc(DOC);
    const expected = replaceGenerated(text, 'audit', renderTable());
    await checkOrUpdate(DOC, text, expected, (a, e) =>
      expect(a, 'docs/marathon-fidelity.md is out of date: run UPDATE_DOCS=1 npx vitest run test/docs/marathon-fidelity.test.ts').toBe(e),
    );
  });

  it('names only paths that exist', async () => {
    expect(missingPaths(await readDoc(DOC))).toEqual([]);
  });
});
