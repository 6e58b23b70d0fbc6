// What Marathon 1.10 refuses (a 422 "Object is not valid"), or takes and silently drops, in a
// definition maracker would write, checked on the manifest spec so that `maracker validate`
// says it at the manifest position instead of the daemon learning it from Marathon (a 422
// that stays until the manifest changes), or never learning it and redeploying forever (a
// dropped field reads as a difference on every pass). Each rule names the Marathon file it
// comes from (reference/marathon/source-v1.10.26); docs/marathon-fidelity.md lists them all.
// Messages quote Marathon's own words where it has some.
//
// Two codes: `marathon-rejects` (Marathon answers 422) and `marathon-ignores` (Marathon accepts
// the field and drops it, so it can never be what Marathon runs). Rules that depend on how
// Marathon was started (--mesos_role, --default_network_name) are not checked here.

import { issue, type Issue, type Path } from './issue.js';
import { javaRegexCompiles } from './java-regex.js';
import { bareToken, describeValue } from './quote.js';

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export const MARATHON_REJECTS = 'marathon-rejects';
export const MARATHON_IGNORES = 'marathon-ignores';

const rejects = (path: Path, said: string, why?: string, at?: 'key'): Issue =>
  issue(MARATHON_REJECTS, path, `Marathon 1.10 refuses this: "${said}"${why ? ` (${why})` : ''}`, at);

/** Mesos health checks that are not COMMAND checks: AppValidation.haveAtMostOneMesosHealthCheck counts these. */
const MESOS_NETWORK_CHECKS = new Set(['MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP']);
/** Marathon's own checks (MarathonHttpHealthCheck, MarathonTcpHealthCheck). */
const MARATHON_CHECKS = new Set(['HTTP', 'HTTPS', 'TCP']);
/** core.health.HealthCheck.DefaultDelay: what GET shows for a check Marathon does not delay. */
const DEFAULT_DELAY_SECONDS = 15;

function healthChecks(spec: Rec, at: Path, out: Issue[]): void {
  let mesosChecks = 0;
  list(spec.healthChecks).forEach((h, i) => {
    const hc = rec(h);
    const protocol = str(hc?.protocol);
    if (!hc || protocol === undefined) return;
    const here = [...at, 'healthChecks', i];
    if (MESOS_NETWORK_CHECKS.has(protocol) && ++mesosChecks === 2) {
      out.push(
        rejects(
          here,
          'AppDefinition can contain at most one Mesos health check',
          'AppValidation.haveAtMostOneMesosHealthCheck: one MESOS_HTTP, MESOS_HTTPS or MESOS_TCP check; COMMAND checks do not count',
        ),
      );
    }
    if (hc.ipProtocol === 'IPv6' && !(MESOS_NETWORK_CHECKS.has(protocol) && spec.image !== undefined)) {
      out.push(
        rejects(
          [...here, 'ipProtocol'],
          'IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks',
          'AppValidation.complyWithIpProtocolRules',
        ),
      );
    }
    if (hc.ignoreHttp1xx !== undefined && (protocol === 'MESOS_HTTP' || protocol === 'MESOS_HTTPS')) {
      out.push(
        issue(
          MARATHON_IGNORES,
          [...here, 'ignoreHttp1xx'],
          `Marathon 1.10 drops ignoreHttp1xx from ${bareToken(protocol)} checks (only its own HTTP and HTTPS checks read it: HealthCheckConversion), so it would never match; remove it`,
          'key',
        ),
      );
    }
    const delay = num(hc.delaySeconds);
    if (delay !== undefined && delay !== DEFAULT_DELAY_SECONDS && MARATHON_CHECKS.has(protocol)) {
      out.push(
        issue(
          MARATHON_IGNORES,
          [...here, 'delaySeconds'],
          `Marathon 1.10 does not delay ${bareToken(protocol)} checks and always reports delaySeconds ${DEFAULT_DELAY_SECONDS} (MarathonHttpHealthCheck and MarathonTcpHealthCheck have no delay: HealthCheckConversion), so it would never match; remove it, or use a MESOS_ check`,
          'key',
        ),
      );
    }
  });
}

/** Scala's String.toInt (Integer.parseInt): an optional sign, decimal digits, 32 bits. */
function parsesAsInt(s: string): boolean {
  if (!/^[-+]?\d+$/.test(s)) return false;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647;
}

