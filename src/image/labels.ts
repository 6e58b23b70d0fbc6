// The image labels maracker reads, field by field, highest precedence first: maracker's own
// hints (`org.maracker.*`), then the OCI annotations (`org.opencontainers.image.*`), then
// the legacy Label Schema ones the hospital's images still carry (`org.label-schema.*`).
// docs/image-metadata.md is the written form of this table; a test keeps them equal.

import { CPUS_RANGE, readCpus, readDateTime, readHttpPath, readLine, readMebibytes, readPort, readText, readUrl, type ValueResult } from './values.js';

/** maracker's own labels all start with this. Any other name under it is a mistake. */
export const MARACKER_PREFIX = 'org.maracker.';

export const MARACKER_LABELS = {
  cpus: 'org.maracker.resources.cpus',
  mem: 'org.maracker.resources.mem',
  disk: 'org.maracker.resources.disk',
  httpPort: 'org.maracker.http.port',
  healthPath: 'org.maracker.health.path',
} as const;

export const MEM_RANGE = { min: 32, max: 1024 * 1024 } as const;
export const DISK_RANGE = { min: 0, max: 16 * 1024 * 1024 } as const;

const WEB = ['https', 'http'] as const;
const SOURCE = ['https', 'http', 'git', 'ssh', 'git+ssh', 'git+https'] as const;

export interface FieldSpec<T> {
  /** Name of the derived value: `mem`, `description`, ... */
  field: string;
  /** Labels that give it, highest precedence first. */
  labels: readonly string[];
  /** What the value is, for docs and problems. */
  rule: string;
  read(text: string, label: string): ValueResult<T>;
}

/** What the image says it is: shown in status and catalogues, never used to run it. */
export const INFO_FIELDS: readonly FieldSpec<string>[] = [
  {
    field: 'title',
    labels: ['org.opencontainers.image.title', 'org.label-schema.name'],
    rule: 'one line, at most 128 characters',
    read: (t) => readLine(t, 128),
  },
  {
    field: 'description',
    labels: ['org.opencontainers.image.description', 'org.label-schema.description'],
    rule: 'text, at most 4096 characters',
    read: (t) => readText(t, 4096),
  },
  {
    field: 'url',
    labels: ['org.opencontainers.image.url', 'org.label-schema.url'],
    rule: 'an http(s) URL',
    read: (t) => readUrl(t, WEB),
  },
  {
    field: 'documentation',
    labels: ['org.opencontainers.image.documentation', 'org.label-schema.usage'],
    rule: 'an http(s) URL',
    read: (t, label) => {
      // Label Schema lets `usage` name a file inside the image; that is no link to show.
      if (label === 'org.label-schema.usage' && t.startsWith('/')) {
        return { ok: false, code: 'not-a-url', rule: 'an http(s) URL (a path inside the image cannot be shown as a link)' };
      }
      return readUrl(t, WEB);
    },
  },
  {
    field: 'source',
    labels: ['org.opencontainers.image.source', 'org.label-schema.vcs-url'],
    rule: `a URL (${SOURCE.join(', ')})`,
    read: (t) => readUrl(t, SOURCE),
  },
  {
    field: 'revision',
    labels: ['org.opencontainers.image.revision', 'org.label-schema.vcs-ref'],
    rule: 'one line, at most 128 characters',
    read: (t) => readLine(t, 128),
  },
  {
    field: 'version',
    labels: ['org.opencontainers.image.version', 'org.label-schema.version'],
    rule: 'one line, at most 128 characters',
    read: (t) => readLine(t, 128),
  },
  {
    field: 'created',
    labels: ['org.opencontainers.image.created', 'org.label-schema.build-date'],
    rule: 'an RFC 3339 date and time',
    read: (t) => readDateTime(t),
  },
  {
    field: 'licenses',
    labels: ['org.opencontainers.image.licenses', 'org.label-schema.license'],
    rule: 'one line, at most 256 characters (an SPDX expression such as Apache-2.0, not checked)',
    read: (t) => readLine(t, 256),
  },
  {
    field: 'vendor',
    labels: ['org.opencontainers.image.vendor', 'org.label-schema.vendor'],
    rule: 'one line, at most 128 characters',
    read: (t) => readLine(t, 128),
  },
  {
    field: 'authors',
    labels: ['org.opencontainers.image.authors'],
    rule: 'one line, at most 512 characters',
    read: (t) => readLine(t, 512),
  },
];

/** What the image needs to run: the defaults of an app's `cpus`, `mem`, `disk`. */
export const RESOURCE_FIELDS: readonly FieldSpec<number>[] = [
  {
    field: 'cpus',
    labels: [MARACKER_LABELS.cpus, 'org.label-schema.cpu-hint'],
    rule: `a decimal number of CPUs from ${CPUS_RANGE.min} to ${CPUS_RANGE.max}`,
    read: (t) => readCpus(t),
  },
  {
    field: 'mem',
    labels: [MARACKER_LABELS.mem, 'org.label-schema.memory-hint'],
    rule: `MiB from ${MEM_RANGE.min} to ${MEM_RANGE.max}: a number, or with Ki, Mi, Gi, Ti`,
    read: (t) => readMebibytes(t, MEM_RANGE.min, MEM_RANGE.max),
  },
  {
    field: 'disk',
    labels: [MARACKER_LABELS.disk],
    rule: `MiB from ${DISK_RANGE.min} to ${DISK_RANGE.max}: a number, or with Ki, Mi, Gi, Ti`,
    read: (t) => readMebibytes(t, DISK_RANGE.min, DISK_RANGE.max),
  },
];

/** How the image is reached over HTTP. */
export const HTTP_PORT_FIELD: FieldSpec<number> = {
  field: 'httpPort',
  labels: [MARACKER_LABELS.httpPort],
  rule: 'a TCP port from 1 to 65535',
  read: (t) => readPort(t),
};

export const HEALTH_PATH_FIELD: FieldSpec<string> = {
  field: 'healthPath',
  labels: [MARACKER_LABELS.healthPath],
  rule: 'an absolute HTTP path such as /health',
  read: (t) => readHttpPath(t),
};

/** Every field spec, in the order problems are reported. */
export const ALL_FIELDS: readonly FieldSpec<unknown>[] = [...INFO_FIELDS, ...RESOURCE_FIELDS, HTTP_PORT_FIELD, HEALTH_PATH_FIELD];

/** Every label maracker reads. */
export const KNOWN_LABELS: ReadonlySet<string> = new Set(ALL_FIELDS.flatMap((f) => f.labels));
