// What Marathon fills in when a definition leaves a field out, and what it adds on its own.
// Sources (files under reference/marathon/ of the shared material, from mesosphere/marathon):
//   app.raml            raml-master/v2/types/app.raml
//   appContainer.raml   raml-master/v2/types/appContainer.raml
//   network.raml        raml-master/v2/types/network.raml
//   healthCheck.raml    raml-master/v2/types/healthCheck.raml
//   networking.md       docs-master/networking.md, "Port Definitions" and "Port Mappings"
//   changelog.md        docs-master/changelog.md
//   1.5.0 response      real-responses/marathon-lb/marathon15_apps.json
//   AppNormalization    src/main/scala/mesosphere/marathon/api/v2/AppNormalization.scala
//
// A default with one value is written into BOTH canonical sides when absent, so "absent"
// and "the default" compare equal whichever side leaves the field out (older servers omit
// fields newer ones print). Defaults that changed between releases are in
// VERSIONED_DEFAULTS: accepted from Marathon only when the user did not set the field.

import { SERVER_ONLY_FIELDS, type JsonObject, type JsonValue } from '../model/marathon.js';

/** Top-level scalar defaults of an app. */
export const APP_DEFAULTS: Readonly<Record<string, JsonValue>> = Object.freeze({
  instances: 1, // app.raml App.instances
  cpus: 1, // app.raml App.cpus
  mem: 128, // app.raml App.mem
  disk: 0, // app.raml App.disk
  gpus: 0, // app.raml App.gpus; absent from pre-1.5 output (zdd_apps.json)
  executor: '', // app.raml App.executor
  requirePorts: false, // app.raml App.requirePorts
  backoffSeconds: 1, // app.raml App.backoffSeconds
  backoffFactor: 1.15, // app.raml App.backoffFactor
  killSelection: 'YOUNGEST_FIRST', // killSelection.raml
});

/**
 * upgradeStrategy per field. app.raml gives none; the 1.5.0 response shows {1, 1}; apps with
 * persistent volumes get {0.5, 0} (AppNormalization / ResidencyAndUpgradeStrategy, because a
 * resident task cannot be over-provisioned on its reserved agent).
 */
export const UPGRADE_STRATEGY_DEFAULT = Object.freeze({ minimumHealthCapacity: 1, maximumOverCapacity: 1 });
export const RESIDENT_UPGRADE_STRATEGY_DEFAULT = Object.freeze({ minimumHealthCapacity: 0.5, maximumOverCapacity: 0 });

/** residency of apps with persistent volumes (app.raml AppResidency; AppNormalization adds it). */
export const RESIDENCY_DEFAULT = Object.freeze({ relaunchEscalationTimeoutSeconds: 3600, taskLostBehavior: 'WAIT_FOREVER' });

/** executorResources (resources.raml ExecutorResources). */
export const EXECUTOR_RESOURCES_DEFAULT = Object.freeze({ cpus: 0.1, mem: 32, disk: 10 });

/** networks: one host network when none is declared (network-api-migration.md, "Host Network"). */
export const HOST_NETWORK = 'host';
export const BRIDGE_NETWORK = 'container/bridge';
export const CONTAINER_NETWORK = 'container';
/** network.raml Network.mode default. */
export const NETWORK_MODE_DEFAULT = CONTAINER_NETWORK;

/** container.type (appContainer.raml Container.type). */
export const CONTAINER_TYPE_DEFAULT = 'DOCKER';

/** container.docker (appContainer.raml DockerContainer; 1.5.0 response shows parameters: []). */
export const DOCKER_DEFAULTS: Readonly<Record<string, JsonValue>> = Object.freeze({
  forcePullImage: false,
  privileged: false,
});

/** Protocol of a port definition or mapping (network.raml PortDefinition, appContainer.raml). */
export const PORT_PROTOCOL_DEFAULT = 'tcp';

/**
 * The port Marathon gives an app that declares none (networking.md: "default to
 * { portDefinitions: [ { port: 0, name: "default" } ] }", and for container networks
 * "{ portMappings: [ { containerPort: 0, name: "default" } ] }", with hostPort 0 in bridge).
 * Servers before 1.4 left the name out, so a missing name also matches.
 */
export const DEFAULT_PORT_NAME = 'default';

