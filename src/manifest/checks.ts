// Rules that a JSON Schema cannot say well: names that must exist or be unique, fields that
// exclude each other, values that depend on the network mode, reserved labels. The checks
// run even when the schema found problems (so one run reports everything), so they read
// the data defensively and skip whatever does not have the expected shape.

import { isReservedLabel, RESERVED_LABEL_PREFIX } from '../model/labels.js';
import { appIdLengthFault, isReservedAppName, reservedNameFault, type AppId } from '../model/app-id.js';
import { resolveAppPath } from './app-path.js';
import { type AppLimits, DEFAULT_INPUT_LIMITS, LIMIT_EXCEEDED, limitSuffix } from './limits.js';
import { issue, type Issue, type Path } from './issue.js';
import { marathonRules } from './marathon-rules.js';
import { bareToken, describeValue, quoteToken, tokenList } from './quote.js';
import { suggest } from '../base/suggest.js';

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export interface CheckContext {
  /** Where the spec is (['spec'] in documents and rows). */
  specPath: Path;
  /** The app's labels declared outside spec (metadata.labels, or a row's labels) and where. */
  outerLabels?: unknown;
  outerLabelsPath: Path;
  /** The app's group, for relative dependencies. */
  group: string | undefined;
  /** The app's own id, when known. */
  id?: AppId;
  /** What one app may ask of Marathon. Default: DEFAULT_INPUT_LIMITS. */
  limits?: AppLimits;
  /** Whether `traefik.*` labels may be given (false for a row unless --row-traefik-labels). Default true. */
  traefikLabels?: boolean;
}

const ROW_TRAEFIK_LABEL =
  'a row may not set Traefik labels: spec.expose routes its app (a label could route the host of another app to this one; --row-traefik-labels allows them)';

const HTTP_CHECKS = new Set(['HTTP', 'HTTPS', 'MESOS_HTTP', 'MESOS_HTTPS']);
const TCP_CHECKS = new Set(['TCP', 'MESOS_TCP']);
// LIKE, UNLIKE and MAX_PER need one too, reported with Marathon's words (marathon-rules.ts);
// CLUSTER does not ("value is completely optional for CLUSTER": SchedulingValidation).
const CONSTRAINT_NEEDS_VALUE = new Set(['IS']);

function portNames(spec: Rec): string[] {
  return list(spec.ports)
    .map((p) => str(rec(p)?.name))
    .filter((n): n is string => n !== undefined);
}

/** "no port named ..." with the best hint available. */
function unknownPortIssue(path: Path, name: string, names: string[]): Issue {
  if (names.length === 0) {
    return issue('unknown-port', path, `no port named ${quoteToken(name)}: spec.ports declares no ports (omit port to use the app's single default port)`);
  }
  const hint = suggest(name, names);
  const tail = hint ? `did you mean ${quoteToken(hint)}?` : `declared ports: ${tokenList(names)}`;
  return issue('unknown-port', path, `no port named ${quoteToken(name)} in spec.ports; ${tail}`);
}

/** More than the limits allow (limits.ts): Marathon sets none, and the cluster shares what they take. */
function checkAppLimits(spec: Rec, at: Path, limits: AppLimits, out: Issue[]): void {
  if (typeof spec.instances === 'number' && spec.instances > limits.maxInstances) {
    out.push(issue(LIMIT_EXCEEDED, [...at, 'instances'], `more than ${limits.maxInstances} instances ${limitSuffix('maxInstances')}; not applied`));
  }
  if (Array.isArray(spec.ports) && spec.ports.length > limits.maxPorts) {
    out.push(issue(LIMIT_EXCEEDED, [...at, 'ports'], `more than ${limits.maxPorts} ports ${limitSuffix('maxPorts')}; not applied`));
  }
  if (Array.isArray(spec.healthChecks) && spec.healthChecks.length > limits.maxHealthChecks) {
    out.push(
      issue(LIMIT_EXCEEDED, [...at, 'healthChecks'], `more than ${limits.maxHealthChecks} health checks ${limitSuffix('maxHealthChecks')}; not applied`),
    );
  }
}

