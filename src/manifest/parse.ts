// One manifest file's text -> its apps and its problems. Pure: the caller reads the file.
// Every YAML document is checked on its own, and every problem of every document is
// reported, located at the line and column the user has to edit.

import { LineCounter, type Document } from 'yaml';
import { appIdOf, isValidAppId, isValidGroupPath, isValidSegment, type AppId } from '../model/app-id.js';
import type { DesiredApp } from '../model/desired.js';
import { compareProblems, type Location, type Problem } from '../model/problem.js';
import { checkMetadata, checkSpec } from './checks.js';
import { failureOf } from './failure.js';
import { formatPath, type Issue, type Path } from './issue.js';
import { DEFAULT_INPUT_LIMITS, fileTooLarge, LIMIT_EXCEEDED, type InputLimits } from './limits.js';
import { bareToken, libraryMessage, MAX_KEY_CHARS } from './quote.js';
import { validateDocument } from './schema.js';
import { translate } from './translate.js';
import type { AppManifest, TranslateOptions } from './types.js';
import { locate } from './yaml-locate.js';
import { composeYamlStream } from './yaml-stream.js';
import { checkYamlTree } from './yaml-tree.js';

export interface ParseOptions extends TranslateOptions {
  /** The path shown in problems (default: `file`), e.g. "manifests/web.yaml". */
  displayPath?: string;
  /** Default: DEFAULT_INPUT_LIMITS. */
  limits?: InputLimits;
}

/** An app id a document declares, and where (the metadata.name value). */
export interface Declaration {
  id: AppId;
  location: Location;
}

export interface ManifestFileResult {
  /** Path relative to the manifests folder, '/' separated: what maracker.source records. */
  file: string;
  /** The path problems are reported with. */
  displayPath: string;
  /** Apps of the documents that are valid. */
  apps: DesiredApp[];
  /** Every problem of every document, sorted by position. */
  problems: Problem[];
  /**
   * Ids the file declares, valid documents or not, whenever metadata.name (and group) can
   * still be read: a broken document makes its app *unknown*, never *deleted*.
   */
  declaredIds: AppId[];
  declarations: Declaration[];
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : undefined);

/** The id a document declares, if its metadata can be read as a valid id. */
function declaredId(value: unknown): { id: AppId; name: string; group: string | undefined } | undefined {
  const metadata = rec(rec(value)?.metadata);
  const name = metadata?.name;
  const group = metadata?.group;
  if (typeof name !== 'string' || !isValidSegment(name)) return undefined;
  if (group !== undefined && (typeof group !== 'string' || !isValidGroupPath(`/${group.replace(/^\/|\/$/g, '')}`))) return undefined;
  const id = appIdOf(name, group);
  return isValidAppId(id) ? { id, name, group } : undefined;
}

/** The key's text at `offset` (quoted or plain), cut short: the offending token only. */
function keyAt(text: string, offset: number): string {
  const raw = /^("[^"]*"|'[^']*'|[^:\s,{}[\]]+)/.exec(text.slice(offset, offset + MAX_KEY_CHARS * 2 + 2))?.[0] ?? '';
  return bareToken(raw, MAX_KEY_CHARS);
}

/** metadata.name and group read from the document's nodes, without converting it (it is over a limit, or broken). */
function declaredIdOfTree(doc: Document.Parsed): ReturnType<typeof declaredId> {
  try {
    return declaredId({ metadata: { name: doc.getIn(['metadata', 'name']), group: doc.getIn(['metadata', 'group']) } });
  } catch {
    return undefined;
  }
}

/** Problems located in one file's text. */
class DocumentReader {
  readonly problems: Problem[] = [];
  readonly #text: string;
  readonly #displayPath: string;
  readonly #lineCounter: LineCounter;

  constructor(text: string, displayPath: string, lineCounter: LineCounter) {
    this.#text = text;
    this.#displayPath = displayPath;
    this.#lineCounter = lineCounter;
  }

