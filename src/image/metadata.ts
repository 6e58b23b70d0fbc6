// What an image says about itself, read from its config's Labels and ExposedPorts, and
// what maracker derives from it (docs/image-metadata.md). Pure: the same labels always give
// the same answer, with every problem at once, each naming the label, its value and the rule.

import { HEALTH_PATH_FIELD, HTTP_PORT_FIELD, INFO_FIELDS, KNOWN_LABELS, MARACKER_LABELS, MARACKER_PREFIX, RESOURCE_FIELDS, type FieldSpec } from './labels.js';
import type { ValueResult } from './values.js';
import { FROM_EXPOSED_PORTS } from '../model/desired.js';

/** A derived value and where it came from: a label name, or `ExposedPorts`. */
export interface Derived<T> {
  value: T;
  from: string;
}

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

export interface ExposedPort {
  port: number;
  protocol: PortProtocol;
}

export interface ImageInfo {
  title?: Derived<string>;
  description?: Derived<string>;
  url?: Derived<string>;
  documentation?: Derived<string>;
  source?: Derived<string>;
  revision?: Derived<string>;
  version?: Derived<string>;
  created?: Derived<string>;
  licenses?: Derived<string>;
  vendor?: Derived<string>;
  authors?: Derived<string>;
}

export interface DerivedMetadata {
  info: ImageInfo;
  /** cpus (CPUs), mem and disk (MiB). */
  resources: { cpus?: Derived<number>; mem?: Derived<number>; disk?: Derived<number> };
  /** The port that serves HTTP and the path of its health check, when known. */
  http: { port?: Derived<number>; healthPath?: Derived<string> };
  /** ExposedPorts, sorted by protocol then port. */
  ports: ExposedPort[];
}

export type ProblemSeverity = 'error' | 'warning';

export interface MetadataProblem {
  /** `error`: the image does not follow the format; `warning`: it does, but something is ignored. */
  severity: ProblemSeverity;
  /** Stable: `not-a-number`, `out-of-range`, `ambiguous-unit`, `unknown-label`, `shadowed`, ... */
  code: string;
  /** The label's name, or `ExposedPorts`. */
  label: string;
  /** The value as found (an ExposedPorts key for ExposedPorts). */
  value?: string;
  /** What the value must be, or what happened to it. */
  rule: string;
  /** `org.maracker.resources.mem="lots": a size in MiB ...` */
  message: string;
}

export interface ImageMetadataResult {
  derived: DerivedMetadata;
  problems: MetadataProblem[];
}

const SHOWN_VALUE = 80;

function problem(severity: ProblemSeverity, code: string, label: string, value: string | undefined, rule: string): MetadataProblem {
  const shown = value === undefined ? '' : `=${JSON.stringify(value.length > SHOWN_VALUE ? `${value.slice(0, SHOWN_VALUE)}…` : value)}`;
  return { severity, code, label, ...(value === undefined ? {} : { value }), rule, message: `${label}${shown}: ${rule}` };
}

/**
 * The value of one field: the first of its labels that is present and not empty. When that
 * label is invalid, the field has no value: a lower label is never used in its place,
 * since the author meant the higher one. Lower labels that disagree are reported as
 * ignored.
 */
function deriveField<T>(labels: Readonly<Record<string, string>>, spec: FieldSpec<T>, problems: MetadataProblem[]): Derived<T> | undefined {
  let first: { label: string; read: ValueResult<T> } | undefined;
  for (const label of spec.labels) {
    const text = labels[label];
    if (text === undefined) continue;
    if (text.length === 0) {
      problems.push(problem('warning', 'empty', label, text, 'empty: ignored'));
      continue;
    }
    const read = spec.read(text, label);
    if (first === undefined) {
      first = { label, read };
      if (!read.ok) problems.push(problem('error', read.code, label, text, read.rule));
      continue;
    }
    const winner = first.read.ok ? `${first.label}=${JSON.stringify(String(first.read.value))}` : `${first.label} (invalid)`;
    if (!read.ok) {
      problems.push(problem('warning', read.code, label, text, `${read.rule} (ignored anyway: ${winner} takes precedence)`));
    } else if (!first.read.ok || read.value !== first.read.value) {
      problems.push(problem('warning', 'shadowed', label, text, `ignored: ${winner} takes precedence`));
    }
  }
  return first?.read.ok ? { value: first.read.value, from: first.label } : undefined;
}

const EXPOSED_PORT = /^([0-9]{1,5})(?:\/(tcp|udp|sctp))?$/i;
const PROTOCOL_ORDER: Record<PortProtocol, number> = { tcp: 0, udp: 1, sctp: 2 };

