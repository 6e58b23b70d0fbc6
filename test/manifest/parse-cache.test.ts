// The parse cache gives back exactly what parsing gave, for exactly the same input and code,
// and nothing else: anything it cannot vouch for is a miss.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CachingParser } from '../../src/manifest/caching-parser.js';
import { INLINE_PARSER, type InputParser } from '../../src/manifest/input-parser.js';
import { DEFAULT_INPUT_LIMITS } from '../../src/manifest/limits.js';
import { PARSE_CACHE_FORMAT, PARSE_CACHE_MAGIC, ParseCache } from '../../src/manifest/parse-cache.js';
import { parseManifestText, type ManifestFileResult, type ParseOptions } from '../../src/manifest/parse.js';
import { doc, yamlOf } from './builders.js';

const CODE = 'a'.repeat(64);
const opts: ParseOptions = { displayPath: 'manifests/web.yaml', traefik: 'v2' };
const text = yamlOf(doc({ name: 'web', group: 'demo' }));
const parsed = (t = text, file = 'web.yaml', o = opts): ManifestFileResult => parseManifestText(t, file, o);

function cacheWith(t = text): { cache: ParseCache; key: string } {
  const cache = new ParseCache({ code: CODE });
  const key = cache.keyOf(t, 'web.yaml', opts);
  cache.set(key, parsed(t));
  return { cache, key };
}

/** An InputParser that counts what reaches it. */
function counting(inner: InputParser = INLINE_PARSER): InputParser & { files: string[] } {
  const files: string[] = [];
  return {
    files,
    parseFile: (t, file, o) => {
      files.push(file);
      return inner.parseFile(t, file, o);
    },
    translateRow: (row, o) => inner.translateRow(row, o),
    stop: () => inner.stop(),
  };
}

