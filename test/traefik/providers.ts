// Models of what Traefik's Marathon provider makes of Marathon's apps, written from its source
// (reference/traefik/source, read only): v2.11.53 pkg/provider/marathon (config.go, label.go,
// marathon.go) with pkg/config/label and pkg/provider.BuildRouterConfiguration, and v1.7.34
// provider/marathon/config.go with provider/label (segment.go, names.go, label.go) and
// templates/marathon.tmpl. Each step names the function it follows. They answer one question:
// where does a request go (`route`), so tests prove labels route as intended, not merely that
// they are the labels we meant to write.

import type { MarathonApp, MarathonTask } from '../../src/model/marathon.js';

export interface ProviderSettings {
  /** exposedByDefault: true in both providers' defaults (marathon.go SetDefaults; v1.7 docs). */
  exposedByDefault: boolean;
}
export const DEFAULT_SETTINGS: ProviderSettings = { exposedByDefault: true };

export interface Request {
  host: string;
  path: string;
}

export interface Routed {
  /** Frontend (v1) or router (v2) name. */
  name: string;
  /** Server URLs the request may go to. */
  servers: string[];
  /** The path the server receives (strip-prefix middlewares applied). */
  path: string;
  tls: boolean;
  entrypoints: string[] | undefined;
}

export interface Provider {
  /** Names of the routers (v2) or frontends (v1) built. */
  names: string[];
  route(request: Request): Routed | undefined;
}

/** provider.Normalize (both versions): letter-and-digit runs joined by '-'. */
export function normalize(name: string): string {
  return name
    .split(/[^\p{L}\p{N}]+/u)
    .filter((s) => s.length > 0)
    .join('-');
}

const running = (app: MarathonApp): MarathonTask[] => (app.tasks ?? []).filter((t) => t.state === 'TASK_RUNNING');

/** getServerHost (both versions): the task's host, but its own IP on a container network. */
function serverHost(app: MarathonApp, task: MarathonTask): string {
  const networks = app.networks ?? [];
  const hostFlag = networks.length === 0 || networks[0]?.mode !== 'container';
  if (hostFlag) return String(task.host);
  const ips = (task['ipAddresses'] as Array<{ ipAddress: string }> | undefined) ?? [];
  if (ips.length !== 1) throw new Error(`task ${task.id}: ${ips.length} IP addresses`);
  return (ips[0] as { ipAddress: string }).ipAddress;
}

/** retrieveAvailablePorts (both versions): the task's host ports, else the app's port definitions. */
function availablePorts(app: MarathonApp, task: MarathonTask): number[] {
  if ((task.ports ?? []).length > 0) return task.ports as number[];
  return (app.portDefinitions ?? []).flatMap((p) => (p.port !== undefined ? [p.port] : []));
}

// ------------------------------------------------------------------------------------ v2.11

/** v2 processPorts: a number, "name:", "index:N", or nothing (the first port). */
function v2Port(app: MarathonApp, task: MarathonTask, serverPort: string): number {
  if (serverPort !== '' && !serverPort.startsWith('index:') && !serverPort.startsWith('name:')) {
    const port = Number.parseInt(serverPort, 10);
    if (!Number.isInteger(port) || String(port) !== serverPort.trim()) throw new Error(`strconv.Atoi: ${serverPort}`);
    if (port <= 0) throw new Error(`explicitly specified port ${port} must be greater than zero`);
    return port;
  }
  if (serverPort.startsWith('name:')) {
    const port = (app.portDefinitions ?? []).find((d) => (d.port ?? 0) > 0 && d.name === serverPort.slice(5))?.port;
    if (port === undefined) throw new Error(`no port with name ${serverPort.slice(5)}`);
    return port;
  }
  const ports = availablePorts(app, task);
  if (ports.length === 0) throw new Error('no port found');
  const index = serverPort.startsWith('index:') ? Number.parseInt(serverPort.slice(6), 10) : 0;
  if (!(index >= 0 && index <= ports.length - 1)) throw new Error(`index ${index} must be within range (0, ${ports.length - 1})`);
  return ports[index] as number;
}

interface V2Router {
  rule?: string;
  service?: string;
  entrypoints?: string[];
  tls?: boolean;
  middlewares?: string[];
}

