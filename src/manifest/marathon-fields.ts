// Which Marathon AppDefinition fields `spec.marathon` may carry. The list of AppDefinition
// fields is the union of the RAML type App (v2/types/app.raml) and the 1.7 JSON schema.
// A field the manifest format models must come from its modelled form only, otherwise two
// spellings of one field could disagree; schemas/app.schema.json refuses these keys under
// `marathon` (a `false` schema) and this table says what to write instead.

/** Modelled or server-owned AppDefinition fields, and what the user should write instead. */
export const MODELLED_MARATHON_FIELDS: Readonly<Record<string, string>> = {
  id: 'metadata.name and metadata.group',
  version: 'nothing: Marathon sets it, and sending it back would roll the app back',
  versionInfo: 'nothing: Marathon sets it',
  cmd: 'spec.cmd',
  args: 'spec.args',
  instances: 'spec.instances',
  cpus: 'spec.cpus',
  mem: 'spec.mem',
  disk: 'spec.disk',
  env: 'spec.env',
  labels: 'spec.labels or metadata.labels',
  container: 'spec.image, spec.docker and spec.volumes',
  networks: 'spec.network and spec.networkName',
  portDefinitions: 'spec.ports',
  ports: 'spec.ports',
  ipAddress: 'spec.network and spec.networkName',
  healthChecks: 'spec.healthChecks',
  constraints: 'spec.constraints',
  dependencies: 'spec.dependencies',
  upgradeStrategy: 'spec.upgradeStrategy',
  fetch: 'spec.fetch',
  uris: 'spec.fetch',
  user: 'spec.user',
};

/** AppDefinition fields the format does not model: allowed under spec.marathon. */
export const PASS_THROUGH_MARATHON_FIELDS: readonly string[] = [
  'acceptedResourceRoles',
  'backoffFactor',
  'backoffSeconds',
  'check',
  'executor',
  'executorResources',
  'gpus',
  'killSelection',
  'maxLaunchDelaySeconds',
  'readinessChecks',
  'requirePorts',
  'residency',
  'resourceLimits',
  'role',
  'secrets',
  'taskKillGracePeriodSeconds',
  'tty',
  'unreachableStrategy',
];

/** The advice for a modelled field written under spec.marathon, or for a Marathon name used in spec. */
export function modelledFieldAdvice(field: string): string | undefined {
  const instead = MODELLED_MARATHON_FIELDS[field];
  if (instead === undefined) return undefined;
  return instead.startsWith('nothing') ? `do not set it (${instead.slice('nothing: '.length)})` : `use ${instead} instead`;
}
