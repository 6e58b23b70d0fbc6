// Splitting a GET /v2/apps body into its apps without parsing it: the spans found are exactly
// the elements JSON.parse sees, and a body JSON.parse would refuse (or read differently) is
// never split: the caller then parses it whole and reports the precise error.

import { describe, expect, it } from 'vitest';
import { type KnownElement, ListingSplitter } from '../../src/marathon/listing-split.js';
import { seededRandom } from '../../src/sandbox/prng.js';

/**
 * The elements' texts, or undefined when the body is left to the whole-body parse. The body
 * is fed `piece` bytes at a time, as it arrives from a socket, and the bytes the splitter is
 * done with are dropped before each piece (the window a reader holds); `held` is told the
 * most bytes held at once.
 */
function split(text: string, piece = 1 << 20, known?: KnownElement, held?: (n: number) => void): string[] | undefined {
  const body = Buffer.from(text, 'utf8');
  const splitter = new ListingSplitter();
  const parts: string[] = [];
  let window = Buffer.alloc(0);
  let most = 0;
  for (let at = 0; ; at += piece) {
    const final = at + piece >= body.length;
    window = Buffer.concat([window, body.subarray(at, at + piece)]);
    most = Math.max(most, window.length);
    let from = 0;
    for (;;) {
      const step = splitter.next(window, from, final, known);
      if (step.kind === 'invalid') return undefined;
      if (step.kind === 'end') {
        held?.(most);
        return parts;
      }
      if (step.kind === 'more') {
        window = window.subarray(step.keep);
        break;
      }
      parts.push(window.subarray(step.start, step.end).toString('utf8'));
      from = step.end;
    }
    if (final) throw new Error('more asked for after the last byte');
  }
}

const NASTY = ['"', '\\', '\\"', '{', '}', '[', ']', ',', ':', '"apps"', 'é', '𝄞', '\u0000', '\n', '\\u0022', '},{"id":"', ']}'];

function randomValue(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 4 : 7));
  if (k === 0) return Math.floor(r() * 1e6) / 100;
  if (k === 1) return r() < 0.5;
  if (k === 2) return null;
  if (k === 3) return Array.from({ length: 1 + Math.floor(r() * 3) }, () => NASTY[Math.floor(r() * NASTY.length)]).join('');
  if (k === 4) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < Math.floor(r() * 4); i++) o[`k${i}${NASTY[Math.floor(r() * NASTY.length)]}`] = randomValue(r, depth + 1);
  return o;
}

function randomListing(r: () => number): string {
  const apps = Array.from({ length: Math.floor(r() * 6) }, (_, i) => ({ id: `/app-${i}`, extra: randomValue(r, 1) }));
  const body = JSON.stringify({ apps }, null, r() < 0.3 ? 2 : undefined);
  return r() < 0.2 ? ` \n${body}\t ` : body;
}

