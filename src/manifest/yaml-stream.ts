// YAML text -> composed documents, refusing streams over the document and depth limits
// *while* they are read. The yaml library's parser keeps a stack of the nodes it builds and
// slows down superlinearly with it (measured: 6 s for 500,000 nested `[`), and composing
// recurses once per level, so depth is checked on that stack after every token: a hostile
// file is refused after a few dozen tokens, before anything recursive runs.
//
// Entries (mapping values and list items) are counted on the tokens as well, so a document
// of 40,000 keys stops being parsed at the limit rather than at its end; the exact count,
// aliases expanded, is yaml-tree.ts's. Duplicate keys are not checked by the composer here
// (its check compares every key with every earlier one: 40,000 keys took 7.6 s);
// yaml-tree.ts checks them in linear time.

import { CST, Composer, Lexer, Parser, type Document, type LineCounter, type YAMLError } from 'yaml';
import { limitSuffix, type InputLimits } from './limits.js';

/** Where and why a stream (or document) is refused. */
export interface YamlRefusal {
  offset: number;
  message: string;
}

export type YamlStream =
  | { kind: 'documents'; docs: Document.Parsed[] }
  /** No document at all (nothing, or only comments and directives): only stream errors. */
  | { kind: 'empty'; errors: readonly YAMLError[] }
  | { kind: 'refused'; refusal: YamlRefusal };

/** Parser stack entries that are not nesting levels: the document, and the scalar or item being read. */
const STACK_OVERHEAD = 2;

/** Options of every composed document: merge keys on, duplicate keys left to yaml-tree.ts. */
const COMPOSE_OPTIONS = { merge: true, uniqueKeys: false } as const;

/**
 * Mapping entries and list items of the current document, counted on lexical tokens: each
 * `:` and `-` indicator, and each item of a flow sequence. Never more than the exact count
 * but for degenerate input (`[]` counts one).
 */
class EntryCounter {
  #entries = 0;
  #flow: Array<'map' | 'seq'> = [];
  #atScalar = false;

  /** The count after this lexeme. */
  next(lexeme: string): number {
    if (this.#atScalar) {
      this.#atScalar = false; // the scalar's own text, whatever it looks like
      return this.#entries;
    }
    switch (CST.tokenType(lexeme)) {
      case 'scalar':
        this.#atScalar = true;
        break;
      case 'doc-start':
      case 'doc-end':
        this.#entries = 0;
        this.#flow = [];
        break;
      case 'map-value-ind':
      case 'seq-item-ind':
        this.#entries++;
        break;
      case 'flow-seq-start':
        this.#flow.push('seq');
        this.#entries++;
        break;
      case 'flow-map-start':
        this.#flow.push('map');
        break;
      case 'flow-seq-end':
      case 'flow-map-end':
        this.#flow.pop();
        break;
      case 'comma':
        if (this.#flow[this.#flow.length - 1] === 'seq') this.#entries++;
        break;
    }
    return this.#entries;
  }
}

export function composeYamlStream(text: string, limits: InputLimits, lineCounter: LineCounter): YamlStream {
  const parser = new Parser(lineCounter.addNewLine);
  const composer = new Composer(COMPOSE_OPTIONS);
  const entries = new EntryCounter();
  const docs: Document.Parsed[] = [];
  let documents = 0;
  // Parser.parse() announces the first line itself; driving next() by hand, so do we.
  lineCounter.addNewLine(0);
  for (const lexeme of new Lexer().lex(text)) {
    if (entries.next(lexeme) > limits.maxYamlNodes) {
      return refused(parser.offset, `more than ${limits.maxYamlNodes} mapping entries and list items in one document ${limitSuffix('maxYamlNodes')}`);
    }
    for (const token of parser.next(lexeme)) {
      if (token.type === 'document' && ++documents > limits.maxFileDocuments) {
        return refused(token.offset, `more than ${limits.maxFileDocuments} YAML documents in one file ${limitSuffix('maxFileDocuments')}`);
      }
      for (const doc of composer.next(token)) docs.push(doc);
    }
    if (parser.stack.length > limits.maxYamlDepth + STACK_OVERHEAD) {
      return refused(parser.offset, `nested deeper than ${limits.maxYamlDepth} levels ${limitSuffix('maxYamlDepth')}`);
    }
  }
  for (const token of parser.end()) {
    if (token.type === 'document' && ++documents > limits.maxFileDocuments) {
      return refused(token.offset, `more than ${limits.maxFileDocuments} YAML documents in one file ${limitSuffix('maxFileDocuments')}`);
    }
    for (const doc of composer.next(token)) docs.push(doc);
  }
  for (const doc of composer.end()) docs.push(doc);
  if (docs.length > 0) return { kind: 'documents', docs };
  return { kind: 'empty', errors: composer.streamInfo().errors };
}

function refused(offset: number, message: string): YamlStream {
  return { kind: 'refused', refusal: { offset, message } };
}
