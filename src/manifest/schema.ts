// The validators compiled from schemas/app.schema.json: one schema for a manifest document
// and, through its $defs, for the `spec` and `labels` of a database row, so the two
// sources can never accept different things. Compiled once, on first use.

import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { SchemaUnavailableError } from './errors.js';
import type { Issue, Path } from './issue.js';
import { findSchemaFile } from './schema-file.js';
import { issuesFromAjv } from './schema-issues.js';

interface Validators {
  root: Record<string, unknown>;
  document: ValidateFunction;
  spec: ValidateFunction;
  labels: ValidateFunction;
}

let compiled: Validators | undefined;

function compile(): Validators {
  const file = findSchemaFile();
  let root: Record<string, unknown>;
  try {
    root = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new SchemaUnavailableError(file, `cannot read manifest schema ${file}`, { cause: err });
  }
  // verbose: the error mapper needs each error's data and parent schema (titles, allowed
  // fields for "did you mean"). strictTuples off: a constraint is a 2- or 3-item tuple.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTuples: false });
  ajv.addSchema(root);
  const id = String(root.$id);
  const get = (ref: string): ValidateFunction => {
    const fn = ajv.getSchema(ref);
    if (!fn) throw new SchemaUnavailableError(file, `manifest schema ${file} has no ${ref}`);
    return fn;
  };
  return { root, document: get(id), spec: get(`${id}#/$defs/spec`), labels: get(`${id}#/$defs/labels`) };
}

function validators(): Validators {
  compiled ??= compile();
  return compiled;
}

function run(fn: (v: Validators) => ValidateFunction, data: unknown, base: Path): Issue[] {
  const v = validators();
  const validate = fn(v);
  if (validate(data)) return [];
  return issuesFromAjv(validate.errors ?? [], base, data, v.root);
}

/** Schema issues of one manifest document (the whole YAML document). */
export function validateDocument(data: unknown): Issue[] {
  return run((v) => v.document, data, []);
}

/** Schema issues of a `spec` object on its own (a database row); paths start with `base`. */
export function validateSpec(data: unknown, base: Path = ['spec']): Issue[] {
  return run((v) => v.spec, data, base);
}

/** Schema issues of a labels object on its own (a database row's labels). */
export function validateLabels(data: unknown, base: Path = ['labels']): Issue[] {
  return run((v) => v.labels, data, base);
}

/** The parsed schema document (read-only use: tests, docs). */
export function schemaDocument(): Readonly<Record<string, unknown>> {
  return validators().root;
}
