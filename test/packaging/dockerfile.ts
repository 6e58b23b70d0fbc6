// A small Dockerfile reader for static checks (no Docker engine runs in CI): logical lines
// (continuations joined, comments dropped), instructions with their flags and JSON or shell
// arguments, and the stages of a multi-stage build. It covers the syntax our Dockerfile
// uses and refuses what it does not understand (heredocs), rather than guessing.

export interface Instruction {
  /** Upper-case keyword, e.g. "RUN". */
  keyword: string;
  /** Everything after the keyword, continuations joined with a space. */
  raw: string;
  /** Leading --name=value flags (FROM --platform, COPY --from, HEALTHCHECK --interval...). */
  flags: Record<string, string>;
  /** The arguments after the flags. */
  rest: string;
  /** The exec form (a JSON array of strings), when the arguments are one. */
  json?: string[];
  /** 1-based line of the keyword in the file. */
  line: number;
}

export interface Stage {
  /** FROM's image, with ARG defaults declared before the first FROM substituted. */
  image: string;
  /** The AS name, lower-cased as Docker treats it; undefined when unnamed. */
  name?: string;
  index: number;
  /** The FROM instruction and everything up to the next FROM. */
  instructions: Instruction[];
}

export interface Dockerfile {
  instructions: Instruction[];
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

export class DockerfileSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`Dockerfile line ${line}: ${message}`);
  }
}

const KEYWORDS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'MAINTAINER',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

/** Joins continuation lines (trailing backslash) and drops comment lines, keeping line numbers. */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  const physical = text.split(/\r?\n/);
  let current: { text: string; line: number } | undefined;
  physical.forEach((raw, i) => {
    const trimmed = raw.trim();
    // Comment lines are removed even inside a continued instruction, as Docker does.
    if (trimmed.startsWith('#')) return;
    if (current === undefined) {
      if (trimmed === '') return;
      current = { text: '', line: i + 1 };
    } else if (trimmed === '') {
      return;
    }
    const continued = /\\\s*$/.test(raw);
    const part = continued ? raw.replace(/\\\s*$/, '') : raw;
    current.text = current.text === '' ? part.trim() : `${current.text} ${part.trim()}`;
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current !== undefined) out.push(current);
  return out;
}

function parseJsonArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Splits `key=value` words the way ENV and LABEL read them: double or single quotes group,
 * a backslash escapes the next character (outside single quotes).
 */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in: ${text}`);
  if (inWord) words.push(word);
  return words;
}

/** ENV and LABEL pairs: `k=v k2="v 2"`, or the legacy single `KEY value` form of ENV. */
export function keyValues(ins: Instruction): Record<string, string> {
  const words = shellWords(ins.rest);
  const out: Record<string, string> = {};
  if (words.length > 0 && !(words[0] as string).includes('=')) {
    const [key, ...value] = ins.rest.trim().split(/\s+/);
    out[key as string] = value.join(' ');
    return out;
  }
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new DockerfileSyntaxError(`expected key=value, got "${w}"`, ins.line);
    out[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return out;
}

function substitute(text: string, args: Record<string, string | undefined>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_all, a: string | undefined, b: string | undefined) => args[(a ?? b) as string] ?? '',
  );
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  for (const { text: lineText, line } of logicalLines(text)) {
    const m = /^(\S+)\s*(.*)$/s.exec(lineText);
    const keyword = (m?.[1] ?? '').toUpperCase();
    if (!KEYWORDS.has(keyword)) throw new DockerfileSyntaxError(`unknown instruction "${m?.[1]}"`, line);
    const raw = m?.[2] ?? '';
    if (/<<-?["']?[A-Za-z_]/.test(raw) && (keyword === 'RUN' || keyword === 'COPY')) {
      throw new DockerfileSyntaxError('heredocs are not supported by this reader', line);
    }
    const flags: Record<string, string> = {};
    let rest = raw;
    for (let f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest); f; f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest)) {
      flags[f[1] as string] = f[2] ?? 'true';
      rest = rest.slice(f[0].length);
    }
    const json = parseJsonArray(rest.trim());
    instructions.push({ keyword, raw, flags, rest: rest.trim(), ...(json ? { json } : {}), line });
  }

  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.rest.split(/\s+/);
      const image = substitute(words[0] ?? '', globalArgs);
      const asIndex = words.findIndex((w) => w.toUpperCase() === 'AS');
      const name = asIndex >= 0 ? words[asIndex + 1]?.toLowerCase() : undefined;
      stages.push({ image, ...(name ? { name } : {}), index: stages.length, instructions: [ins] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new DockerfileSyntaxError(`${ins.keyword} before the first FROM`, ins.line);
      const [decl] = ins.rest.split(/\s+/);
      const eq = (decl ?? '').indexOf('=');
      if (eq > 0) globalArgs[(decl as string).slice(0, eq)] = (decl as string).slice(eq + 1);
      else globalArgs[decl as string] = undefined;
    } else {
      (stages[stages.length - 1] as Stage).instructions.push(ins);
    }
  }
  return { instructions, globalArgs, stages };
}

/** The instructions of `keyword` in a stage. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** The environment a stage's ENV instructions set, in order (later ones win). */
export function stageEnv(stage: Stage): Record<string, string> {
  return Object.assign({}, ...instructionsOf(stage, 'ENV').map(keyValues)) as Record<string, string>;
}
