// A model of what Traefik v3 makes of a body its HTTP provider fetched, written from its source
// (reference/traefik/source/v3.7.9, read only): pkg/provider/http/http.go decodeConfiguration
// hands the body to traefik/paerser's file.DecodeContent as YAML, into pkg/config/dynamic's
// Configuration. paerser's steps, as the model follows them:
// - file.DecodeContent: yaml.Unmarshal into a map; only the root keys that name a field of
//   Configuration are kept (getRootFieldNames); no key left: an empty configuration, no error.
// - file/raw_node.go decodeRaw: null values are skipped; a map becomes a node with children,
//   a list of maps children "[0]", "[1]"..., a scalar or a list of scalars a value.
// - parser/nodes_metadata.go add: a key names a field case-insensitively, or the body fails
//   ("field not found"); a struct, pointer-to-struct or map field with no children fails the
//   whole body ("cannot be a standalone element") unless the field is tagged allowEmpty (a
//   router's `tls`, a load balancer's `sticky`...). The entries of a map are not checked
//   themselves: `routers: {a: {}}` is an empty router.
// - parser/element_fill.go: the values, into the typed configuration.
// Then the routing, as test/traefik/providers.ts models it for v2 (same matchers, default
// priority by rule length), with pkg/server/service: a service without servers answers 503.
// The fields modelled are the ones maracker writes and their siblings; any other field of
// Traefik's configuration is reported as unmodelled rather than guessed.

import { parse } from 'yaml';
import { v2Matches, type Request } from './providers.js';

type Field = { kind: 'string' | 'bool' | 'int' } | { kind: 'list'; of: 'scalar' | Struct } | { kind: 'map'; of: Struct } | Struct;
interface Struct {
  kind: 'struct';
  fields: Record<string, { type: Field; allowEmpty?: boolean } | 'unmodelled'>;
}

const str = { type: { kind: 'string' } } as const;
const bool = { type: { kind: 'bool' } } as const;
const int = { type: { kind: 'int' } } as const;
const strings = { type: { kind: 'list', of: 'scalar' } } as const;
const struct = (fields: Struct['fields']): Struct => ({ kind: 'struct', fields });

// pkg/config/dynamic/http_config.go, field by field where maracker writes, the rest named
const ROUTER_TLS = struct({ options: str, certresolver: str, domains: 'unmodelled' });
const ROUTER = struct({
  entrypoints: strings,
  middlewares: strings,
  service: str,
  rule: str,
  rulesyntax: str,
  priority: int,
  tls: { type: ROUTER_TLS, allowEmpty: true },
  observability: 'unmodelled',
  parentrefs: 'unmodelled',
});
const SERVER = struct({ url: str, weight: int, preservepath: bool, fenced: 'unmodelled' });
const LOAD_BALANCER = struct({
  sticky: 'unmodelled',
  servers: { type: { kind: 'list', of: SERVER } },
  strategy: str,
  healthcheck: 'unmodelled',
  passivehealthcheck: 'unmodelled',
  passhostheader: bool,
  responseforwarding: 'unmodelled',
  serverstransport: str,
});
const SERVICE = struct({
  loadbalancer: { type: LOAD_BALANCER },
  highestrandomweight: 'unmodelled',
  weighted: { type: struct({ services: { type: { kind: 'list', of: struct({ name: str, weight: int }) } }, sticky: 'unmodelled', healthcheck: 'unmodelled' }) },
  mirroring: 'unmodelled',
  failover: 'unmodelled',
});
const MIDDLEWARE = struct({ stripprefix: { type: struct({ prefixes: strings, forceslash: bool }) } });
const HTTP = struct({
  routers: { type: { kind: 'map', of: ROUTER } },
  services: { type: { kind: 'map', of: SERVICE } },
  middlewares: { type: { kind: 'map', of: MIDDLEWARE } },
  models: 'unmodelled',
  serverstransports: 'unmodelled',
});
const CONFIGURATION = struct({ http: { type: HTTP }, tcp: 'unmodelled', udp: 'unmodelled', tls: 'unmodelled' });

/** Where a decode fails the whole body, with paerser's words. */
export class DecodeError extends Error {}

type Value = string | boolean | number | Value[] | { [k: string]: Value };

function decode(type: Field, raw: unknown, name: string): Value {
  switch (type.kind) {
    case 'string':
      return String(raw);
    case 'bool':
      if (raw !== true && raw !== false && raw !== 'true' && raw !== 'false')
        throw new DecodeError(`${name}: strconv.ParseBool: parsing "${String(raw)}": invalid syntax`);
      return raw === true || raw === 'true';
    case 'int':
      if (!Number.isInteger(Number(raw))) throw new DecodeError(`${name}: strconv.ParseInt: invalid syntax`);
      return Number(raw);
    case 'list': {
      if (!Array.isArray(raw)) throw new DecodeError(`${name}: invalid configuration: the value must be a list instead of a string`);
      const of = type.of;
      if (of === 'scalar') return raw.map((v) => String(v));
      return raw.map((v, i) => decodeStruct(of, v, `${name}[${i}]`, true));
    }
    case 'map': {
      if (!isMap(raw) || Object.keys(raw).length === 0) throw new DecodeError(`${name} cannot be a standalone element (type map)`);
      const out: Record<string, Value> = {};
      // Entries are not checked for children: an empty entry is an empty struct.
      for (const [k, v] of Object.entries(raw)) if (v !== null) out[k] = decodeStruct(type.of, v, k, true);
      return out;
    }
    case 'struct':
      return decodeStruct(type, raw, name, false);
  }
}

