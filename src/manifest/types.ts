// The manifest format (apiVersion maracker/v1, kind App) as TypeScript sees it once
// schemas/app.schema.json has accepted it. docs/manifest.md documents every field.

import type { FileLabelScheme } from '../model/labels.js';

export const API_VERSION = 'maracker/v1';
export const KIND = 'App';

/**
 * How `expose` reaches Traefik: labels in the v1 grammar, the v2 one, or both (Traefik's
 * Marathon provider reads them, up to 2.11), or `v3`: no Traefik labels at all, maracker
 * serves the routes to Traefik's HTTP provider (GET /traefik/v3, docs/traefik-v3.md).
 */
export type TraefikGrammar = 'v1' | 'v2' | 'both' | 'v3';
export const TRAEFIK_GRAMMARS: readonly TraefikGrammar[] = ['v1', 'v2', 'both', 'v3'];
export const DEFAULT_TRAEFIK_GRAMMAR: TraefikGrammar = 'v2';

export interface TranslateOptions {
  /** Default 'v2'. */
  traefik?: TraefikGrammar;
  /** How the `maracker.source` label names a file: `file:` (the folder's, the default) or `git:` (a git source's). */
  fileLabel?: FileLabelScheme;
  /**
   * Whether a database row may set `traefik.*` labels (--row-traefik-labels). Default false:
   * `spec.expose` routes a row's app, and a label could route another app's host to it.
   */
  rowTraefikLabels?: boolean;
}

export type NetworkMode = 'host' | 'bridge' | 'container';
export type PortProtocol = 'tcp' | 'udp' | 'udp,tcp';

export interface PortSpec {
  /** Optional, as in Marathon; required to refer to the port from a health check or expose. */
  name?: string;
  containerPort?: number;
  hostPort?: number;
  servicePort?: number;
  protocol?: PortProtocol;
  labels?: Record<string, string>;
}

export type HealthCheckProtocol = 'HTTP' | 'HTTPS' | 'TCP' | 'COMMAND' | 'MESOS_HTTP' | 'MESOS_HTTPS' | 'MESOS_TCP';

export interface HealthCheckSpec {
  protocol: HealthCheckProtocol;
  /** A port name from spec.ports; becomes portIndex. */
  port?: string;
  path?: string;
  /** Shell command of a COMMAND check; becomes command.value. */
  command?: string;
  gracePeriodSeconds?: number;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  delaySeconds?: number;
  maxConsecutiveFailures?: number;
  ignoreHttp1xx?: boolean;
  ipProtocol?: 'IPv4' | 'IPv6';
}

export interface ExposeSpec {
  host: string | string[];
  path?: string;
  /** A port name from spec.ports; default: the first port. */
  port?: string;
  entrypoints?: string[];
  tls?: boolean;
  certResolver?: string;
  stripPrefix?: boolean;
}

export interface FetchSpec {
  uri: string;
  executable?: boolean;
  extract?: boolean;
  cache?: boolean;
  destPath?: string;
}

export interface VolumeSpec {
  containerPath: string;
  hostPath: string;
  mode?: 'RO' | 'RW';
}

export interface DockerSpec {
  forcePullImage?: boolean;
  privileged?: boolean;
  parameters?: Array<{ key: string; value: string }>;
}

/** `spec` of a manifest document, and the `spec` column of a database row. */
export interface AppSpec {
  image?: string;
  cmd?: string;
  args?: string[];
  instances?: number;
  cpus?: number;
  mem?: number;
  disk?: number;
  env?: Record<string, string>;
  ports?: PortSpec[];
  network?: NetworkMode;
  networkName?: string;
  healthChecks?: HealthCheckSpec[];
  constraints?: string[][];
  dependencies?: string[];
  upgradeStrategy?: { minimumHealthCapacity?: number; maximumOverCapacity?: number };
  labels?: Record<string, string>;
  fetch?: FetchSpec[];
  volumes?: VolumeSpec[];
  user?: string;
  docker?: DockerSpec;
  expose?: ExposeSpec;
  /** Marathon AppDefinition fields the format does not model, copied as they are. */
  marathon?: Record<string, unknown>;
}

export interface AppMetadata {
  name: string;
  group?: string;
  labels?: Record<string, string>;
  adopt?: boolean;
}

export interface AppManifest {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: AppMetadata;
  spec: AppSpec;
}
