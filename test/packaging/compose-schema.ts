// Validates a parsed Compose file against the Compose Specification's JSON schema
// (test/fixtures/compose-spec/, a verbatim copy; see its README for origin and licence).
// The schema names four formats of its own, which Docker Compose implements in Go; they
// are registered here with the same meaning.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2019, type ErrorObject } from 'ajv/dist/2019.js';

const SCHEMA_FILE = fileURLToPath(new URL('../fixtures/compose-spec/compose-spec.json', import.meta.url));

/** A Go duration as Compose reads it: "10s", "1m30s", "250ms", "1.5h". */
const GO_DURATION = /^-?(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
/** A port or port range: "80", "8000-8010", "8080/udp". */
const EXPOSE = /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/;
/** A published port: [[host_ip:]host_port[-range]:]container_port[-range][/protocol]. */
const PORTS = /^(?:(?:\[[0-9a-fA-F:.]+\]|[0-9.]+|\$\{[^}]+\}):)?(?:(?:\d+(?:-\d+)?|\$\{[^}]+\})?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/;

/** A network's subnet in CIDR notation: "172.28.0.0/16", "2001:db8::/64". */
const SUBNET = /^(?:\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;

export interface SchemaProblem {
  path: string;
  message: string;
}

function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutIds(v)]),
  );
}

export function composeValidator(): (doc: unknown) => SchemaProblem[] {
  // Two spellings of the file that ajv refuses are set aside in memory, the file itself stays
  // verbatim: its draft is named "http://json-schema.org/draft/2019-09/schema#" (Ajv2019
  // validates with that very draft once the member is dropped), and it labels definitions
  // with draft-04 "id" members, which no $ref uses (they all point by JSON pointer).
  const { $schema: _draft, ...schema } = withoutIds(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))) as Record<string, unknown>;
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  ajv.addFormat('duration', GO_DURATION);
  ajv.addFormat('expose', EXPOSE);
  ajv.addFormat('ports', PORTS);
  ajv.addFormat('subnet_ip_address', SUBNET);
  const validate = ajv.compile(schema);
  return (doc) => {
    if (validate(doc)) return [];
    return (validate.errors ?? []).map((e: ErrorObject) => ({
      path: e.instancePath || '/',
      message: `${e.message ?? 'invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    }));
  };
}
