// Builds manifest YAML text for tests: `manifestYaml({ name: 'web', instances: 2 })`.

export interface ManifestFields {
  name: string;
  group?: string;
  cmd?: string;
  image?: string;
  instances?: number;
  mem?: number;
  cpus?: number;
  adopt?: boolean;
  /** Extra spec lines, already indented by two spaces. */
  extra?: string;
}

export function manifestYaml(f: ManifestFields): string {
  return [
    'apiVersion: maracker/v1',
    'kind: App',
    'metadata:',
    `  name: ${f.name}`,
    ...(f.group ? [`  group: ${f.group}`] : []),
    ...(f.adopt ? ['  adopt: true'] : []),
    'spec:',
    ...(f.image ? [`  image: ${f.image}`] : [`  cmd: ${JSON.stringify(f.cmd ?? 'sleep 3600')}`]),
    `  instances: ${f.instances ?? 1}`,
    `  cpus: ${f.cpus ?? 0.1}`,
    `  mem: ${f.mem ?? 32}`,
    ...(f.extra ? [f.extra] : []),
    '',
  ].join('\n');
}

/** Several documents in one file. */
export function multiDoc(...docs: string[]): string {
  return docs.join('---\n');
}