describe('ParseCache', () => {
  it('gives back what parsing gave, as a copy of its own each time', () => {
    const { cache, key } = cacheWith();
    const first = cache.get(key) as ManifestFileResult;
    expect(first).toEqual(parsed());
    (first.apps[0] as { definition: { instances?: number } }).definition.instances = 99;
    expect(cache.get(key)).toEqual(parsed());
  });

  it('keys on the text, the file, every option and the code', () => {
    const cache = new ParseCache({ code: CODE });
    const key = cache.keyOf(text, 'web.yaml', opts);
    expect(new ParseCache({ code: CODE }).keyOf(text, 'web.yaml', { traefik: 'v2', displayPath: 'manifests/web.yaml' })).toBe(key);
    const others = [
      cache.keyOf(`${text}\n`, 'web.yaml', opts),
      cache.keyOf(text, 'web2.yaml', opts),
      cache.keyOf(text, 'web.yaml', { ...opts, displayPath: 'other/web.yaml' }),
      cache.keyOf(text, 'web.yaml', { ...opts, traefik: 'v3' }),
      cache.keyOf(text, 'web.yaml', { ...opts, limits: { ...DEFAULT_INPUT_LIMITS, maxYamlDepth: 3 } }),
      new ParseCache({ code: 'b'.repeat(64) }).keyOf(text, 'web.yaml', opts),
    ];
    expect(new Set([key, ...others]).size).toBe(others.length + 1);
  });

  it('keeps no result with a problem: a failure of its own is tried again, an invalid file reported again', () => {
    const cache = new ParseCache({ code: CODE });
    const bad = 'apiVersion: maracker/v1\nkind: App\nmetadata: {name: web}\nspec: {instances: -1}\n';
    const key = cache.keyOf(bad, 'web.yaml', opts);
    const result = parsed(bad);
    expect(result.problems.length).toBeGreaterThan(0);
    cache.set(key, result);
    expect(cache.get(key)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps no result that JSON would change', () => {
    const cache = new ParseCache({ code: CODE });
    const result = parsed();
    const odd = { ...result, apps: [{ ...result.apps[0], url: undefined }] } as ManifestFileResult;
    cache.set('k'.repeat(64), odd);
    expect(cache.size).toBe(0);
  });

  it('writes out its entries and takes them back; another code, layout or file takes nothing', () => {
    const { cache, key } = cacheWith();
    const text = cache.seal().join('\n');
    const again = new ParseCache({ code: CODE });
    expect(again.load(text)).toEqual({ loaded: 1, badLines: 0 });
    expect(again.get(key)).toEqual(parsed());

    expect(new ParseCache({ code: 'b'.repeat(64) }).load(text)).toEqual({ loaded: 0, ignored: 'other-code', badLines: 0 });
    expect(new ParseCache({ code: CODE }).load(text.replace(`${PARSE_CACHE_MAGIC} ${PARSE_CACHE_FORMAT}`, `${PARSE_CACHE_MAGIC} 0`))).toMatchObject({
      loaded: 0,
      ignored: 'other-format',
    });
    expect(new ParseCache({ code: CODE }).load('{"apps": []}\n')).toMatchObject({ loaded: 0, ignored: 'not-a-cache' });
    expect(new ParseCache({ code: CODE }).load('')).toMatchObject({ loaded: 0, ignored: 'not-a-cache' });
  });

  it('takes a damaged entry for a miss, whatever the damage', () => {
    const { cache, key } = cacheWith();
    const [header, line] = cache.seal() as [string, string];
    const [k, digest, json] = [line.slice(0, 64), line.slice(65, 97), line.slice(98)];
    const damaged = [
      `${k} ${digest} ${json.replace('/demo/web', '/demo/wab')}`, // content changed: its digest no longer matches
      `${k} ${digest} ${json.slice(0, -10)}`, // cut short
      `${k.slice(2)} ${digest} ${json}`, // key too short
      `${k} zz${digest.slice(2)} ${json}`, // not a digest
      'garbage',
    ];
    for (const d of damaged) {
      const c = new ParseCache({ code: CODE });
      c.load(`${header}\n${d}\n`);
      expect(c.get(key), d.slice(0, 80)).toBeUndefined();
    }
    const c = new ParseCache({ code: CODE });
    expect(c.load(`${header}\n${damaged.slice(2).join('\n')}\n`)).toEqual({ loaded: 0, badLines: 3 });
  });

  it('takes for a miss an entry whose text checks out but is not a clean result', () => {
    const json = JSON.stringify({ file: 'web.yaml', displayPath: 'x', apps: [], problems: [{ code: 'x' }], declaredIds: [], declarations: [] });
    const digest = createHash('sha256').update(json).digest('hex').slice(0, 32);
    const c = new ParseCache({ code: CODE });
    c.load(`${PARSE_CACHE_MAGIC} ${PARSE_CACHE_FORMAT} ${CODE}\n${'c'.repeat(64)} ${digest} ${json}\n`);
    expect(c.get('c'.repeat(64))).toBeUndefined();
  });

  it('seals with what was asked for or stored, the rest of what was loaded dropped', () => {
    const { cache, key } = cacheWith();
    const other = cache.keyOf(text, 'other.yaml', opts);
    cache.set(other, parsed(text, 'other.yaml'));
    const loaded = new ParseCache({ code: CODE });
    loaded.load(cache.seal().join('\n'));
    loaded.get(key);
    const stored = loaded.keyOf(text, 'third.yaml', opts);
    loaded.set(stored, parsed(text, 'third.yaml'));
    expect(
      loaded
        .seal()
        .slice(1)
        .map((l) => l.slice(0, 64)),
    ).toEqual([key, stored]);
    expect(loaded.size).toBe(0);
  });

  it('after sealing, hands out what is stored once, never what the file already holds', () => {
    const { cache, key } = cacheWith();
    expect(cache.takePending()).toEqual([]);
    cache.seal();
    expect(cache.get(key)).toBeUndefined();
    cache.set(key, parsed());
    expect(cache.takePending()).toEqual([]);
    const t = yamlOf(doc({ name: 'api', group: 'demo' }));
    const added = cache.keyOf(t, 'api.yaml', opts);
    cache.set(added, parseManifestText(t, 'api.yaml', opts));
    expect(cache.get(added)).toEqual(parseManifestText(t, 'api.yaml', opts));
    const pending = cache.takePending();
    expect(pending.map((l) => l.slice(0, 64))).toEqual([added]);
    expect(cache.takePending()).toEqual([]);
    cache.set(added, parseManifestText(t, 'api.yaml', opts));
    expect(cache.takePending()).toEqual([]);
    // Appended to the file, it is read back like any other entry.
    const restarted = new ParseCache({ code: CODE });
    expect(restarted.load([`${PARSE_CACHE_MAGIC} ${PARSE_CACHE_FORMAT} ${CODE}`, ...pending].join('\n'))).toEqual({ loaded: 1, badLines: 0 });
    expect(restarted.get(added)).toEqual(parseManifestText(t, 'api.yaml', opts));
  });

  it('takes an entry written twice once, the later line winning', () => {
    const { cache, key } = cacheWith();
    const [header, line] = cache.seal() as [string, string];
    const c = new ParseCache({ code: CODE });
    expect(c.load([header, `${line.slice(0, 65)}${'0'.repeat(32)}${line.slice(97)}`, line].join('\n'))).toEqual({ loaded: 1, badLines: 0 });
    expect(c.get(key)).toEqual(parsed());
  });

  it('holds at most maxEntries, the oldest going first', () => {
    const cache = new ParseCache({ code: CODE, maxEntries: 2 });
    const keys = ['a', 'b', 'c'].map((name) => {
      const t = yamlOf(doc({ name, group: 'demo' }));
      const k = cache.keyOf(t, `${name}.yaml`, opts);
      cache.set(k, parseManifestText(t, `${name}.yaml`, opts));
      return k;
    });
    expect(cache.size).toBe(2);
    expect(cache.get(keys[0] as string)).toBeUndefined();
    expect(cache.get(keys[2] as string)).toBeDefined();
  });
});

describe('CachingParser', () => {
  it('parses an input once, and again when anything it depends on changes', async () => {
    const inner = counting();
    const parser = new CachingParser(inner, new ParseCache({ code: CODE }));
    const a = await parser.parseFile(text, 'web.yaml', opts);
    const b = await parser.parseFile(text, 'web.yaml', opts);
    expect(b).toEqual(a);
    expect(inner.files).toEqual(['web.yaml']);
    await parser.parseFile(text.replace('web', 'api'), 'web.yaml', opts);
    await parser.parseFile(text, 'web.yaml', { ...opts, traefik: 'v3' });
    expect(inner.files).toHaveLength(3);
  });

  it("hands out the copy it keeps, equal to what parsing gave, not the parser's own objects (whose strings keep the file's text alive)", async () => {
    const given: ManifestFileResult[] = [];
    const inner: InputParser = {
      ...INLINE_PARSER,
      parseFile: async (t, f, o) => {
        const r = await INLINE_PARSER.parseFile(t, f, o);
        given.push(r);
        return r;
      },
    };
    const parser = new CachingParser(inner, new ParseCache({ code: CODE }));
    const first = await parser.parseFile(text, 'web.yaml', opts);
    expect(first).toEqual(given[0]);
    expect(first).not.toBe(given[0]);
    // An invalid file is not kept: what parsing gave, as it is.
    const bad = await parser.parseFile('spec: [', 'bad.yaml', opts);
    expect(bad).toBe(given[1]);
  });

  it('parses an invalid file every time', async () => {
    const inner = counting();
    const parser = new CachingParser(inner, new ParseCache({ code: CODE }));
    for (let i = 0; i < 2; i++) expect((await parser.parseFile('spec: [', 'bad.yaml', opts)).problems.length).toBeGreaterThan(0);
    expect(inner.files).toHaveLength(2);
  });

  it('gives, for every example and demo manifest and every Traefik grammar, what parsing gives', async () => {
    const files = [
      ...readdirSync(new URL('../../examples/', import.meta.url))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => new URL(`../../examples/${f}`, import.meta.url)),
      new URL('../../manifests/demo.yaml', import.meta.url),
    ];
    expect(files.length).toBeGreaterThan(3);
    for (const url of files) {
      for (const traefik of ['v1', 'v2', 'both', 'v3'] as const) {
        const t = readFileSync(url, 'utf8');
        const o = { displayPath: url.pathname, traefik };
        const fresh = parseManifestText(t, 'x.yaml', o);
        const cache = new ParseCache({ code: CODE });
        const written = new CachingParser(INLINE_PARSER, cache);
        await written.parseFile(t, 'x.yaml', o);
        const restarted = new ParseCache({ code: CODE });
        restarted.load(cache.seal().join('\n'));
        const inner = counting();
        const got = await new CachingParser(inner, restarted).parseFile(t, 'x.yaml', o);
        expect(got, `${url.pathname} ${traefik}`).toStrictEqual(fresh);
        if (fresh.problems.length === 0) expect(inner.files, `${url.pathname} ${traefik}: from the cache`).toEqual([]);
      }
    }
  });
});
