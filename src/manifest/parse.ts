// One manifest file's text -> its apps and its problems. Pure: the caller reads the file.
// Every YAML document is checked on its own, and every problem of every document is
// reported, located at the line and column the user has to edit.

import { LineCounter, type Document } from 'yaml';
import { appIdOf, isValidAppId, isValidSegment, type AppId } from '../model/app-id.js';
import type { DesiredApp } from '../model/desired.js';
import { compareProblems, type Location, type Problem } from '../model/problem.js';
import { checkSpec } from './checks.js';
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
  if (group !== undefined && (typeof group !== 'string' || !isValidAppId('/' + group.replace(/^\/|\/$/g, '')))) return undefined;
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

class DocumentReader {
  readonly problems: Problem[] = [];

  constructor(
    private readonly text: string,
    private readonly displayPath: string,
    private readonly lineCounter: LineCounter,
  ) {}

  at(offset: number, code: string, message: string): void {
    const { line, col } = this.lineCounter.linePos(offset);
    this.problems.push({ code, message, location: { file: this.displayPath, line, column: col } });
  }

  fromIssue(doc: Document, i: Issue): void {
    const { line, column } = locate(doc, this.lineCounter, i.path, i.at);
    const jsonPath = formatPath(i.path);
    const message = jsonPath === '' ? i.message : `${jsonPath}: ${i.message}`;
    this.problems.push({ code: i.code, message, location: { file: this.displayPath, line, column, jsonPath } });
  }

  /** YAML errors and warnings of a document; true when there were any. */
  yamlProblems(doc: Document): boolean {
    for (const e of doc.errors) this.at(e.pos[0], 'yaml-syntax', `YAML syntax error: ${libraryMessage(e.message)}`);
    for (const w of doc.warnings) this.at(w.pos[0], 'yaml-syntax', `YAML: ${libraryMessage(w.message)}`);
    return doc.errors.length + doc.warnings.length > 0;
  }

  duplicateKey(offset: number): void {
    this.at(offset, 'duplicate-key', `duplicate key ${keyAt(this.text, offset)} (keys of a mapping must be unique)`);
  }
}

/**
 * Never throws: a failure while reading one document is a problem of that document (its
 * id, when readable, stays declared), a failure outside the documents one of the file.
 */
export function parseManifestText(text: string, file: string, opts: ParseOptions = {}): ManifestFileResult {
  const displayPath = opts.displayPath ?? file;
  const limits = opts.limits ?? DEFAULT_INPUT_LIMITS;
  const lineCounter = new LineCounter();
  const reader = new DocumentReader(text, displayPath, lineCounter);
  const result: ManifestFileResult = { file, displayPath, apps: [], problems: reader.problems, declaredIds: [], declarations: [] };
  try {
    readStream(text, file, { ...opts, displayPath }, limits, lineCounter, reader, result);
  } catch (err) {
    const { code, message } = failureOf(err);
    reader.problems.push({ code, message, location: { file: displayPath } });
  }
  result.problems.sort(compareProblems);
  return result;
}

function readStream(
  text: string,
  file: string,
  opts: ParseOptions & { displayPath: string },
  limits: InputLimits,
  lineCounter: LineCounter,
  reader: DocumentReader,
  result: ManifestFileResult,
): void {
  if (Buffer.byteLength(text, 'utf8') > limits.maxFileBytes) {
    reader.problems.push({ code: LIMIT_EXCEEDED, message: fileTooLarge(limits), location: { file: opts.displayPath } });
    return;
  }
  const stream = composeYamlStream(text, limits, lineCounter);
  if (stream.kind === 'refused') {
    // The whole file: what it declared stays protected through its last good version and
    // its maracker.source label, as for a file that does not parse.
    reader.at(stream.refusal.offset, LIMIT_EXCEEDED, `${stream.refusal.message}; the file is not applied`);
    return;
  }
  if (stream.kind === 'empty') {
    // A stream without documents (nothing, or only comments and directives).
    for (const e of stream.errors) reader.at(e.pos[0], 'yaml-syntax', `YAML syntax error: ${libraryMessage(e.message)}`);
    return;
  }
  const declare = (doc: Document.Parsed, declared: ReturnType<typeof declaredId>): void => {
    if (!declared) return;
    const { line, column } = locate(doc, lineCounter, ['metadata', 'name']);
    result.declaredIds.push(declared.id);
    result.declarations.push({ id: declared.id, location: { file: opts.displayPath, line, column } });
  };
  for (const doc of stream.docs) {
    const before = result.declarations.length;
    try {
      readDocument(doc, file, opts, limits, lineCounter, reader, result, declare);
    } catch (err) {
      const { code, message } = failureOf(err);
      reader.at(doc.range[0], code, message);
      if (result.declarations.length === before) declare(doc, declaredIdOfTree(doc));
    }
  }
}

function readDocument(
  doc: Document.Parsed,
  file: string,
  opts: ParseOptions & { displayPath: string },
  limits: InputLimits,
  lineCounter: LineCounter,
  reader: DocumentReader,
  result: ManifestFileResult,
  declare: (doc: Document.Parsed, declared: ReturnType<typeof declaredId>) => void,
): void {
  let broken = reader.yamlProblems(doc);
  const tree = checkYamlTree(doc, limits);
  for (const offset of tree.duplicateKeys) reader.duplicateKey(offset);
  broken ||= tree.duplicateKeys.length > 0;
  if (tree.refusal) {
    reader.at(tree.refusal.offset, LIMIT_EXCEEDED, `${tree.refusal.message}; the document is not applied`);
    declare(doc, declaredIdOfTree(doc));
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
    reader.at(doc.range[0], 'yaml-syntax', `YAML: ${libraryMessage(err.message)}`);
    declare(doc, declaredIdOfTree(doc));
    return;
  }
  if (value === null || value === undefined) return; // empty document (or only comments)

  const declared = declaredId(value);
  declare(doc, declared);
  if (broken) return;

  const metadataLabelsPath: Path = ['metadata', 'labels'];
  const issues = [
    ...validateDocument(value),
    ...checkSpec(rec(value)?.spec, {
      specPath: ['spec'],
      outerLabels: rec(rec(value)?.metadata)?.labels,
      outerLabelsPath: metadataLabelsPath,
      group: declared?.group,
      ...(declared ? { id: declared.id } : {}),
    }),
  ];
  if (issues.length === 0 && declared) {
    const manifest = value as AppManifest;
    const start = locate(doc, lineCounter, []);
    const translated = translate(
      {
        id: declared.id,
        spec: manifest.spec,
        outerLabels: manifest.metadata.labels,
        outerLabelsPath: metadataLabelsPath,
        specPath: ['spec'],
        group: declared.group,
        source: { kind: 'file', path: file, line: start.line, column: start.column },
        adopt: manifest.metadata.adopt === true,
      },
      opts,
    );
    issues.push(...translated.issues);
    if (translated.app) result.apps.push(translated.app);
  }
  for (const i of issues) reader.fromIssue(doc, i);
}

/** The result of a file refused as a whole (unreadable, over a limit, not a manifest at all). */
export function refusedFile(file: string, displayPath: string, code: string, message: string): ManifestFileResult {
  return { file, displayPath, apps: [], problems: [{ code, message, location: { file: displayPath } }], declaredIds: [], declarations: [] };
}
