// Marathon's label selector for GET /v2/apps?label=... (mesosphere/marathon
// src/main/scala/mesosphere/marathon/api/v2/LabelSelector.scala, LabelSelectorParsers):
//
//   query     := selector {"," selector}           (an empty query selects everything)
//   selector  := term ("in" | "notin") set  |  term ("==" | "!=") term  |  term
//   set       := "(" [term {"," term}] ")"
//   term      := ( "\" any-char | [-A-Za-z0-9_.] )+   (backslash escapes any other character)
//
// Whitespace between tokens is skipped (Scala RegexParsers). Every selector, including "!="
// and "notin", requires the label to exist. A query that does not parse is an
// IllegalArgumentException, answered 422 {"message":"Can not parse label selector <q>. Reason: ..."}.

import { illegalArgument } from './errors.js';

export interface Selector {
  key: string;
  op: 'exists' | '==' | '!=' | 'in' | 'notin';
  values: string[];
}

const TERM_REGEX_TEXT = '(\\\\.|[-A-Za-z0-9_.])+';

class ParseFailure extends Error {}

class Parser {
  pos = 0;
  readonly #input: string;

  constructor(input: string) {
    this.#input = input;
  }

  #skipWs(): void {
    while (this.pos < this.#input.length && /\s/.test(this.#input[this.pos] as string)) this.pos++;
  }

  #found(): string {
    return this.pos >= this.#input.length ? 'end of source' : `'${this.#input[this.pos]}'`;
  }

  term(): string {
    this.#skipWs();
    let out = '';
    const start = this.pos;
    while (this.pos < this.#input.length) {
      const c = this.#input[this.pos] as string;
      if (c === '\\' && this.pos + 1 < this.#input.length) {
        out += this.#input[this.pos + 1];
        this.pos += 2;
      } else if (/[-A-Za-z0-9_.]/.test(c)) {
        out += c;
        this.pos++;
      } else break;
    }
    if (this.pos === start) throw new ParseFailure(`string matching regex '${TERM_REGEX_TEXT}' expected but ${this.#found()} found`);
    return out;
  }

  literal(text: string): boolean {
    this.#skipWs();
    if (this.#input.startsWith(text, this.pos)) {
      this.pos += text.length;
      return true;
    }
    return false;
  }

  #attempt<T>(fn: () => T): T | undefined {
    const saved = this.pos;
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ParseFailure)) throw err;
      this.pos = saved;
      return undefined;
    }
  }

  #setSelector(): Selector {
    const key = this.term();
    let op: 'in' | 'notin';
    if (this.literal('notin')) op = 'notin';
    else if (this.literal('in')) op = 'in';
    else throw new ParseFailure(`string matching regex '(in|notin)' expected but ${this.#found()} found`);
    if (!this.literal('(')) throw new ParseFailure(`'(' expected but ${this.#found()} found`);
    const values: string[] = [];
    this.#skipWs();
    if (!this.literal(')')) {
      values.push(this.term());
      while (this.literal(',')) values.push(this.term());
      if (!this.literal(')')) throw new ParseFailure(`')' expected but ${this.#found()} found`);
    }
    return { key, op, values };
  }

  #equalitySelector(): Selector {
    const key = this.term();
    let op: '==' | '!=';
    if (this.literal('==')) op = '==';
    else if (this.literal('!=')) op = '!=';
    else throw new ParseFailure(`string matching regex '(==|!=)' expected but ${this.#found()} found`);
    return { key, op, values: [this.term()] };
  }

  selector(): Selector {
    return this.#attempt(() => this.#setSelector()) ?? this.#attempt(() => this.#equalitySelector()) ?? { key: this.term(), op: 'exists', values: [] };
  }

  selectors(): Selector[] {
    this.#skipWs();
    if (this.pos >= this.#input.length) return [];
    const out = [this.selector()];
    for (;;) {
      const saved = this.pos;
      if (!this.literal(',')) break;
      const next = this.#attempt(() => this.selector());
      if (next === undefined) {
        this.pos = saved;
        break;
      }
      out.push(next);
    }
    this.#skipWs();
    if (this.pos < this.#input.length) throw new ParseFailure(`end of input expected but ${this.#found()} found`);
    return out;
  }
}

export function parseLabelSelector(query: string): Selector[] {
  try {
    return new Parser(query).selectors();
  } catch (err) {
    if (err instanceof ParseFailure) throw illegalArgument(`Can not parse label selector ${query}. Reason: ${err.message}`);
    throw err;
  }
}

export function matchesSelectors(selectors: readonly Selector[], labels: Readonly<Record<string, unknown>> | undefined): boolean {
  for (const s of selectors) {
    if (!labels || !Object.hasOwn(labels, s.key)) return false;
    const value = String(labels[s.key]);
    switch (s.op) {
      case 'exists':
        break;
      case '==':
        if (value !== s.values[0]) return false;
        break;
      case '!=':
        if (value === s.values[0]) return false;
        break;
      case 'in':
        if (!s.values.includes(value)) return false;
        break;
      case 'notin':
        if (s.values.includes(value)) return false;
        break;
    }
  }
  return true;
}