/** SchedulingValidation.complyWithConstraintRules for the values the schema lets through. */
function constraints(spec: Rec, at: Path, out: Issue[]): void {
  list(spec.constraints).forEach((c, i) => {
    if (!Array.isArray(c) || c.length < 2) return;
    const [field, op, value] = c as unknown[];
    const here = [...at, 'constraints', i];
    if (typeof op !== 'string' || typeof field !== 'string') return;
    const v = str(value);
    const where = c.length > 2 ? [...here, 2] : here;
    switch (op) {
      case 'GROUP_BY':
        if (v !== undefined && !parsesAsInt(v))
          out.push(rejects(where, 'GROUP BY must define an integer value or else no value at all', 'SchedulingValidation'));
        break;
      case 'MAX_PER':
        if (v === undefined || !parsesAsInt(v))
          out.push(rejects(where, 'MAX_PER requires an integer value', `SchedulingValidation; e.g. [${describeValue(field)}, MAX_PER, "2"]`));
        break;
      case 'LIKE':
      case 'UNLIKE':
        if (v === undefined) out.push(rejects(where, 'LIKE and UNLIKE require a non-empty, regular expression value', 'SchedulingValidation'));
        else if (!javaRegexCompiles(v))
          out.push(rejects(where, 'is not a valid regular expression', 'SchedulingValidation: the value must compile as a Java regular expression'));
        break;
      case 'IS':
        if (v !== undefined && !/^[a-zA-Z0-9_/.-]*$/.test(v)) {
          out.push(
            rejects(
              where,
              'IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)',
              'SchedulingValidation: letters, digits, _ / . - only',
            ),
          );
        }
        break;
    }
  });
}

function ports(spec: Rec, at: Path, out: Issue[]): void {
  const network = str(spec.network) ?? 'host';
  if (network !== 'host') return;
  // AppValidation.portDefinitionsValidator: the non-zero ports of a host app (its hostPorts) are unique
  const seen = new Map<number, number>();
  list(spec.ports).forEach((p, i) => {
    const hostPort = num(rec(p)?.hostPort);
    if (hostPort === undefined || hostPort === 0) return;
    const first = seen.get(hostPort);
    if (first !== undefined)
      out.push(rejects([...at, 'ports', i, 'hostPort'], 'Ports must be unique.', `AppValidation.portDefinitionsValidator; also spec.ports[${first}]`));
    else seen.set(hostPort, i);
  });
}

function command(spec: Rec, at: Path, out: Issue[]): void {
  const cmd = str(spec.cmd);
  // AppValidation: isTrue("must not be an empty string")(_.cmd.forall(_.length() > 1))
  if (cmd !== undefined && cmd.length === 1)
    out.push(rejects([...at, 'cmd'], 'must not be an empty string', 'AppValidation: a cmd needs at least two characters'));
}

const SINGLE_INSTANCE_LABEL = 'MARATHON_SINGLE_INSTANCE_APP';
const MIGRATION_LABELS = ['DCOS_MIGRATION_API_VERSION', 'DCOS_PACKAGE_FRAMEWORK_NAME', 'DCOS_MIGRATION_API_PATH'] as const;

/** Rules Marathon attaches to labels (SchedulingValidation, AppValidation.complyWithMigrationAPI). */
function labelRules(spec: Rec, at: Path, labels: Rec, labelsPath: (key: string) => Path, out: Issue[]): void {
  if (labels[SINGLE_INSTANCE_LABEL] === 'true') {
    const instances = num(spec.instances);
    if (instances !== undefined && instances > 1) {
      out.push(rejects([...at, 'instances'], 'Single instance app may only have one instance', `SchedulingValidation: the ${SINGLE_INSTANCE_LABEL} label`));
    }
    const upgrade = rec(spec.upgradeStrategy) ?? {};
    const min = num(upgrade.minimumHealthCapacity) ?? 1;
    const max = num(upgrade.maximumOverCapacity) ?? 1;
    if (min !== 0 || max !== 0) {
      out.push(
        rejects(
          rec(spec.upgradeStrategy) ? [...at, 'upgradeStrategy'] : labelsPath(SINGLE_INSTANCE_LABEL),
          `got ${min === 0 ? max : min}, expected 0.0`,
          `SchedulingValidation.validForSingleInstanceApps: an app labelled ${SINGLE_INSTANCE_LABEL} needs upgradeStrategy {minimumHealthCapacity: 0, maximumOverCapacity: 0}`,
          rec(spec.upgradeStrategy) ? undefined : 'key',
        ),
      );
    }
  }
  const version = str(labels[MIGRATION_LABELS[0]]);
  if (version !== undefined && version !== '') {
    const ok = version === 'v1' && Boolean(str(labels[MIGRATION_LABELS[1]])) && Boolean(str(labels[MIGRATION_LABELS[2]]));
    if (!ok) {
      out.push(
        rejects(
          labelsPath(MIGRATION_LABELS[0]),
          'DCOS_PACKAGE_FRAMEWORK_NAME and DCOS_MIGRATION_API_PATH must be defined when using DCOS_MIGRATION_API_VERSION',
          'AppValidation.complyWithMigrationAPI; the version must be v1',
          'key',
        ),
      );
    }
  }
}

