// Reading compose.yaml the way Docker Compose does, for static checks: YAML with unique
// keys, `${VAR}` / `${VAR:-default}` interpolation, and the short and long forms of
// environment, depends_on and ports normalised to one shape.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Service = Record<string, unknown> & {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean; interval?: string; start_period?: string };
  ports?: Array<string | number | { target: number; published?: string | number; host_ip?: string }>;
  volumes?: Array<string | { type?: string; source?: string; target: string; read_only?: boolean }>;
  command?: string | string[];
  entrypoint?: string | string[];
  network_mode?: string;
  extra_hosts?: string[] | Record<string, string>;
};

export interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** The raw text and the parsed document (YAML errors, duplicate keys included, throw). */
export function readCompose(file = 'compose.yaml'): { text: string; doc: ComposeFile } {
  const text = readFileSync(`${REPO_ROOT}${file}`, 'utf8');
  return { text, doc: parse(text, { uniqueKeys: true, prettyErrors: true }) as ComposeFile };
}

/**
 * Compose's interpolation of one string: `$$` is a literal `$`, `${VAR}` and `$VAR` read
 * the environment, `${VAR:-default}` / `${VAR-default}` fall back, `${VAR:?err}` fails.
 */
export function interpolate(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (all === '$$') return '$';
      const name = (braced ?? bare) as string;
      const v = env[name];
      const unset = op?.startsWith(':') ? v === undefined || v === '' : v === undefined;
      if (op?.endsWith('-')) return unset ? (arg ?? '') : (v as string);
      if (op?.endsWith('?')) {
        if (unset) throw new Error(`required variable ${name} is not set: ${arg ?? ''}`);
        return v as string;
      }
      return v ?? '';
    },
  );
}

/** Interpolates every string of a parsed document. */
export function interpolateDeep<T>(value: T, env: Readonly<Record<string, string | undefined>>): T {
  if (typeof value === 'string') return interpolate(value, env) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => interpolateDeep(v, env)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)])) as T;
  }
  return value;
}

/** A service's environment as the container sees it (values are strings; a bare name takes the host's value). */
export function serviceEnv(service: Service, hostEnv: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const env = service.environment;
  if (Array.isArray(env)) {
    for (const entry of env) {
      const eq = entry.indexOf('=');
      if (eq < 0) {
        const v = hostEnv[entry];
        if (v !== undefined) out[entry] = v;
      } else out[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
  } else if (env) {
    for (const [k, v] of Object.entries(env)) {
      if (v === null) {
        const h = hostEnv[k];
        if (h !== undefined) out[k] = h;
      } else out[k] = String(v);
    }
  }
  return out;
}

/** depends_on in its long form: service name -> condition (the short form means service_started). */
export function dependencies(service: Service): Record<string, string> {
  const d = service.depends_on;
  if (!d) return {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([name, v]) => [name, v.condition ?? 'service_started']));
}

export interface PublishedPort {
  hostIp?: string;
  published?: number;
  target: number;
}

/** ports in their long form (single ports; ranges are not used here and are refused). */
export function publishedPorts(service: Service): PublishedPort[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object') {
      return { target: p.target, ...(p.published !== undefined ? { published: Number(p.published) } : {}), ...(p.host_ip ? { hostIp: p.host_ip } : {}) };
    }
    const m = /^(?:(?:(\[[^\]]+\]|[0-9.]+):)?(\d+):)?(\d+)(?:\/\w+)?$/.exec(String(p));
    if (!m) throw new Error(`unsupported port syntax: ${String(p)}`);
    return { target: Number(m[3]), ...(m[2] ? { published: Number(m[2]) } : {}), ...(m[1] ? { hostIp: m[1] } : {}) };
  });
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** volumes in their long form. */
export function mounts(service: Service): Mount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v === 'object') return { source: v.source ?? '', target: v.target, readOnly: v.read_only === true };
    const [source, target, mode] = v.split(':');
    return target === undefined
      ? { source: '', target: source as string, readOnly: false }
      : { source: source as string, target, readOnly: (mode ?? '').split(',').includes('ro') };
  });
}

/** The healthcheck test as one string (CMD / CMD-SHELL prefix dropped), or undefined. */
export function healthcheckCommand(service: Service): string[] | undefined {
  const hc = service.healthcheck;
  if (!hc || hc.disable === true || hc.test === undefined) return undefined;
  if (typeof hc.test === 'string') return ['CMD-SHELL', hc.test];
  if (hc.test[0] === 'NONE') return undefined;
  return hc.test;
}