/** Health-check fields every kind has (healthCheck.raml AppHealthCheck). */
export const HEALTH_CHECK_DEFAULTS: Readonly<Record<string, JsonValue>> = Object.freeze({
  protocol: 'HTTP',
  gracePeriodSeconds: 300,
  intervalSeconds: 60,
  timeoutSeconds: 20,
  maxConsecutiveFailures: 3,
  // Printed by 1.5+ (zdd_app_blue_marathon1.5.json), absent from earlier output.
  delaySeconds: 15,
  ipProtocol: 'IPv4',
});
/** health-checks.md: path "Default: /" for HTTP-type checks. */
export const HEALTH_CHECK_PATH_DEFAULT = '/';
/** Protocols that send an HTTP request, so `path` applies (HealthCheckConversion keeps it for these only). */
export const HTTP_HEALTH_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'HTTPS', 'MESOS_HTTP', 'MESOS_HTTPS']);
/**
 * Marathon's own checks (MarathonHttpHealthCheck, MarathonTcpHealthCheck): they store no
 * delay and no IP protocol, so GET always shows the defaults whatever was sent
 * (HealthCheckConversion.appHealthCheckWrites). HTTP and HTTPS alone keep ignoreHttp1xx.
 */
export const MARATHON_HEALTH_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'HTTPS', 'TCP']);
export const IGNORE_HTTP_1XX_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'HTTPS']);
export const IGNORE_HTTP_1XX_DEFAULT = false;

/** check.raml AppCheck: the defaults of a Mesos check, and of its http.scheme. */
export const CHECK_DEFAULTS: Readonly<Record<string, JsonValue>> = Object.freeze({ intervalSeconds: 60, timeoutSeconds: 20, delaySeconds: 15 });
export const CHECK_HTTP_SCHEME_DEFAULT = 'HTTP';

/** readinessCheck.raml ReadinessCheck; httpStatusCodesForReady from AppNormalization ([200]). */
export const READINESS_CHECK_DEFAULTS: Readonly<Record<string, JsonValue>> = Object.freeze({
  name: 'readinessCheck',
  protocol: 'HTTP',
  path: '/',
  portName: 'http-api',
  intervalSeconds: 30,
  timeoutSeconds: 10,
  httpStatusCodesForReady: [200],
  preserveLastResponse: false,
});

/** artifact.raml Artifact. `extract` is left out for non-archives, see normalize.ts. */
export const FETCH_DEFAULTS: Readonly<Record<string, JsonValue>> = Object.freeze({
  extract: true,
  executable: false,
  cache: false,
});

/** volumes.raml PersistentVolumeInfo.type: root unless a profileName is given. */
export const PERSISTENT_VOLUME_TYPE_DEFAULT = 'root';

/**
 * Defaults that differ between Marathon releases. When the user leaves such a field out,
 * any of these values in Marathon's answer is "the default", not drift.
 */
export const VERSIONED_DEFAULTS = Object.freeze({
  // 3600 up to 1.5 (AppDefinition.DefaultMaxLaunchDelay = 1.hour; marathon15_apps.json),
  // 300 later (app.raml master; backoff.md "default: 5 minutes").
  maxLaunchDelaySeconds: Object.freeze([300, 3600]) as readonly JsonValue[],
  // changelog.md 1.5.1 "MARATHON-7576 Changed default of UnreachableEnabled to (0,0)";
  // {300, 600} in 1.4.x and 1.5.0 (marathon15_apps.json; changelog "previous default");
  // {1, 2} before 1.4.0 (changelog, 1.4.6 migration notes).
  unreachableStrategy: Object.freeze([
    { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
    { inactiveAfterSeconds: 300, expungeAfterSeconds: 600 },
    { inactiveAfterSeconds: 1, expungeAfterSeconds: 2 },
  ]) as readonly JsonObject[],
});

/** unreachableStrategy of apps with persistent volumes (unreachableStrategy.raml UnreachableDisabled). */
export const RESIDENT_UNREACHABLE_STRATEGY: JsonValue = 'disabled';

/**
 * Top-level fields Marathon computes or reports about running state (SERVER_ONLY_FIELDS, the
 * one list the client shares), and `storeUrls`, a field of 0.x servers that 1.5+ ignore
 * (AppConversion writes only the fields it knows): never part of what the user declares, so
 * never compared.
 */
export const SERVER_FIELDS: ReadonlySet<string> = new Set([...SERVER_ONLY_FIELDS, 'storeUrls']);
