// Image references, parsed and normalised as Docker does (distribution/reference, its
// ParseNormalizedNamed and splitDockerDomain): `nginx` is docker.io/library/nginx:latest,
// `emilevauge/whoami` is docker.io/emilevauge/whoami:latest, `host:port/name` and
// `localhost/name` name their registry. Pure; an invalid reference is rejected with the
// rule it breaks.
//
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [domain "/"] path-component ["/" path-component]*
//   domain     := host [":" port]           host := domain-name | "[" IPv6 "]"
//   path-component := [a-z0-9]+ (separator [a-z0-9]+)*    separator := [_.] | "__" | "-"+
//   tag        := [\w][\w.-]{0,127}
//   digest     := algorithm ":" hex         (sha256, sha384, sha512; lowercase hex)

import { digestProblem } from './digest.js';
import { RegistryReferenceError } from './errors.js';

/** The registry Docker Hub's short names normalise to. */
export const DOCKER_HUB = 'docker.io';
/** The host that serves Docker Hub's registry API (docker.io itself only redirects). */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
/** Other names of Docker Hub, as found in references and in config.json keys. */
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export const DEFAULT_TAG = 'latest';
const MAX_PATH_LENGTH = 255;

export interface ImageReference {
  /** `docker.io`, `registry.example.com:5000`, `localhost`, `[::1]:5000`. */
  registry: string;
  /** `library/nginx`, `emilevauge/whoami`, `team/app`. */
  repository: string;
  /** The tag; `latest` when the reference names neither tag nor digest. */
  tag?: string;
  /** `sha256:…` when the reference pins one; it wins over the tag. */
  digest?: string;
}

const ANCHORED_IDENTIFIER = /^[a-f0-9]{64}$/;
const DOMAIN_NAME = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*$/;
const IPV6 = /^\[[a-fA-F0-9:]+\]$/;
const PORT = /^[0-9]+$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Parses and normalises `input`; throws RegistryReferenceError with the broken rule. */
export function parseImageReference(input: string): ImageReference {
  const fail = (reason: string): never => {
    throw new RegistryReferenceError(input, reason);
  };
  if (input.length === 0) fail('it is empty');
  if (ANCHORED_IDENTIFIER.test(input)) fail('a 64-digit hexadecimal image id is not a reference; name the repository');

  let name = input;
  let digest: string | undefined;
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
    const problem = digestProblem(digest);
    if (problem !== undefined) fail(`digest "${digest}" is invalid: ${problem}`);
  }

  let tag: string | undefined;
  const colon = name.indexOf(':', name.lastIndexOf('/') + 1);
  if (colon >= 0) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG.test(tag)) {
      fail(`tag "${tag}" is invalid: 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`);
    }
  }
  if (name.length === 0) fail('the repository name is empty');

  const { registry, path } = splitRegistry(name);
  const registryProblem = hostProblem(registry);
  if (registryProblem !== undefined) fail(`registry "${registry}" is invalid: ${registryProblem}`);
  const pathProblem = repositoryProblem(path);
  if (pathProblem !== undefined) fail(pathProblem);

  const ref: ImageReference = { registry, repository: path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  if (tag === undefined && digest === undefined) ref.tag = DEFAULT_TAG;
  return ref;
}

/**
 * Docker's rule for the first component: it names a registry when it is `localhost`, holds
 * a "." or a ":", or has an uppercase letter (repository paths are lowercase); otherwise
 * the whole name is a Docker Hub repository, with `library/` before a one-component name.
 */
function splitRegistry(name: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { registry: DOCKER_HUB, path: `library/${name}` };
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let registry: string;
  let path: string;
  if (first === 'localhost' || /[.:]/.test(first) || first !== first.toLowerCase()) {
    registry = first === 'index.docker.io' ? DOCKER_HUB : first;
    path = rest;
  } else {
    registry = DOCKER_HUB;
    path = name;
  }
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return { registry, path };
}

/** Why `hostPort` is not `host[:port]` as Docker accepts it, or undefined. */
export function hostProblem(hostPort: string): string | undefined {
  const { host, port } = splitHostPort(hostPort);
  if (port !== undefined && !PORT.test(port)) return `port "${port}" is not a number`;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port ${port} is not between 1 and 65535`;
  if (!DOMAIN_NAME.test(host) && !IPV6.test(host)) {
    return 'expected a host name (letters, digits, "-" inside, "." between labels), an IPv4 address or [IPv6], then an optional :port';
  }
  return undefined;
}

/** `registry.example.com:5000` → host and port; `[::1]:5000` keeps the brackets on the host. */
export function splitHostPort(hostPort: string): { host: string; port?: string } {
  const close = hostPort.startsWith('[') ? hostPort.indexOf(']') : -1;
  const colon = hostPort.indexOf(':', close + 1);
  if (colon < 0) return { host: hostPort };
  return { host: hostPort.slice(0, colon), port: hostPort.slice(colon + 1) };
}

function repositoryProblem(path: string): string | undefined {
  if (path.length > MAX_PATH_LENGTH) return `the repository name is ${path.length} characters long, at most ${MAX_PATH_LENGTH} are allowed`;
  for (const component of path.split('/')) {
    if (component.length === 0) return `repository "${path}" has an empty path component (a leading, trailing or double "/")`;
    if (PATH_COMPONENT.test(component)) continue;
    if (PATH_COMPONENT.test(component.toLowerCase())) return `repository name "${path}" must be lowercase`;
    return `repository path component "${component}" is invalid: lowercase letters and digits, separated by one ".", one or two "_", or any number of "-"`;
  }
  return undefined;
}

/** What the registry is asked for: the digest when pinned, else the tag. */
export function referenceTarget(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** `docker.io/library/nginx:latest`, `host:5000/team/app@sha256:…` (tag and digest when both). */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** The same image pinned to `digest`: `host/name@sha256:…`. */
export function pinnedReference(ref: ImageReference, digest: string): string {
  return `${ref.registry}/${ref.repository}@${digest}`;
}

/** The host:port whose /v2/ API serves `registry` (Docker Hub's is registry-1.docker.io). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/**
 * The registry a credential key names, as Docker reads config.json keys: a scheme and a
 * path are dropped (`https://index.docker.io/v1/` is Docker Hub), case is ignored, and
 * Docker Hub's several names are one.
 */
export function normaliseRegistryKey(key: string): string {
  let host = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = host.indexOf('/');
  if (slash >= 0) host = host.slice(0, slash);
  host = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}