function decodeStruct(type: Struct, raw: unknown, name: string, entry: boolean): Record<string, Value> {
  if (!isMap(raw)) {
    if (entry && (raw === '' || raw === undefined)) return {};
    throw new DecodeError(`${name} cannot be a standalone element (type struct)`);
  }
  const out: Record<string, Value> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null) continue; // decodeRaw: nil values are skipped
    const field = type.fields[key.toLowerCase()];
    if (field === undefined) throw new DecodeError(`field not found, node: ${key}`);
    if (field === 'unmodelled') throw new Error(`the model does not know ${name}.${key}: extend test/traefik/http-provider.ts from Traefik's source`);
    const sub = field.type;
    const standalone = (sub.kind === 'struct' || sub.kind === 'map') && (!isMap(value) || Object.keys(value).length === 0);
    if (standalone) {
      if (!field.allowEmpty) throw new DecodeError(`${key} cannot be a standalone element (type ${sub.kind})`);
      // allowEmpty: `{}` or "true" is an empty struct; another value disables it
      if (!isMap(value) && String(value).toLowerCase() !== 'true') continue;
      out[key.toLowerCase()] = {};
      continue;
    }
    out[key.toLowerCase()] = decode(sub, value, key);
  }
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface V3Router {
  name: string;
  rule: string;
  service: string;
  entrypoints: string[] | undefined;
  middlewares: string[];
  tls: { certresolver?: string } | undefined;
}

export interface V3Routed {
  name: string;
  /** Server URLs the request may go to; empty: Traefik answers an error (503 "no available server", or 500 "no servers in the pool" in older versions). */
  servers: string[];
  path: string;
  tls: boolean;
  certResolver: string | undefined;
  entrypoints: string[] | undefined;
}

export interface V3Provider {
  routers: Map<string, V3Router>;
  services: Map<string, string[]>;
  /** Per-router errors Traefik's runtime would report (the router is then not served). */
  errors: string[];
  route(request: Request): V3Routed | undefined;
}

/** decodeConfiguration, then routing. Throws DecodeError where Traefik fails the whole body. */
export function traefikV3Http(body: string): V3Provider {
  let data: unknown;
  try {
    data = parse(body);
  } catch (err) {
    throw new DecodeError(`yaml: ${(err as Error).message}`);
  }
  if (!isMap(data)) throw new DecodeError('yaml: cannot unmarshal into map[string]interface{}');
  // getRootFieldNames: only keys naming a root field are decoded
  const kept = Object.fromEntries(Object.entries(data).filter(([k, v]) => k.toLowerCase() in CONFIGURATION.fields && v !== null));
  const config = Object.keys(kept).length === 0 ? {} : decodeStruct(CONFIGURATION, kept, 'root', false);
  const http = (config.http ?? {}) as Record<string, Record<string, Record<string, Value>>>;
  const routers = new Map<string, V3Router>();
  const services = new Map<string, string[]>();
  const strip = new Map<string, string[]>();
  const errors: string[] = [];
  for (const [name, s] of Object.entries(http.services ?? {})) {
    const lb = s.loadbalancer as Record<string, Value> | undefined;
    const weighted = s.weighted as Record<string, Value> | undefined;
    if (lb && weighted) errors.push(`service "${name}@http": multi-types service not supported`);
    else if (lb)
      services.set(
        name,
        ((lb.servers ?? []) as Array<Record<string, Value>>).map((srv) => String(srv.url)),
      );
    // the model knows weighted services of no service only (what maracker writes)
    else if (weighted && ((weighted.services ?? []) as Value[]).length === 0) services.set(name, []);
    else errors.push(`the service "${name}@http" does not have any type defined`);
  }
  for (const [name, m] of Object.entries(http.middlewares ?? {})) {
    const sp = m.stripprefix as Record<string, Value> | undefined;
    if (sp) strip.set(name, (sp.prefixes ?? []) as string[]);
    else errors.push(`middleware "${name}@http" does not have any type defined`);
  }
  for (const [name, r] of Object.entries(http.routers ?? {})) {
    const router: V3Router = {
      name,
      rule: String(r.rule ?? ''),
      service: String(r.service ?? ''),
      entrypoints: r.entrypoints as string[] | undefined,
      middlewares: (r.middlewares ?? []) as string[],
      tls: r.tls as V3Router['tls'],
    };
    if (router.rule === '') errors.push(`router ${name}: no rule`);
    else if (!services.has(router.service)) errors.push(`router ${name}: the service "${router.service}@http" does not exist`);
    else if (router.middlewares.some((m) => !strip.has(m))) errors.push(`router ${name}: a middleware does not exist`);
    else routers.set(name, router);
  }
  return {
    routers,
    services,
    errors,
    route(request) {
      const match = [...routers.values()].sort((a, b) => b.rule.length - a.rule.length).find((r) => v2Matches(r.rule, request));
      if (!match) return undefined;
      const prefixes = match.middlewares.flatMap((m) => strip.get(m) ?? []);
      const prefix = prefixes.find((p) => request.path.startsWith(p));
      return {
        name: match.name,
        servers: services.get(match.service) ?? [],
        path: prefix !== undefined ? request.path.slice(prefix.length) || '/' : request.path,
        tls: match.tls !== undefined,
        certResolver: match.tls?.certresolver,
        entrypoints: match.entrypoints,
      };
    },
  };
}