function checkCommand(spec: Rec, at: Path, out: Issue[]): void {
  if (spec.cmd !== undefined && spec.args !== undefined) {
    out.push(issue('exclusive-fields', [...at, 'args'], 'cmd and args are mutually exclusive (Marathon runs one or the other)', 'key'));
  }
  // an empty args is no command to Marathon ("AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")
  const noArgs = spec.args === undefined || (Array.isArray(spec.args) && spec.args.length === 0);
  if (spec.image === undefined && spec.cmd === undefined && noArgs) {
    out.push(
      issue('missing-field', at, spec.args === undefined ? 'needs at least one of image, cmd or args' : 'needs at least one of image, cmd or a non-empty args'),
    );
  }
  if (spec.docker !== undefined && spec.image === undefined) {
    out.push(issue('exclusive-fields', [...at, 'docker'], 'docker options need spec.image', 'key'));
  }
}

function checkPorts(spec: Rec, at: Path, out: Issue[]): void {
  const network = str(spec.network) ?? 'host';
  const seen = new Map<string, number>();
  list(spec.ports).forEach((p, i) => {
    const port = rec(p);
    if (!port) return;
    const name = str(port.name);
    if (name !== undefined) {
      const first = seen.get(name);
      if (first !== undefined) {
        out.push(issue('duplicate-port', [...at, 'ports', i, 'name'], `duplicate port name ${quoteToken(name)} (also spec.ports[${first}])`));
      } else {
        seen.set(name, i);
      }
    }
    if (network === 'host') {
      for (const field of ['containerPort', 'servicePort'] as const) {
        if (port[field] !== undefined) {
          out.push(
            issue(
              'network-field',
              [...at, 'ports', i, field],
              `applies only to network bridge or container; with host networking set hostPort (or nothing, for a dynamic port)`,
              'key',
            ),
          );
        }
      }
    }
  });
  if (spec.networkName !== undefined && spec.network !== 'container') {
    out.push(issue('network-field', [...at, 'networkName'], 'applies only to network: container', 'key'));
  }
}

function checkHealthChecks(spec: Rec, at: Path, out: Issue[]): void {
  const names = portNames(spec);
  list(spec.healthChecks).forEach((h, i) => {
    const hc = rec(h);
    if (!hc) return;
    const here = [...at, 'healthChecks', i];
    const protocol = str(hc.protocol);
    const port = str(hc.port);
    if (port !== undefined && !names.includes(port)) out.push(unknownPortIssue([...here, 'port'], port, names));
    if (protocol === undefined) return;
    const misplaced = (field: string, why: string): void => {
      if (hc[field] !== undefined) out.push(issue('exclusive-fields', [...here, field], why, 'key'));
    };
    if (protocol === 'COMMAND') {
      if (hc.command === undefined) out.push(issue('missing-field', here, 'a COMMAND health check needs a command'));
      misplaced('port', 'a COMMAND health check runs a command, it has no port');
      misplaced('path', 'a COMMAND health check runs a command, it has no path');
    } else {
      misplaced('command', `only COMMAND health checks run a command, not ${bareToken(protocol)}`);
    }
    if (TCP_CHECKS.has(protocol)) misplaced('path', `a ${protocol} health check only connects; path applies to HTTP checks`);
    if (!HTTP_CHECKS.has(protocol)) misplaced('ignoreHttp1xx', `applies only to HTTP and HTTPS checks, not ${bareToken(protocol)}`);
  });
}

function checkExpose(spec: Rec, at: Path, out: Issue[]): void {
  const expose = rec(spec.expose);
  if (!expose) return;
  const here = [...at, 'expose'];
  const port = str(expose.port);
  const names = portNames(spec);
  if (port !== undefined && !names.includes(port)) out.push(unknownPortIssue([...here, 'port'], port, names));
  if (expose.certResolver !== undefined && expose.tls !== true) {
    out.push(issue('exclusive-fields', [...here, 'certResolver'], 'a certificate resolver needs tls: true', 'key'));
  }
  if (expose.stripPrefix === true && expose.path === undefined) {
    out.push(issue('exclusive-fields', [...here, 'stripPrefix'], 'stripPrefix needs a path to strip', 'key'));
  }
}

