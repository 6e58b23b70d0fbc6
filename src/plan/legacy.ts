// Pre-1.5 app JSON into the 1.5 form, the way Marathon migrates it on upgrade
// (AppNormalization.forDeprecated; mapping tables in docs-master/upgrade/network-api-migration.md):
//   container.docker.network BRIDGE        -> networks [{ mode: "container/bridge" }]
//   container.docker.network USER + ipAddress.networkName
//                                          -> networks [{ mode: "container", name }]
//   container.docker.network HOST          -> networks [{ mode: "host" }]
//   ipAddress (no docker network)          -> networks [{ mode: "container", name }], MESOS container
//   container.docker.portMappings          -> container.portMappings
//   ipAddress.discovery.ports              -> container.portMappings (MESOS containers)
//   ports [p, ...]                         -> portDefinitions [{ port: p }, ...]
//   uris [u, ...]                          -> fetch [{ uri: u }, ...]
// Pre-1.5 servers print both `ports` and `portDefinitions`, the latter mirroring service
// ports even in bridge mode; which of them applies is settled by the network mode later.
// Docker network NONE has no 1.5 equivalent; it is dropped, leaving the host default.

import { isObject } from './canonical.js';
import { BRIDGE_NETWORK, CONTAINER_NETWORK, HOST_NETWORK } from './defaults.js';

type Raw = Record<string, unknown>;

function nonEmptyArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0;
}

/** True when the definition uses any pre-1.5 networking, port or artifact field. */
export function isLegacy(def: Raw): boolean {
  if (def['ports'] != null || def['uris'] != null || def['ipAddress'] != null) return true;
  const container = def['container'];
  if (!isObject(container)) return false;
  const docker = container['docker'];
  return isObject(docker) && (docker['network'] != null || docker['portMappings'] != null);
}

function networksFrom(dockerNetwork: unknown, ipAddress: Raw | undefined): Raw[] | undefined {
  const name = typeof ipAddress?.['networkName'] === 'string' ? ipAddress['networkName'] : undefined;
  const container = (): Raw => (name !== undefined ? { mode: CONTAINER_NETWORK, name } : { mode: CONTAINER_NETWORK });
  switch (dockerNetwork) {
    case 'BRIDGE':
      return [{ mode: BRIDGE_NETWORK }];
    case 'USER':
      return [container()];
    case 'HOST':
      return [{ mode: HOST_NETWORK }];
    default:
      return ipAddress !== undefined ? [container()] : undefined;
  }
}

function migrateContainer(container: Raw | undefined, ipAddress: Raw | undefined): Raw | undefined {
  // "no container specified in JSON but ipAddress is ==> implies empty Mesos container"
  const base: Raw | undefined = container ?? (ipAddress !== undefined ? { type: 'MESOS' } : undefined);
  if (base === undefined) return undefined;
  const out: Raw = { ...base };
  const docker = isObject(base['docker']) ? (base['docker'] as Raw) : undefined;
  if (docker !== undefined) {
    const { network: _network, portMappings: dockerMappings, ...rest } = docker;
    out['docker'] = rest;
    if (!nonEmptyArray(out['portMappings']) && Array.isArray(dockerMappings)) out['portMappings'] = dockerMappings;
  }
  const discovery = isObject(ipAddress?.['discovery']) ? (ipAddress['discovery'] as Raw) : undefined;
  const discoveryPorts = discovery?.['ports'];
  if (!nonEmptyArray(out['portMappings']) && nonEmptyArray(discoveryPorts)) {
    out['portMappings'] = discoveryPorts.filter(isObject).map((p) => ({
      containerPort: p['number'] ?? 0,
      name: p['name'],
      protocol: p['protocol'],
      labels: p['labels'],
    }));
  }
  return out;
}

/** The 1.5 form of a definition; a definition already in that form is returned as is. */
export function migrateLegacy(def: Raw): Raw {
  if (!isLegacy(def)) return def;
  const { ports, uris, ipAddress: rawIp, ...out } = def;
  const ipAddress = isObject(rawIp) ? (rawIp as Raw) : undefined;
  const container = isObject(def['container']) ? (def['container'] as Raw) : undefined;
  const docker = isObject(container?.['docker']) ? (container['docker'] as Raw) : undefined;

  if (!nonEmptyArray(def['networks'])) {
    const networks = networksFrom(docker?.['network'], ipAddress);
    if (networks !== undefined) out['networks'] = networks;
  }
  const migrated = migrateContainer(container, ipAddress);
  if (migrated !== undefined) out['container'] = migrated;
  if (def['portDefinitions'] == null && Array.isArray(ports)) {
    out['portDefinitions'] = ports.map((port) => ({ port }));
  }
  if (!nonEmptyArray(def['fetch']) && nonEmptyArray(uris)) {
    out['fetch'] = uris.filter((u) => typeof u === 'string').map((uri) => ({ uri }));
  }
  return out;
}
