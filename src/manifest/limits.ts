// Limits on what a user controls: the size and shape of a manifest file and of a database
// row. Anyone with commit rights or a portal account writes these; without limits one
// file can hold the event loop for seconds (the yaml library's own duplicate-key check is
// quadratic), a chain of aliases can expand into gigabytes, and deep nesting overflows the
// stack of every recursive step after parsing. Input over a limit is *invalid*, never
// *absent*: the apps it declared stay protected.
//
// Each limit has one name, flag and default here; src/config/daemon.ts declares the options
// from this table so flags, messages and docs cannot disagree.

export interface InputLimits {
  /** Bytes of one manifest file. */
  maxFileBytes: number;
  /** YAML documents in one file (empty ones included). */
  maxFileDocuments: number;
  /** Alias nodes (`*name`, `<<: *name`) in one document. */
  maxYamlAliases: number;
  /** Nested mappings and lists in one document, aliases followed. */
  maxYamlDepth: number;
  /** Mapping entries and list items in one document, aliases expanded. */
  maxYamlNodes: number;
  /** Bytes of a row's spec and labels, as JSON text. */
  maxRowBytes: number;
  /** Nested objects and arrays in a row's spec (or labels). */
  maxRowDepth: number;
}

export interface LimitDeclaration {
  key: keyof InputLimits;
  /** Flag without dashes; the environment variable is MARACKER_ + its upper snake case. */
  flag: string;
  default: number;
  description: string;
}

export const LIMIT_DECLARATIONS: readonly LimitDeclaration[] = Object.freeze([
  { key: 'maxFileBytes', flag: 'max-file-bytes', default: 1_048_576, description: 'Largest manifest file read, bytes' },
  { key: 'maxFileDocuments', flag: 'max-file-documents', default: 1_000, description: 'YAML documents per manifest file' },
  { key: 'maxYamlAliases', flag: 'max-yaml-aliases', default: 100, description: 'YAML aliases (*name) per document' },
  { key: 'maxYamlDepth', flag: 'max-yaml-depth', default: 64, description: 'Nesting depth of a YAML document (mappings and lists, aliases followed)' },
  { key: 'maxYamlNodes', flag: 'max-yaml-nodes', default: 10_000, description: 'Mapping entries and list items per YAML document, aliases expanded' },
  { key: 'maxRowBytes', flag: 'max-row-bytes', default: 262_144, description: 'Largest database row read: spec plus labels as JSON text, bytes' },
  { key: 'maxRowDepth', flag: 'max-row-depth', default: 64, description: 'Nesting depth of a database row\'s spec or labels' },
] satisfies LimitDeclaration[]);

export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = Object.freeze(
  Object.fromEntries(LIMIT_DECLARATIONS.map((d) => [d.key, d.default])) as unknown as InputLimits,
);

/** The flag that raises a limit, for messages: "--max-file-bytes". */
export function limitFlag(key: keyof InputLimits): string {
  return `--${LIMIT_DECLARATIONS.find((d) => d.key === key)?.flag ?? key}`;
}

/** "(--max-yaml-depth)": how every limit problem ends, so the way to raise it is in the message. */
export function limitSuffix(key: keyof InputLimits): string {
  return `(${limitFlag(key)})`;
}

/** A file's size over the limit: the reader (before reading) and the parser say it alike. */
export function fileTooLarge(limits: InputLimits): string {
  return `file is larger than ${limits.maxFileBytes} bytes ${limitSuffix('maxFileBytes')}; not read`;
}

/** Stable code of every problem caused by a limit. */
export const LIMIT_EXCEEDED = 'limit-exceeded';