function checkConstraints(spec: Rec, at: Path, out: Issue[]): void {
  list(spec.constraints).forEach((c, i) => {
    if (!Array.isArray(c) || c.length < 2) return;
    const op = str(c[1]);
    if (op === undefined) return;
    if (CONSTRAINT_NEEDS_VALUE.has(op) && c.length < 3) {
      out.push(issue('invalid-value', [...at, 'constraints', i], `constraint ${op} needs a value, e.g. [${describeValue(c[0])}, ${op}, "..."]`));
    }
    if (op === 'UNIQUE' && c.length > 2) {
      out.push(issue('invalid-value', [...at, 'constraints', i, 2], 'constraint UNIQUE takes no value'));
    }
  });
}

function checkDependencies(spec: Rec, at: Path, ctx: CheckContext, out: Issue[]): void {
  list(spec.dependencies).forEach((d, i) => {
    const ref = str(d);
    if (ref === undefined || ref === '') return;
    const id = resolveAppPath(ref, ctx.group);
    if (id === undefined) {
      out.push(issue('invalid-id', [...at, 'dependencies', i], `${describeValue(ref)} does not name a valid Marathon app id`));
    } else if (id === ctx.id) {
      out.push(issue('invalid-id', [...at, 'dependencies', i], `an app cannot depend on itself (${id})`));
    }
  });
}

function checkLabels(spec: Rec, at: Path, ctx: CheckContext, out: Issue[]): void {
  const outer = rec(ctx.outerLabels) ?? {};
  const inner = rec(spec.labels) ?? {};
  const reserved = (path: Path, key: string): void => {
    if (isReservedLabel(key)) {
      out.push(issue('reserved-label', [...path, key], `labels starting with "${RESERVED_LABEL_PREFIX}" are reserved for maracker`, 'key'));
    } else if (ctx.traefikLabels === false && key.startsWith('traefik.')) {
      out.push(issue('reserved-label', [...path, key], ROW_TRAEFIK_LABEL, 'key'));
    }
  };
  for (const key of Object.keys(outer)) reserved(ctx.outerLabelsPath, key);
  for (const [key, value] of Object.entries(inner)) {
    reserved([...at, 'labels'], key);
    if (key in outer && typeof value === 'string' && typeof outer[key] === 'string' && outer[key] !== value) {
      out.push(
        issue(
          'label-conflict',
          [...at, 'labels', key],
          `label is also set in ${ctx.outerLabelsPath.join('.')} with another value (${describeValue(outer[key])} there, ${describeValue(value)} here)`,
          'key',
        ),
      );
    }
  }
}

/**
 * What the schema cannot say of a document's metadata: a name Marathon keeps for an app's
 * sub-resources, and an id (`id`, when the metadata gives a valid one) too long to run.
 */
export function checkMetadata(document: unknown, id?: AppId): Issue[] {
  const name = rec(rec(document)?.metadata)?.name;
  if (typeof name === 'string' && isReservedAppName(name)) return [issue('invalid-id', ['metadata', 'name'], reservedNameFault(), 'value')];
  const tooLong = id !== undefined ? appIdLengthFault(id) : undefined;
  return tooLong !== undefined ? [issue('invalid-id', ['metadata', 'name'], `the app id ${tooLong}`, 'value')] : [];
}

/** Issues that the schema cannot express, for one app's spec. */
export function checkSpec(spec: unknown, ctx: CheckContext): Issue[] {
  const s = rec(spec);
  const out: Issue[] = [];
  const at = ctx.specPath;
  if (!s) {
    checkLabels({}, at, ctx, out);
    return out;
  }
  checkAppLimits(s, at, ctx.limits ?? DEFAULT_INPUT_LIMITS, out);
  checkCommand(s, at, out);
  checkPorts(s, at, out);
  checkHealthChecks(s, at, out);
  checkExpose(s, at, out);
  checkConstraints(s, at, out);
  checkDependencies(s, at, ctx, out);
  checkLabels(s, at, ctx, out);
  const labelSources = [
    { labels: rec(ctx.outerLabels) ?? {}, path: ctx.outerLabelsPath },
    { labels: rec(s.labels) ?? {}, path: [...at, 'labels'] },
  ];
  out.push(...marathonRules(s, at, labelSources));
  return out;
}