function readExposedPorts(keys: readonly string[], problems: MetadataProblem[]): ExposedPort[] {
  const ports = new Map<string, ExposedPort>();
  for (const key of keys) {
    const m = EXPOSED_PORT.exec(key);
    const port = m ? Number(m[1]) : 0;
    if (!m || port < 1 || port > 65535) {
      problems.push(
        problem('warning', 'invalid-exposed-port', 'ExposedPorts', key, 'PORT or PORT/tcp, PORT/udp, PORT/sctp with a port from 1 to 65535: ignored'),
      );
      continue;
    }
    const protocol = (m[2]?.toLowerCase() ?? 'tcp') as PortProtocol;
    ports.set(`${port}/${protocol}`, { port, protocol });
  }
  return [...ports.values()].sort((a, b) => PROTOCOL_ORDER[a.protocol] - PROTOCOL_ORDER[b.protocol] || a.port - b.port);
}

function unknownMaracker(labels: Readonly<Record<string, string>>, problems: MetadataProblem[]): void {
  const known = Object.values(MARACKER_LABELS).join(', ');
  for (const label of Object.keys(labels).sort()) {
    if (label.startsWith(MARACKER_PREFIX) && !KNOWN_LABELS.has(label)) {
      problems.push(problem('error', 'unknown-label', label, labels[label], `not a maracker label (known: ${known})`));
    }
  }
}

/**
 * The HTTP port: the label's, or else the one TCP port the image exposes. With several
 * exposed TCP ports nothing is guessed.
 */
function deriveHttp(labels: Readonly<Record<string, string>>, ports: readonly ExposedPort[], problems: MetadataProblem[]): DerivedMetadata['http'] {
  const tcp = ports.filter((p) => p.protocol === 'tcp');
  const labelled = deriveField(labels, HTTP_PORT_FIELD, problems);
  const portLabelBroken = labelled === undefined && labels[MARACKER_LABELS.httpPort] !== undefined && labels[MARACKER_LABELS.httpPort] !== '';
  let port = labelled;
  if (labelled !== undefined && tcp.length > 0 && !tcp.some((p) => p.port === labelled.value)) {
    const exposed = tcp.map((p) => `${p.port}/tcp`).join(', ');
    problems.push(problem('warning', 'not-exposed', labelled.from, String(labelled.value), `the image does not expose this port (it exposes ${exposed})`));
  }
  if (port === undefined && !portLabelBroken && tcp.length === 1) {
    port = { value: (tcp[0] as ExposedPort).port, from: FROM_EXPOSED_PORTS };
  }

  const http: DerivedMetadata['http'] = port === undefined ? {} : { port };
  const healthPath = deriveField(labels, HEALTH_PATH_FIELD, problems);
  if (healthPath !== undefined) {
    if (port !== undefined) {
      http.healthPath = healthPath;
    } else if (!portLabelBroken) {
      const why = tcp.length === 0 ? 'the image exposes no TCP port' : `the image exposes several TCP ports (${tcp.map((p) => p.port).join(', ')})`;
      problems.push(problem('error', 'no-http-port', healthPath.from, healthPath.value, `needs an HTTP port, and ${why}: set ${MARACKER_LABELS.httpPort}`));
    }
  }
  return http;
}

/**
 * What maracker reads from an image config's `Labels` and `ExposedPorts` (the keys of that
 * object, such as `80/tcp`). Problems come in the catalogue's order, then unknown labels.
 */
export function imageMetadata(labels: Readonly<Record<string, string>>, exposedPorts: readonly string[]): ImageMetadataResult {
  const problems: MetadataProblem[] = [];
  const info: ImageInfo = {};
  for (const spec of INFO_FIELDS) {
    const value = deriveField(labels, spec, problems);
    if (value !== undefined) info[spec.field as keyof ImageInfo] = value;
  }
  const resources: DerivedMetadata['resources'] = {};
  for (const spec of RESOURCE_FIELDS) {
    const value = deriveField(labels, spec, problems);
    if (value !== undefined) resources[spec.field as keyof DerivedMetadata['resources']] = value;
  }
  const ports = readExposedPorts(exposedPorts, problems);
  const http = deriveHttp(labels, ports, problems);
  unknownMaracker(labels, problems);
  return { derived: { info, resources, http, ports }, problems };
}

/** Whether the image follows the format: no error (warnings allowed unless `strict`). */
export function followsFormat(problems: readonly MetadataProblem[], strict = false): boolean {
  return !problems.some((p) => p.severity === 'error' || (strict && p.severity === 'warning'));
}