/**
 * pkg/config/label.DecodeConfiguration for the fields maracker writes: unknown fields fail the
 * whole app (the decoder is strict), which is how a name containing '.' fails.
 */
function decodeV2(labels: Record<string, string>): { routers: Map<string, V2Router>; services: Map<string, string>; stripPrefixes: Map<string, string[]> } {
  const routers = new Map<string, V2Router>();
  const services = new Map<string, string>();
  const stripPrefixes = new Map<string, string[]>();
  for (const [key, value] of Object.entries(labels)) {
    if (!key.startsWith('traefik.http.')) continue;
    const parts = key.split('.').slice(2);
    const [kind, name, ...rest] = parts;
    const field = rest.join('.').toLowerCase();
    if (name === undefined) throw new Error(`field not found: ${key}`);
    if (kind === 'routers') {
      const router = routers.get(name) ?? {};
      routers.set(name, router);
      if (field === 'rule') router.rule = value;
      else if (field === 'service') router.service = value;
      else if (field === 'entrypoints') router.entrypoints = value.split(',').map((s) => s.trim());
      else if (field === 'tls') router.tls = value === 'true';
      else if (field === 'tls.certresolver') router.tls = true;
      else if (field === 'middlewares') router.middlewares = value.split(',').map((s) => s.trim());
      else throw new Error(`field not found, node: ${rest.join('.')}`);
    } else if (kind === 'services') {
      if (field === 'loadbalancer.server.port') services.set(name, value);
      else throw new Error(`field not found, node: ${rest.join('.')}`);
    } else if (kind === 'middlewares') {
      if (field === 'stripprefix.prefixes')
        stripPrefixes.set(
          name,
          value.split(',').map((s) => s.trim()),
        );
      else throw new Error(`field not found, node: ${rest.join('.')}`);
    } else throw new Error(`field not found, node: ${kind}`);
  }
  return { routers, services, stripPrefixes };
}

