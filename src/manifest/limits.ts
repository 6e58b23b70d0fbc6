// Limits on what a user controls: the size and shape of a manifest file and of a database
// row. Anyone with commit rights or a portal account writes these; without limits one
// file can hold the event loop for seconds (the yaml library's own duplicate-key check is
// quadratic), a chain of aliases can expand into gigabytes, and deep nesting overflows the
// stack of every recursive step after parsing. Input over a limit is *invalid*, never
// *absent*: the apps it declared stay protected.
//
// Each limit has one flag name and default here: src/config/daemon.ts declares its option
// with them, and problem messages name the flag, so they cannot disagree.

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
  /**
   * Apps the rows of the table may declare, all together: a quota, as Kubernetes puts on the
   * objects of a namespace. Whoever may insert rows (a portal's account) could otherwise have
   * maracker create apps without end. Rows beyond it are held back in id order. The default
   * is the scale maracker is built for (10,000 apps); lower it to what the portal needs.
   */
  maxRowApps: number;
  /**
   * Instances one app may ask for, in a file or a row. Marathon sets none: it schedules every
   * instance asked for at once, so one `instances: 1000000000` takes its memory and its
   * ZooKeeper, every other app's deployments with them.
   */
  maxInstances: number;
  /**
   * Ports one app declares. Each takes a service port from Marathon's range, shared by the
   * whole cluster (10,000 by default): one app with 10,000 ports leaves no other app one.
   */
  maxPorts: number;
  /**
   * Health checks one app declares. Marathon sets none, and runs every check of every task on
   * its interval (Mesos checks: on the agents): 1,000 checks of a 1 s interval on 1,000 tasks
   * are a million probes a second.
   */
  maxHealthChecks: number;
}

/** Defaults (docs/manifest.md, "Limits"). */
export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = Object.freeze({
  maxFileBytes: 1_048_576,
  maxFileDocuments: 1_000,
  maxYamlAliases: 100,
  maxYamlDepth: 64,
  maxYamlNodes: 10_000,
  maxRowBytes: 262_144,
  maxRowDepth: 64,
  maxRowApps: 10_000,
  maxInstances: 1_000,
  maxPorts: 100,
  maxHealthChecks: 10,
});

/** The flag of each limit (without dashes); its variable is MARACKER_ and the flag in upper snake case. */
export const LIMIT_FLAGS: Readonly<Record<keyof InputLimits, string>> = Object.freeze({
  maxFileBytes: 'max-file-bytes',
  maxFileDocuments: 'max-file-documents',
  maxYamlAliases: 'max-yaml-aliases',
  maxYamlDepth: 'max-yaml-depth',
  maxYamlNodes: 'max-yaml-nodes',
  maxRowBytes: 'max-row-bytes',
  maxRowDepth: 'max-row-depth',
  maxRowApps: 'max-row-apps',
  maxInstances: 'max-instances',
  maxPorts: 'max-ports',
  maxHealthChecks: 'max-health-checks',
});

/** The flag that raises a limit, for messages: "--max-file-bytes". */
export function limitFlag(key: keyof InputLimits): string {
  return `--${LIMIT_FLAGS[key]}`;
}

/** "(--max-yaml-depth)": how every limit problem ends, so the way to raise it is in the message. */
export function limitSuffix(key: keyof InputLimits): string {
  return `(${limitFlag(key)})`;
}

/** A file's size over the limit: the reader (before reading) and the parser say it alike. */
export function fileTooLarge(limits: InputLimits): string {
  return `file is larger than ${limits.maxFileBytes} bytes ${limitSuffix('maxFileBytes')}; not read`;
}

/** The limits on what one app asks of Marathon, which checks.ts applies to files and rows alike. */
export type AppLimits = Pick<InputLimits, 'maxInstances' | 'maxPorts' | 'maxHealthChecks'>;

/** Stable code of every problem caused by a limit. */
export const LIMIT_EXCEEDED = 'limit-exceeded';