  at(offset: number, code: string, message: string): void {
    const { line, col } = this.#lineCounter.linePos(offset);
    this.problems.push({ code, message, location: { file: this.#displayPath, line, column: col } });
  }

  fromIssue(doc: Document, i: Issue): void {
    const { line, column } = locate(doc, this.#lineCounter, i.path, i.at);
    const jsonPath = formatPath(i.path);
    const message = jsonPath === '' ? i.message : `${jsonPath}: ${i.message}`;
    this.problems.push({ code: i.code, message, location: { file: this.#displayPath, line, column, jsonPath } });
  }

  /** YAML errors and warnings of a document; true when there were any. */
  yamlProblems(doc: Document): boolean {
    for (const e of doc.errors) this.at(e.pos[0], 'yaml-syntax', `YAML syntax error: ${libraryMessage(e.message)}`);
    for (const w of doc.warnings) this.at(w.pos[0], 'yaml-syntax', `YAML: ${libraryMessage(w.message)}`);
    return doc.errors.length + doc.warnings.length > 0;
  }

  duplicateKey(offset: number): void {
    this.at(offset, 'duplicate-key', `duplicate key ${keyAt(this.#text, offset)} (keys of a mapping must be unique)`);
  }
}

/**
 * Never throws: a failure while reading one document is a problem of that document (its
 * id, when readable, stays declared), a failure outside the documents one of the file.
 */
export function parseManifestText(text: string, file: string, opts: ParseOptions = {}): ManifestFileResult {
  const displayPath = opts.displayPath ?? file;
  const reader = new ManifestTextReader(text, file, { ...opts, displayPath }, opts.limits ?? DEFAULT_INPUT_LIMITS);
  try {
    reader.readStream();
  } catch (err) {
    const { code, message } = failureOf(err);
    reader.problems.push({ code, message, location: { file: displayPath } });
  }
  reader.result.problems.sort(compareProblems);
  return reader.result;
}

/** One file's documents into one result. */
class ManifestTextReader extends DocumentReader {
  readonly result: ManifestFileResult;
  readonly #text: string;
  readonly #file: string;
  readonly #opts: ParseOptions & { displayPath: string };
  readonly #limits: InputLimits;
  readonly #lines: LineCounter;

  constructor(text: string, file: string, opts: ParseOptions & { displayPath: string }, limits: InputLimits, lines = new LineCounter()) {
    super(text, opts.displayPath, lines);
    this.#text = text;
    this.#file = file;
    this.#opts = opts;
    this.#limits = limits;
    this.#lines = lines;
    this.result = { file, displayPath: opts.displayPath, apps: [], problems: this.problems, declaredIds: [], declarations: [] };
  }

  readStream(): void {
    if (Buffer.byteLength(this.#text, 'utf8') > this.#limits.maxFileBytes) {
      this.problems.push({ code: LIMIT_EXCEEDED, message: fileTooLarge(this.#limits), location: { file: this.#opts.displayPath } });
      return;
    }
    const stream = composeYamlStream(this.#text, this.#limits, this.#lines);
    if (stream.kind === 'refused') {
      // The whole file: what it declared stays protected through its last good version and
      // its maracker.source label, as for a file that does not parse.
      this.at(stream.refusal.offset, LIMIT_EXCEEDED, `${stream.refusal.message}; the file is not applied`);
      return;
    }
    if (stream.kind === 'empty') {
      // A stream without documents (nothing, or only comments and directives).
      for (const e of stream.errors) this.at(e.pos[0], 'yaml-syntax', `YAML syntax error: ${libraryMessage(e.message)}`);
      return;
    }
    for (const doc of stream.docs) {
      const before = this.result.declarations.length;
      try {
        this.#readDocument(doc);
      } catch (err) {
        const { code, message } = failureOf(err);
        this.at(doc.range[0], code, message);
        if (this.result.declarations.length === before) this.#declare(doc, declaredIdOfTree(doc));
      }
    }
  }

  #declare(doc: Document.Parsed, declared: ReturnType<typeof declaredId>): void {
    if (!declared) return;
    const { line, column } = locate(doc, this.#lines, ['metadata', 'name']);
    this.result.declaredIds.push(declared.id);
    this.result.declarations.push({ id: declared.id, location: { file: this.#opts.displayPath, line, column } });
  }

  #readDocument(doc: Document.Parsed): void {
    let broken = this.yamlProblems(doc);
    const tree = checkYamlTree(doc, this.#limits);
    for (const offset of tree.duplicateKeys) this.duplicateKey(offset);
    broken ||= tree.duplicateKeys.length > 0;
    if (tree.refusal) {
      this.at(tree.refusal.offset, LIMIT_EXCEEDED, `${tree.refusal.message}; the document is not applied`);
      this.#declare(doc, declaredIdOfTree(doc));
      return;
    }
    let value: unknown;
    try {
      // checkYamlTree bounded what aliases expand to; the library's own count would refuse
      // documents that are within those limits.
      value = doc.toJS({ maxAliasCount: -1 });
    } catch (err) {
      if (!(err instanceof ReferenceError)) throw err;
      // An alias without its anchor.
      this.at(doc.range[0], 'yaml-syntax', `YAML: ${libraryMessage(err.message)}`);
      this.#declare(doc, declaredIdOfTree(doc));
      return;
    }
    if (value === null || value === undefined) return; // empty document (or only comments)

    const declared = declaredId(value);
    this.#declare(doc, declared);
    if (broken) return;

    const metadataLabelsPath: Path = ['metadata', 'labels'];
    const issues = [
      ...validateDocument(value),
      ...checkMetadata(value, declared?.id),
      ...checkSpec(rec(value)?.spec, {
        specPath: ['spec'],
        outerLabels: rec(rec(value)?.metadata)?.labels,
        outerLabelsPath: metadataLabelsPath,
        group: declared?.group,
        ...(declared ? { id: declared.id } : {}),
        limits: this.#limits,
      }),
    ];
    if (issues.length === 0 && declared) {
      const manifest = value as AppManifest;
      const start = locate(doc, this.#lines, []);
      const translated = translate(
        {
          id: declared.id,
          spec: manifest.spec,
          outerLabels: manifest.metadata.labels,
          outerLabelsPath: metadataLabelsPath,
          specPath: ['spec'],
          group: declared.group,
          source: { kind: 'file', path: this.#file, line: start.line, column: start.column },
          adopt: manifest.metadata.adopt === true,
        },
        this.#opts,
      );
      issues.push(...translated.issues);
      if (translated.app) this.result.apps.push(translated.app);
    }
    for (const i of issues) this.fromIssue(doc, i);
  }
}

/** The result of a file refused as a whole (unreadable, over a limit, not a manifest at all). */
export function refusedFile(file: string, displayPath: string, code: string, message: string): ManifestFileResult {
  return { file, displayPath, apps: [], problems: [{ code, message, location: { file: displayPath } }], declaredIds: [], declarations: [] };
}