/** How many ports the app's tasks get: the declared ones, or Marathon's one default port. */
function portCount(spec: Rec): number {
  const declared = list(spec.ports).length;
  return declared > 0 ? declared : 1;
}

function portNamesWithDefault(spec: Rec): string[] {
  const names = list(spec.ports).flatMap((p) => {
    const name = str(rec(p)?.name);
    return name !== undefined ? [name] : [];
  });
  // no declared ports: Marathon's default port is named "default" (raml Apps.DefaultPortDefinitions)
  return list(spec.ports).length > 0 ? names : ['default'];
}

/** The marathon pass-through: rules Marathon applies to the fields the format does not model. */
function passThrough(spec: Rec, at: Path, out: Issue[]): void {
  const marathon = rec(spec.marathon);
  if (!marathon) return;
  const here = [...at, 'marathon'];

  const check = rec(marathon.check);
  if (check) {
    const kinds = ['http', 'tcp', 'exec'].filter((k) => check[k] !== undefined);
    if (kinds.length !== 1) {
      out.push(rejects([...here, 'check'], 'illegal RAML Check: expected one of http, tcp or exec checks', 'CheckConversion.appCheckRamlReader'));
    }
    if (spec.image !== undefined) {
      out.push(
        rejects(
          [...here, 'check'],
          "AppDefinition must not use 'checks' if using docker",
          'AppDefinition.containsNoChecksWithDocker: spec.image runs a Docker container',
          'key',
        ),
      );
    }
    const withPort = rec(check.http) ?? rec(check.tcp);
    if (withPort && withPort.port === undefined) {
      const index = num(withPort.portIndex);
      const ok = index !== undefined ? index < portCount(spec) : portCount(spec) === 1;
      if (!ok) {
        out.push(
          rejects(
            [...here, 'check'],
            'check port index must address an element of the ports array or container port mappings.',
            'AppDefinition.checkPortIndexIsValid',
          ),
        );
      }
    }
  }

  const readiness = list(marathon.readinessChecks);
  if (readiness.length > 1)
    out.push(
      rejects(
        [...here, 'readinessChecks', 1],
        `got ${readiness.length}, expected 1 or less`,
        'AppValidation.complyWithReadinessCheckRules: at most one readiness check',
      ),
    );
  const names = portNamesWithDefault(spec);
  readiness.forEach((r, i) => {
    const rc = rec(r);
    if (!rc) return;
    const portName = str(rc.portName) ?? 'http-api';
    if (!names.includes(portName)) {
      out.push(
        rejects(
          rc.portName !== undefined ? [...here, 'readinessChecks', i, 'portName'] : [...here, 'readinessChecks', i],
          `No port definition reference for portName ${portName}`,
          rc.portName !== undefined ? `declared port names: ${names.join(', ')}` : `portName defaults to http-api; declared port names: ${names.join(', ')}`,
        ),
      );
    }
    const timeout = num(rc.timeoutSeconds) ?? 10;
    const interval = num(rc.intervalSeconds) ?? 30;
    if (!(timeout < interval)) {
      out.push(
        rejects(
          [...here, 'readinessChecks', i, rc.timeoutSeconds !== undefined ? 'timeoutSeconds' : 'intervalSeconds'],
          `got ${timeout}, expected less than ${interval}`,
          'ReadinessCheck: timeoutSeconds must be less than intervalSeconds',
        ),
      );
    }
  });

  if (marathon.residency !== undefined) {
    out.push(
      issue(
        MARATHON_IGNORES,
        [...here, 'residency'],
        'Marathon 1.10 keeps residency only for apps with persistent volumes, which the manifest format cannot declare (AppConversion.appWriter), so it would never match; remove it',
        'key',
      ),
    );
  }

  if (marathon.requirePorts === true && spec.network !== undefined && spec.network !== 'host') {
    out.push(
      issue(
        MARATHON_IGNORES,
        [...here, 'requirePorts'],
        `Marathon 1.10 resets requirePorts to false unless the network is host ("requirePorts only applies for host-mode networking": AppNormalization.forPostValidation); remove it`,
        'key',
      ),
    );
  }

  if (rec(marathon.secrets) && Object.keys(rec(marathon.secrets) ?? {}).length > 0) {
    out.push(
      rejects(
        [...here, 'secrets'],
        'Feature secrets is not enabled. Enable with --enable_features secrets)',
        'AppValidation: secrets need the secrets feature and a secrets plugin, which Marathon does not have by default',
        'key',
      ),
    );
  }

  const gpus = num(marathon.gpus);
  if (gpus !== undefined && gpus > 0) {
    if (spec.image !== undefined)
      out.push(
        rejects(
          [...here, 'gpus'],
          'GPU resources only work with the Mesos containerizer',
          'AppValidation.complyWithGpuRules: spec.image runs a Docker container',
        ),
      );
    out.push(
      rejects([...here, 'gpus'], 'Feature gpu_resources is not enabled. Enable with --enable_features gpu_resources)', 'AppValidation.complyWithGpuRules'),
    );
  }

  const limits = rec(marathon.resourceLimits);
  if (limits) {
    for (const [field, requested] of [
      ['cpus', num(spec.cpus) ?? 1],
      ['mem', num(spec.mem) ?? 128],
    ] as const) {
      const limit = num(limits[field]);
      if (limit !== undefined && limit < requested) {
        out.push(
          rejects(
            [...here, 'resourceLimits', field],
            `resource limit must be greater than or equal to requested resource (${requested.toFixed(1)})`,
            `AppValidation.validResourceLimit: spec.${field} is ${requested}`,
          ),
        );
      }
    }
  }

  const unreachable = rec(marathon.unreachableStrategy);
  if (unreachable) {
    const inactive = num(unreachable.inactiveAfterSeconds) ?? 0;
    const expunge = num(unreachable.expungeAfterSeconds) ?? 0;
    if (inactive > expunge) {
      out.push(
        rejects(
          [...here, 'unreachableStrategy', 'inactiveAfterSeconds'],
          `inactiveAfterSeconds (${inactive}) must be less or equal to expungeAfterSeconds, which is ${expunge}`,
          'UnreachableStrategy.unreachableEnabledValidator',
        ),
      );
    }
  }

  const role = str(marathon.role);
  if (role !== undefined) {
    list(marathon.acceptedResourceRoles).forEach((r, i) => {
      if (typeof r === 'string' && r !== '*' && r !== role) {
        out.push(
          rejects(
            [...here, 'acceptedResourceRoles', i],
            `acceptedResourceRoles can only contain * and ${role}`,
            'ResourceRole.validForRole: * and the app role only',
          ),
        );
      }
    });
  }
}

export interface LabelSource {
  labels: Rec;
  path: Path;
}

/** Every Marathon 1.10 rule that applies to one spec; `labels` are the app's user labels and where they are. */
export function marathonRules(spec: unknown, at: Path, labelSources: readonly LabelSource[]): Issue[] {
  const s = rec(spec);
  if (!s) return [];
  const out: Issue[] = [];
  command(s, at, out);
  ports(s, at, out);
  healthChecks(s, at, out);
  constraints(s, at, out);
  const labels: Rec = {};
  const origin = new Map<string, Path>();
  for (const source of labelSources) {
    for (const [key, value] of Object.entries(source.labels)) {
      labels[key] = value;
      origin.set(key, [...source.path, key]);
    }
  }
  labelRules(s, at, labels, (key) => origin.get(key) ?? at, out);
  passThrough(s, at, out);
  return out;
}
