// docs/architecture.md names the files that implement each part of the flow; a file that
// is renamed or removed must not leave the doc pointing at nothing.

import { describe, expect, it } from 'vitest';
import { missingPaths, namedPaths, readDoc } from './doc-files.js';

describe('docs/architecture.md', () => {
  it('names only files that exist', async () => {
    const text = await readDoc('architecture.md');
    expect(namedPaths(text).length).toBeGreaterThan(20);
    expect(missingPaths(text)).toEqual([]);
  });

  it('draws the flow from the sources to Marathon and the status readers', async () => {
    const diagram = /```\n([\s\S]*?)```/.exec(await readDoc('architecture.md'))?.[1] ?? '';
    for (const part of ['SOURCES', 'DESIRED VIEW', 'WORK QUEUE', 'RECONCILE', 'MARATHON', 'STATUS STORE', 'TRIGGERS']) {
      expect(diagram, part).toContain(part);
    }
  });
});