describe('splitting a listing into its apps', () => {
  it('finds exactly the elements JSON.parse reads, strings full of brackets, quotes and escapes included, however the body is cut into pieces', () => {
    const r = seededRandom(17);
    for (let n = 0; n < 500; n++) {
      const text = randomListing(r);
      const parts = split(text, 1 + Math.floor(r() * 200));
      expect(parts, text).toBeDefined();
      expect((parts ?? []).map((p) => JSON.parse(p))).toEqual((JSON.parse(text) as { apps: unknown[] }).apps);
    }
  });

  it('splits an empty listing into nothing, and takes a byte-order mark and JSON whitespace', () => {
    expect(split('{"apps":[]}')).toEqual([]);
    expect(split('\uFEFF { "apps" :\r\n[ {"id":"/a"} ,\t{"id":"/b"} ] }\n')).toEqual(['{"id":"/a"}', '{"id":"/b"}']);
  });

  it('leaves every truncation of a body to the whole-body parse (which refuses it), in one piece or byte by byte', () => {
    const text = JSON.stringify({
      apps: [
        { id: '/a', env: { X: '"}]' } },
        { id: '/b', tasks: [{ id: 't' }] },
      ],
    });
    for (let cut = 0; cut < text.length; cut++) {
      expect(split(text.slice(0, cut)), text.slice(0, cut)).toBeUndefined();
      expect(split(text.slice(0, cut), 1), text.slice(0, cut)).toBeUndefined();
    }
  });

  it('refuses what lies between or around the elements unless JSON allows it there', () => {
    for (const text of [
      '{"apps":[{"id":"/a"}{"id":"/b"}]}',
      '{"apps":[{"id":"/a"},,{"id":"/b"}]}',
      '{"apps":[{"id":"/a"},]}',
      '{"apps":[,{"id":"/a"}]}',
      '{"apps":[{"id":"/a"}]}x',
      '{"apps":[{"id":"/a"}]',
      '{"apps":[{"id":"/a"}]}}',
      '{"apps":[1]}',
      '{"apps":["x"]}',
      '{"apps":[{"id":"/a"]}]}',
      '{"apps":[{"id":"/a"}] , "more": 1}',
    ]) {
      expect(split(text), text).toBeUndefined();
    }
  });

  it('leaves other shapes to the whole-body parse: another key first, no apps array', () => {
    for (const text of ['{"more":1,"apps":[]}', '{"apps":{}}', '[]', '', '   ', '{"app":[]}', '{"apps" "x"}']) {
      expect(split(text), text).toBeUndefined();
    }
  });

  it('never splits a corrupted body differently from JSON.parse', () => {
    const r = seededRandom(99);
    for (let n = 0; n < 2000; n++) {
      const bytes = Buffer.from(randomListing(r), 'utf8');
      const at = Math.floor(r() * bytes.length);
      bytes[at] = [0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x20, 0x61][Math.floor(r() * 9)] as number;
      const text = bytes.toString('utf8');
      let whole: unknown[] | undefined;
      try {
        const parsed = JSON.parse(text) as { apps?: unknown };
        whole = Array.isArray(parsed?.apps) ? parsed.apps : undefined;
      } catch {
        whole = undefined;
      }
      const parts = split(text, 64);
      if (parts === undefined) continue;
      // Split: every element must parse, and together they are what JSON.parse reads.
      let elements: unknown[] | undefined;
      try {
        elements = parts.map((p) => JSON.parse(p));
      } catch {
        elements = undefined;
      }
      if (elements === undefined) continue; // the cache refuses the body: an element does not parse
      expect(elements, text).toEqual(whole);
    }
  });

  it('holds only the element being read: what it is done with can be dropped as the body arrives', () => {
    const apps = Array.from({ length: 200 }, (_, i) => ({ id: `/a${i}`, pad: 'x'.repeat(100 + (i % 7) * 50) }));
    const text = JSON.stringify({ apps });
    let most = 0;
    const parts = split(text, 64, undefined, (n) => {
      most = n;
    });
    expect(parts).toHaveLength(200);
    const longest = Math.max(...apps.map((a) => JSON.stringify(a).length));
    expect(text.length).toBeGreaterThan(50_000);
    expect(most).toBeLessThanOrEqual(longest + 64 + 1);
  });

  it('takes an element the caller recognises without scanning it, and waits for its bytes when they have not all come', () => {
    const text = JSON.stringify({ apps: [{ id: '/a', x: '}}}' }, { id: '/b' }] });
    const first = JSON.stringify({ id: '/a', x: '}}}' });
    const answers: number[] = [];
    const known: KnownElement = (start, bytes) => {
      const answer =
        bytes.length - start < first.length ? -1 : Buffer.from(bytes.subarray(start, start + first.length)).toString() === first ? first.length : 0;
      answers.push(answer);
      return answer;
    };
    expect(split(text, 5, known)).toEqual([first, '{"id":"/b"}']);
    // Asked again as the bytes came, until they were all there; then taken; the next not recognised.
    expect(answers.filter((a) => a === -1).length).toBeGreaterThan(2);
    expect(answers.filter((a) => a === first.length)).toHaveLength(1);
  });
});
