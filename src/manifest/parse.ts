// One manifest file's text -> its apps and its problems. Pure: the caller reads the file.
// Every YAML document is checked on its own, and every problem of every document is
// reported, located at the line and column the user has to edit.

import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { appIdOf, isValidAppId, isValidSegment, type AppId } from '../model/app-id.js';
import type { DesiredApp } from '../model/desired.js';
import { compareProblems, type Location, type Problem } from '../model/problem.js';
import { checkSpec } from './checks.js';
import { formatPath, type Issue, type Path } from './issue.js';
import { validateDocument } from './schema.js';
import { translate } from './translate.js';
import type { AppManifest, TranslateOptions } from './types.js';
import { locate } from './yaml-locate.js';

export interface ParseOptions extends TranslateOptions {
  /** The path shown in problems (default: `file`), e.g. "manifests/web.yaml". */
  displayPath?: string;
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

function keyAt(text: string, offset: number): string {
  return /^("[^"]*"|'[^']*'|[^:\s,{}[\]]+)/.exec(text.slice(offset))?.[0] ?? '';
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
    for (const e of doc.errors) {
      if (e.code === 'DUPLICATE_KEY') this.at(e.pos[0], 'duplicate-key', `duplicate key ${keyAt(this.text, e.pos[0])} (keys of a mapping must be unique)`);
      else this.at(e.pos[0], 'yaml-syntax', `YAML syntax error: ${e.message}`);
    }
    for (const w of doc.warnings) this.at(w.pos[0], 'yaml-syntax', `YAML: ${w.message}`);
    return doc.errors.length + doc.warnings.length > 0;
  }
}

export function parseManifestText(text: string, file: string, opts: ParseOptions = {}): ManifestFileResult {
  const displayPath = opts.displayPath ?? file;
  const lineCounter = new LineCounter();
  const reader = new DocumentReader(text, displayPath, lineCounter);
  const result: ManifestFileResult = { file, displayPath, apps: [], problems: reader.problems, declaredIds: [], declarations: [] };
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  if ('empty' in parsed) {
    // A stream without documents (nothing, or only comments and directives).
    for (const e of parsed.errors) reader.at(e.pos[0], 'yaml-syntax', `YAML syntax error: ${e.message}`);
    return result;
  }

  for (const doc of parsed) {
    const broken = reader.yamlProblems(doc);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      reader.at(doc.range[0], 'yaml-syntax', `YAML: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    if (value === null || value === undefined) continue; // empty document (or only comments)

    const declared = declaredId(value);
    if (declared) {
      const { line, column } = locate(doc, lineCounter, ['metadata', 'name']);
      result.declaredIds.push(declared.id);
      result.declarations.push({ id: declared.id, location: { file: displayPath, line, column } });
    }
    if (broken) continue;

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
  result.problems.sort(compareProblems);
  return result;
}
