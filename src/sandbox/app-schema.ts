// The App type of Marathon's RAML (raml-master/v2/types/app.raml and the types it uses) as
// schemas for json-reads.ts. Only types and RAML constraints live here; semantic rules are in
// app-validate.ts, defaults in app-normalize.ts. Fields not listed are dropped, as Marathon's
// generated Reads ignore unknown fields.

import type { Schema } from './json-reads.js';
import { RAML_PATH_ID } from './path-id.js';

const str: Schema = { t: 'string' };
const bool: Schema = { t: 'boolean' };
const any: Schema = { t: 'any' };
const anyPort: Schema = { t: 'integer', min: 0, max: 65535 };
const nonNegInt: Schema = { t: 'integer', min: 0 };
const stringMap: Schema = { t: 'map', values: str };
const strings: Schema = { t: 'array', items: str };

/** strings.LegacyName: port names. */
const LEGACY_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** strings.NetworkName. */
const NETWORK_NAME = /^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$/;

export const NETWORK_MODES = ['container', 'container/bridge', 'host'] as const;
export const HEALTH_CHECK_PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_TCP', 'MESOS_HTTP', 'MESOS_HTTPS'] as const;
const PROTOCOLS = ['tcp', 'udp', 'udp,tcp'] as const;

const portMapping: Schema = {
  t: 'object',
  props: {
    containerPort: anyPort,
    hostPort: anyPort,
    labels: stringMap,
    name: { t: 'string', pattern: LEGACY_NAME, minLength: 1 },
    protocol: { t: 'string', enum: PROTOCOLS },
    servicePort: anyPort,
    networkNames: strings,
  },
};

const docker: Schema = {
  t: 'object',
  required: ['image'],
  props: {
    credential: any,
    pullConfig: any,
    forcePullImage: bool,
    image: { t: 'string', minLength: 1 },
    network: { t: 'string', enum: ['BRIDGE', 'HOST', 'NONE', 'USER'] },
    parameters: {
      t: 'array',
      items: { t: 'object', required: ['key', 'value'], props: { key: { t: 'string', minLength: 1 }, value: str } },
    },
    portMappings: { t: 'array', items: portMapping },
    privileged: bool,
  },
};

const container: Schema = {
  t: 'object',
  props: {
    type: { t: 'string', enum: ['MESOS', 'DOCKER'] },
    docker,
    appc: any,
    linuxInfo: any,
    volumes: { t: 'array', items: any },
    portMappings: { t: 'array', items: portMapping },
  },
};

const healthCheck: Schema = {
  t: 'object',
  props: {
    command: { t: 'object', required: ['value'], props: { value: str } },
    gracePeriodSeconds: nonNegInt,
    ignoreHttp1xx: bool,
    intervalSeconds: nonNegInt,
    maxConsecutiveFailures: nonNegInt,
    path: str,
    port: anyPort,
    portIndex: anyPort,
    protocol: { t: 'string', enum: HEALTH_CHECK_PROTOCOLS },
    ipProtocol: { t: 'string', enum: ['IPv4', 'IPv6'] },
    timeoutSeconds: { t: 'integer' },
    delaySeconds: nonNegInt,
  },
};

const network: Schema = {
  t: 'object',
  props: {
    name: { t: 'string', pattern: NETWORK_NAME, minLength: 1, maxLength: 63 },
    mode: { t: 'string', enum: NETWORK_MODES },
    labels: stringMap,
  },
};

const portDefinition: Schema = {
  t: 'object',
  props: {
    port: anyPort,
    labels: stringMap,
    name: { t: 'string', pattern: LEGACY_NAME, minLength: 1 },
    protocol: { t: 'string', enum: PROTOCOLS },
  },
};

const artifact: Schema = {
  t: 'object',
  required: ['uri'],
  props: { uri: { t: 'string', minLength: 1, maxLength: 1024 }, extract: bool, executable: bool, cache: bool, destPath: str },
};

const envValue: Schema = {
  t: 'either',
  options: [
    { when: (v) => typeof v === 'string', schema: str },
    { when: (v) => typeof v === 'object' && v !== null && !Array.isArray(v), schema: { t: 'object', required: ['secret'], props: { secret: str } } },
  ],
  otherwise: 'error.expected.jsstring',
};

/** resources.raml ExecutorResources: minimums 0.1 cpus, 32 MiB, 10 MiB of disk. */
const executorResources: Schema = {
  t: 'object',
  props: { cpus: { t: 'number', min: 0.1 }, mem: { t: 'number', min: 32 }, disk: { t: 'number', min: 10 } },
};

