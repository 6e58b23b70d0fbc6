// --seed FILE: apps loaded from a file shaped like a GET /v2/apps response and served exactly
// as given, so the daemon can be tested against real Marathon output. Each app's raw text is
// cut out of the file (not re-serialised), so every value comes back byte for byte: numbers
// like 1.0, key order, everything. Embedded tasks become the app's tasks, also verbatim.

import { readFile } from 'node:fs/promises';
import type { JsonObject, JsonValue } from '../model/marathon.js';
import { SeedFileError } from './errors.js';

export interface SeedApp {
  raw: string;
  json: JsonObject;
}

function skipWs(text: string, i: number): number {
  while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  return i;
}

/** Index just past the JSON value starting at `i` (the text is known to be valid JSON). */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') {
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    return i + 1;
  }
  if (c === '{' || c === '[') {
    const close = c === '{' ? '}' : ']';
    i = skipWs(text, i + 1);
    if (text[i] === close) return i + 1;
    for (;;) {
      if (c === '{') {
        i = skipWs(text, skipValue(text, i));
        i = skipWs(text, i + 1); // ':'
      }
      i = skipWs(text, skipValue(text, i));
      if (text[i] === ',') i = skipWs(text, i + 1);
      else return i + 1;
    }
  }
  while (i < text.length && !',}] \t\r\n'.includes(text[i] as string)) i++;
  return i;
}

/** Raw text of each element of the top-level "apps" array. */
export function rawApps(text: string): string[] {
  let i = skipWs(text, 0);
  if (text[i] !== '{') return [];
  i = skipWs(text, i + 1);
  while (i < text.length && text[i] !== '}') {
    const keyEnd = skipValue(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, skipWs(text, keyEnd) + 1);
    if (key === 'apps' && text[i] === '[') {
      const out: string[] = [];
      i = skipWs(text, i + 1);
      while (text[i] !== ']') {
        const end = skipValue(text, i);
        out.push(text.slice(i, end));
        i = skipWs(text, end);
        if (text[i] === ',') i = skipWs(text, i + 1);
      }
      return out;
    }
    i = skipWs(text, skipValue(text, i));
    if (text[i] === ',') i = skipWs(text, i + 1);
  }
  return [];
}

export function parseSeed(text: string, file: string): SeedApp[] {
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new SeedFileError(file, `not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Array.isArray(parsed.apps)) {
    throw new SeedFileError(file, 'expected an object with an "apps" array, like a GET /v2/apps response');
  }
  const raws = rawApps(text);
  const apps = parsed.apps;
  if (raws.length !== apps.length) throw new SeedFileError(file, 'could not locate every app in the file');
  return apps.map((app, i) => {
    if (typeof app !== 'object' || app === null || Array.isArray(app) || typeof app.id !== 'string') {
      throw new SeedFileError(file, `apps[${i}] has no string "id"`);
    }
    return { raw: raws[i] as string, json: app };
  });
}

export async function loadSeed(file: string): Promise<SeedApp[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SeedFileError(file, `cannot read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return parseSeed(text, file);
}