/** The v2 rule grammar maracker uses (and v3 shares for these matchers): Host(`…`), PathPrefix(`…`), ||, &&, parentheses. */
export function v2Matches(rule: string, request: Request): boolean {
  const tokens = rule.match(/Host\(`[^`]*`\)|PathPrefix\(`[^`]*`\)|\|\||&&|\(|\)|\S+/g) ?? [];
  let i = 0;
  const primary = (): boolean => {
    const t = tokens[i++];
    if (t === '(') {
      const v = or();
      if (tokens[i++] !== ')') throw new Error(`unbalanced rule ${rule}`);
      return v;
    }
    const host = /^Host\(`([^`]*)`\)$/.exec(t ?? '');
    if (host) return host[1]?.toLowerCase() === request.host.toLowerCase();
    const prefix = /^PathPrefix\(`([^`]*)`\)$/.exec(t ?? '');
    if (prefix) return request.path.startsWith(prefix[1] as string);
    throw new Error(`invalid rule token ${t} in ${rule}`);
  };
  const and = (): boolean => {
    let v = primary();
    while (tokens[i] === '&&') {
      i++;
      v = primary() && v;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (tokens[i] === '||') {
      i++;
      v = and() || v;
    }
    return v;
  };
  const result = or();
  if (i !== tokens.length) throw new Error(`trailing tokens in rule ${rule}`);
  return result;
}

/** pkg/provider/marathon buildConfiguration for the apps of a GET /v2/apps?embed=apps.tasks. */
export function traefikV2(apps: readonly MarathonApp[], settings: ProviderSettings = DEFAULT_SETTINGS): Provider {
  const routes: Array<{ name: string; router: Required<Pick<V2Router, 'rule'>> & V2Router; servers: string[]; strip: string[] }> = [];
  for (const app of apps) {
    const labels = app.labels ?? {};
    // label.go getConfiguration: traefik.enable over exposedByDefault
    const enable = labels['traefik.enable'] !== undefined ? labels['traefik.enable'] === 'true' : settings.exposedByDefault;
    if (!enable) continue;
    let conf: ReturnType<typeof decodeV2>;
    try {
      conf = decodeV2(labels);
    } catch {
      continue; // logger.Error(err); continue: the app is skipped
    }
    // buildServiceConfiguration: one default service named after the app when none is declared
    const serviceName = app.id.replace(/^\//, '').replaceAll('/', '_');
    if (conf.services.size === 0) conf.services.set(serviceName, '');
    const servers = new Map<string, string[]>();
    let failed = false;
    for (const [name, port] of conf.services) {
      const urls = running(app).flatMap((task) => {
        try {
          return [`http://${serverHost(app, task)}:${v2Port(app, task, port)}`];
        } catch {
          return []; // "Skip task"
        }
      });
      if (urls.length === 0) failed = true; // "no server for the service": the app is skipped
      servers.set(name, urls);
    }
    if (failed) continue;
    // BuildRouterConfiguration: a default router with the default rule, the only service
    if (conf.routers.size === 0) conf.routers.set(serviceName, { rule: `Host(\`${normalize(app.id)}\`)` });
    for (const [name, router] of conf.routers) {
      const rule = router.rule ?? `Host(\`${normalize(app.id)}\`)`;
      let service = router.service;
      if (service === undefined) {
        if (conf.services.size > 1) continue;
        service = [...conf.services.keys()][0] as string;
      }
      const strip = (router.middlewares ?? []).flatMap((m) => conf.stripPrefixes.get(m) ?? []);
      routes.push({ name, router: { ...router, rule }, servers: servers.get(service) ?? [], strip });
    }
  }
  return {
    names: routes.map((r) => r.name),
    route(request) {
      // default priority: the longest rule first
      const match = [...routes].sort((a, b) => b.router.rule.length - a.router.rule.length).find((r) => v2Matches(r.router.rule, request));
      if (!match) return undefined;
      const prefix = match.strip.find((p) => request.path.startsWith(p));
      return {
        name: match.name,
        servers: match.servers,
        path: prefix !== undefined ? request.path.slice(prefix.length) || '/' : request.path,
        tls: match.router.tls === true,
        entrypoints: match.router.entrypoints,
      };
    },
  };
}

// ------------------------------------------------------------------------------------ v1.7

/** segment.go SegmentPropertiesRegexp */
const SEGMENT = /^traefik\.(.+?)\.(port|portIndex|portName|weight|protocol|backend|frontend\.(.+))$/;

/** segment.go ExtractTraefikLabels with mergeDefault. */
export function v1Segments(labels: Record<string, string>): Map<string, Record<string, string>> {
  const segments = new Map<string, Record<string, string>>([['', {}]]);
  for (const [name, value] of Object.entries(labels)) {
    if (!name.startsWith('traefik.')) continue;
    const m = SEGMENT.exec(name);
    const skip = m === null || name.startsWith('traefik.frontend.') || name.startsWith('traefik.backend.');
    if (skip) (segments.get('') as Record<string, string>)[name] = value;
    else {
      const segment = m[1] as string;
      const props = segments.get(segment) ?? {};
      props[`traefik.${m[2] as string}`] = value;
      segments.set(segment, props);
    }
  }
  const defaults = segments.get('') as Record<string, string>;
  for (const [name, props] of segments) {
    if (name === '') continue;
    for (const [k, v] of Object.entries(defaults)) if (!(k in props)) props[k] = v;
  }
  if (segments.size > 1) segments.delete('');
  return segments;
}

/** config.go processPorts: traefik.port first (GetIntValue: 0 when it does not parse), else traefik.portIndex. */
function v1Port(app: MarathonApp, task: MarathonTask, props: Record<string, string>): number {
  if ('traefik.port' in props) {
    const parsed = Number.parseInt(props['traefik.port'] as string, 10);
    const port = String(parsed) === props['traefik.port'] ? parsed : 0;
    if (port <= 0) throw new Error(`explicitly specified port ${port} must be larger than zero`);
    return port;
  }
  const ports = availablePorts(app, task);
  if (ports.length === 0) throw new Error('no port found');
  const raw = props['traefik.portIndex'];
  const parsed = raw !== undefined ? Number.parseInt(raw, 10) : 0;
  const index = raw !== undefined && String(parsed) === raw ? parsed : 0;
  if (index < 0 || index > ports.length - 1) throw new Error(`index ${index} must be within range (0, ${ports.length - 1})`);
  return ports[index] as number;
}

/** basics.md rule syntax: "Host:a,b;PathPrefix:/p" (';' is AND, ',' is OR within a matcher). */
function v1Matches(rule: string, request: Request): { matches: boolean; strip?: string } {
  let strip: string | undefined;
  for (const part of rule.split(';')) {
    const [matcher, values] = [part.slice(0, part.indexOf(':')), part.slice(part.indexOf(':') + 1).split(',')];
    if (matcher === 'Host') {
      if (!values.some((h) => h.toLowerCase() === request.host.toLowerCase())) return { matches: false };
    } else if (matcher === 'PathPrefix' || matcher === 'PathPrefixStrip') {
      const prefix = values.find((p) => request.path.startsWith(p));
      if (prefix === undefined) return { matches: false };
      if (matcher === 'PathPrefixStrip') strip = prefix;
    } else throw new Error(`unknown matcher ${matcher} in ${rule}`);
  }
  return { matches: true, ...(strip !== undefined ? { strip } : {}) };
}

/**
 * provider/marathon buildConfigurationV2 and templates/marathon.tmpl. Apps are keyed by backend
 * name: a second segment with the same backend is linked to the first (its tasks join the
 * backend, its frontend is not rendered). Two rendered frontends with one name are a TOML
 * table defined twice: the whole configuration fails to load (thrown here).
 */
export function traefikV1(apps: readonly MarathonApp[], settings: ProviderSettings = DEFAULT_SETTINGS): Provider & { backends: Map<string, string[]> } {
  const byBackend = new Map<
    string,
    { app: MarathonApp; segment: string; props: Record<string, string>; linked: Array<{ app: MarathonApp; props: Record<string, string> }> }
  >();
  for (const app of apps) {
    const labels = app.labels ?? {};
    // label.IsEnabled
    const enable = labels['traefik.enable'] !== undefined ? labels['traefik.enable'] === 'true' : settings.exposedByDefault;
    if (!enable) continue;
    for (const [segment, props] of v1Segments(labels)) {
      const suffix = segment !== '' ? `-service-${normalize(segment)}` : '';
      const backend = props['traefik.backend'] !== undefined ? normalize(`backend${props['traefik.backend']}`) : normalize(`backend${app.id}${suffix}`);
      const base = byBackend.get(backend);
      if (base) base.linked.push({ app, props });
      else byBackend.set(backend, { app, segment, props, linked: [] });
    }
  }
  const frontends = new Map<string, { rule: string; backend: string; entrypoints: string[] | undefined }>();
  const backends = new Map<string, string[]>();
  for (const [backend, data] of byBackend) {
    const servers = [data, ...data.linked].flatMap(({ app, props }) =>
      running(app).flatMap((task) => {
        let port = '';
        try {
          port = String(v1Port(app, task, props));
        } catch {
          // getPort logs and returns "": the server URL has no port, so HTTP's default applies
        }
        return [`http://${serverHost(app, task)}:${port === '' ? '80' : port}`];
      }),
    );
    backends.set(backend, servers);
    const suffix = data.segment !== '' ? `-service-${normalize(data.segment)}` : '';
    const frontend = normalize(`frontend${data.app.id}${suffix}`);
    if (frontends.has(frontend)) throw new Error(`toml: table frontends."${frontend}" already exists`);
    // getFrontendRule: the label, else Host:<app id as a subdomain>
    const subdomain = data.app.id.replace(/^\//, '').replaceAll('/', '-');
    const rule =
      data.props['traefik.frontend.rule'] ?? (data.segment !== '' ? `Host:${normalize(data.segment).toLowerCase()}.${subdomain}` : `Host:${subdomain}`);
    const entry = data.props['traefik.frontend.entryPoints'];
    frontends.set(frontend, { rule, backend, entrypoints: entry !== undefined ? entry.split(',') : undefined });
  }
  return {
    names: [...frontends.keys()],
    backends,
    route(request) {
      const sorted = [...frontends.entries()].sort(([, a], [, b]) => b.rule.length - a.rule.length);
      for (const [name, f] of sorted) {
        const m = v1Matches(f.rule, request);
        if (!m.matches) continue;
        return {
          name,
          servers: backends.get(f.backend) ?? [],
          path: m.strip !== undefined ? request.path.slice(m.strip.length) || '/' : request.path,
          tls: false,
          entrypoints: f.entrypoints,
        };
      }
      return undefined;
    },
  };
}