/** readinessCheck.raml ReadinessCheck (the defaults are filled in by app-normalize.ts). */
const readinessCheck: Schema = {
  t: 'object',
  props: {
    name: { t: 'string', minLength: 1 },
    protocol: { t: 'string', enum: ['HTTP', 'HTTPS'] },
    path: { t: 'string', minLength: 1, maxLength: 1024 },
    portName: { t: 'string', pattern: LEGACY_NAME, minLength: 1 },
    intervalSeconds: nonNegInt,
    timeoutSeconds: { t: 'integer', min: 1 },
    httpStatusCodesForReady: { t: 'array', minItems: 1, items: { t: 'integer', min: 100, max: 999 } },
    preserveLastResponse: bool,
  },
};

/** check.raml AppCheck. */
const appCheck: Schema = {
  t: 'object',
  props: {
    http: {
      t: 'object',
      props: { portIndex: anyPort, port: anyPort, path: { t: 'string', minLength: 1, maxLength: 1024 }, scheme: { t: 'string', enum: ['HTTP', 'HTTPS'] } },
    },
    tcp: { t: 'object', props: { portIndex: anyPort, port: anyPort } },
    exec: { t: 'object', required: ['command'], props: { command: any } },
    intervalSeconds: nonNegInt,
    timeoutSeconds: nonNegInt,
    delaySeconds: nonNegInt,
  },
};

/** resources.raml ResourceLimit: a number or "unlimited" (any other string is refused by AppValidation). */
const resourceLimit: Schema = {
  t: 'either',
  options: [
    { when: (v) => typeof v === 'number', schema: { t: 'number' } },
    { when: (v) => typeof v === 'string', schema: str },
  ],
  otherwise: 'error.expected.jsnumber',
};

/** raml app.raml App.executor, matched whole as play-json's Reads.pattern does. */
const EXECUTOR = /^(?:\/\/cmd|\/?[^/]+(?:\/[^/]+)*|)$/;

const unreachableStrategy: Schema = {
  t: 'either',
  options: [
    { when: (v) => typeof v === 'string', schema: { t: 'string', enum: ['disabled'] } },
    {
      when: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      schema: { t: 'object', props: { inactiveAfterSeconds: nonNegInt, expungeAfterSeconds: nonNegInt } },
    },
  ],
  otherwise: 'error.expected.jsobject',
};

const appProps: Record<string, Schema> = {
  id: { t: 'string', minLength: 1, pattern: RAML_PATH_ID },
  acceptedResourceRoles: strings,
  args: strings,
  backoffFactor: { t: 'number', min: 1 },
  backoffSeconds: nonNegInt,
  cmd: { t: 'string', minLength: 1 },
  constraints: { t: 'array', items: strings },
  container,
  cpus: { t: 'number', min: 0.001 },
  dependencies: { t: 'array', items: { t: 'string', pattern: RAML_PATH_ID } },
  disk: { t: 'number', min: 0 },
  env: { t: 'map', values: envValue },
  executor: { t: 'string', pattern: EXECUTOR },
  executorResources,
  fetch: { t: 'array', items: artifact },
  healthChecks: { t: 'array', items: healthCheck },
  check: appCheck,
  instances: nonNegInt,
  labels: stringMap,
  maxLaunchDelaySeconds: nonNegInt,
  mem: { t: 'number', min: 0 },
  gpus: nonNegInt,
  ipAddress: any,
  networks: { t: 'array', items: network },
  ports: { t: 'array', items: anyPort },
  portDefinitions: { t: 'array', items: portDefinition },
  readinessChecks: { t: 'array', items: readinessCheck },
  residency: any,
  resourceLimits: { t: 'object', props: { cpus: resourceLimit, mem: resourceLimit } },
  requirePorts: bool,
  secrets: { t: 'map', values: { t: 'object', required: ['source'], props: { source: str } } },
  taskKillGracePeriodSeconds: nonNegInt,
  upgradeStrategy: {
    t: 'object',
    props: { maximumOverCapacity: { t: 'number', min: 0, max: 1 }, minimumHealthCapacity: { t: 'number', min: 0, max: 1 } },
  },
  uris: { t: 'array', items: { t: 'string', minLength: 1, maxLength: 1024 } },
  user: str,
  version: str,
  versionInfo: any,
  killSelection: { t: 'string', enum: ['YOUNGEST_FIRST', 'OLDEST_FIRST'] },
  unreachableStrategy,
  tty: bool,
  role: { t: 'string', minLength: 1 },
};

/** `App` (POST /v2/apps, PUT with partialUpdate=false): `id` is required. */
export const APP_SCHEMA: Schema = { t: 'object', required: ['id'], props: appProps };

/** `AppUpdate` (PUT/PATCH partial updates): every field optional. */
export const APP_UPDATE_SCHEMA: Schema = { t: 'object', props: appProps };
