import { describe, expect, it } from 'vitest';
import { followsFormat, imageMetadata, type MetadataProblem } from '../../src/image/metadata.js';

/** The labels of hbpmip/woken, as the 2017 report quotes them. */
const WOKEN_2017 = {
  'org.label-schema.schema-version': '1.0',
  'org.label-schema.license': 'Apache 2.0',
  'org.label-schema.name': 'woken',
  'org.label-schema.description': 'An orchestration platform for Docker containers running data mining algorithms',
  'org.label-schema.url': 'https://github.com/LREN-CHUV/woken',
  'org.label-schema.vcs-type': 'git',
  'org.label-schema.vcs-url': 'https://github.com/LREN-CHUV/woken',
  'org.label-schema.vendor': 'LREN CHUV',
  'org.label-schema.version': 'githash',
  'org.label-schema.docker.dockerfile': 'Dockerfile',
  'org.label-schema.memory-hint': '2048',
};

function only(problems: readonly MetadataProblem[]): Array<[string, string, string]> {
  return problems.map((p) => [p.severity, p.code, p.message]);
}

describe('imageMetadata: what the labels give', () => {
  it('reads the legacy Label Schema labels of the hospital images', () => {
    const { derived, problems } = imageMetadata(WOKEN_2017, ['8087/tcp']);
    expect(problems).toEqual([]);
    expect(derived).toEqual({
      info: {
        title: { value: 'woken', from: 'org.label-schema.name' },
        description: { value: 'An orchestration platform for Docker containers running data mining algorithms', from: 'org.label-schema.description' },
        url: { value: 'https://github.com/LREN-CHUV/woken', from: 'org.label-schema.url' },
        source: { value: 'https://github.com/LREN-CHUV/woken', from: 'org.label-schema.vcs-url' },
        version: { value: 'githash', from: 'org.label-schema.version' },
        licenses: { value: 'Apache 2.0', from: 'org.label-schema.license' },
        vendor: { value: 'LREN CHUV', from: 'org.label-schema.vendor' },
      },
      resources: { mem: { value: 2048, from: 'org.label-schema.memory-hint' } },
      http: { port: { value: 8087, from: 'ExposedPorts' } },
      ports: [{ port: 8087, protocol: 'tcp' }],
    });
  });

  it('prefers maracker hints, then OCI annotations, to Label Schema, and says what it ignored', () => {
    const { derived, problems } = imageMetadata(
      {
        ...WOKEN_2017,
        'org.opencontainers.image.title': 'Woken',
        'org.opencontainers.image.description': 'An orchestration platform for Docker containers running data mining algorithms',
        'org.maracker.resources.mem': '1Gi',
        'org.maracker.resources.cpus': '0.5',
        'org.maracker.resources.disk': '0',
      },
      [],
    );
    expect(derived.info.title).toEqual({ value: 'Woken', from: 'org.opencontainers.image.title' });
    expect(derived.info.description?.from).toBe('org.opencontainers.image.description');
    expect(derived.resources).toEqual({
      cpus: { value: 0.5, from: 'org.maracker.resources.cpus' },
      mem: { value: 1024, from: 'org.maracker.resources.mem' },
      disk: { value: 0, from: 'org.maracker.resources.disk' },
    });
    // Equal values are not reported; different ones are, as warnings.
    expect(only(problems)).toEqual([
      ['warning', 'shadowed', 'org.label-schema.name="woken": ignored: org.opencontainers.image.title="Woken" takes precedence'],
      ['warning', 'shadowed', 'org.label-schema.memory-hint="2048": ignored: org.maracker.resources.mem="1024" takes precedence'],
    ]);
    expect(followsFormat(problems)).toBe(true);
    expect(followsFormat(problems, true)).toBe(false);
  });

  it('reads every OCI annotation it knows', () => {
    const { derived, problems } = imageMetadata(
      {
        'org.opencontainers.image.title': 'Portal',
        'org.opencontainers.image.description': 'Line 1\nLine 2',
        'org.opencontainers.image.url': 'https://portal.example.org',
        'org.opencontainers.image.documentation': 'https://docs.example.org/portal',
        'org.opencontainers.image.source': 'https://github.com/example/portal',
        'org.opencontainers.image.revision': '0123abc',
        'org.opencontainers.image.version': '2.1.0',
        'org.opencontainers.image.created': '2024-05-01T12:00:00Z',
        'org.opencontainers.image.licenses': 'Apache-2.0',
        'org.opencontainers.image.vendor': 'CHUV',
        'org.opencontainers.image.authors': 'MIP team <mip@example.org>',
      },
      [],
    );
    expect(problems).toEqual([]);
    expect(Object.fromEntries(Object.entries(derived.info).map(([k, v]) => [k, v.value]))).toEqual({
      title: 'Portal',
      description: 'Line 1\nLine 2',
      url: 'https://portal.example.org',
      documentation: 'https://docs.example.org/portal',
      source: 'https://github.com/example/portal',
      revision: '0123abc',
      version: '2.1.0',
      created: '2024-05-01T12:00:00Z',
      licenses: 'Apache-2.0',
      vendor: 'CHUV',
      authors: 'MIP team <mip@example.org>',
    });
  });

  it('gives nothing for an image without labels or ports, and that is no problem', () => {
    expect(imageMetadata({}, [])).toEqual({ derived: { info: {}, resources: {}, http: {}, ports: [] }, problems: [] });
  });
});

describe('imageMetadata: the HTTP port and health check', () => {
  it.each([
    ['one exposed TCP port serves HTTP', {}, ['8080/tcp', '53/udp'], { port: { value: 8080, from: 'ExposedPorts' } }],
    ['a port without protocol is TCP', {}, ['3838'], { port: { value: 3838, from: 'ExposedPorts' } }],
    ['several TCP ports: nothing is guessed', {}, ['80/tcp', '443/tcp'], {}],
    ['no TCP port: none', {}, ['53/udp'], {}],
    ['the label chooses among several', { 'org.maracker.http.port': '80' }, ['80/tcp', '443/tcp'], { port: { value: 80, from: 'org.maracker.http.port' } }],
    [
      'a health path on the one exposed port',
      { 'org.maracker.health.path': '/health' },
      ['8080/tcp'],
      { port: { value: 8080, from: 'ExposedPorts' }, healthPath: { value: '/health', from: 'org.maracker.health.path' } },
    ],
  ])('%s', (_name, labels, ports, http) => {
    const result = imageMetadata(labels, ports);
    expect(result.problems).toEqual([]);
    expect(result.derived.http).toEqual(http);
  });

  it('sorts the exposed ports and drops duplicates', () => {
    expect(imageMetadata({}, ['443/tcp', '80', '80/tcp', '53/UDP']).derived.ports).toEqual([
      { port: 80, protocol: 'tcp' },
      { port: 443, protocol: 'tcp' },
      { port: 53, protocol: 'udp' },
    ]);
  });

  it.each([
    [
      'a health path without any port',
      { 'org.maracker.health.path': '/health' },
      [],
      [['error', 'no-http-port', 'org.maracker.health.path="/health": needs an HTTP port, and the image exposes no TCP port: set org.maracker.http.port']],
    ],
    [
      'a health path with several ports',
      { 'org.maracker.health.path': '/health' },
      ['80/tcp', '443/tcp'],
      [
        [
          'error',
          'no-http-port',
          'org.maracker.health.path="/health": needs an HTTP port, and the image exposes several TCP ports (80, 443): set org.maracker.http.port',
        ],
      ],
    ],
    [
      'a labelled port the image does not expose',
      { 'org.maracker.http.port': '8080' },
      ['80/tcp'],
      [['warning', 'not-exposed', 'org.maracker.http.port="8080": the image does not expose this port (it exposes 80/tcp)']],
    ],
    [
      'a broken port label is not replaced by the exposed port, and the health path says nothing more',
      { 'org.maracker.http.port': 'http', 'org.maracker.health.path': '/health' },
      ['80/tcp'],
      [['error', 'not-a-port', 'org.maracker.http.port="http": a port number: a whole number from 1 to 65535']],
    ],
    [
      'an ExposedPorts key Docker would never write',
      {},
      ['80/http', '0/tcp'],
      [
        ['warning', 'invalid-exposed-port', 'ExposedPorts="80/http": PORT or PORT/tcp, PORT/udp, PORT/sctp with a port from 1 to 65535: ignored'],
        ['warning', 'invalid-exposed-port', 'ExposedPorts="0/tcp": PORT or PORT/tcp, PORT/udp, PORT/sctp with a port from 1 to 65535: ignored'],
      ],
    ],
  ])('%s', (_name, labels, ports, expected) => {
    const result = imageMetadata(labels, ports);
    expect(only(result.problems)).toEqual(expected);
    expect(result.derived.http.healthPath).toBeUndefined();
  });
});

describe('imageMetadata: problems name the label, its value and the rule', () => {
  it.each([
    [
      { 'org.maracker.resources.mem': 'lots' },
      'error',
      'not-a-size',
      'org.maracker.resources.mem="lots": a size in MiB: a number (MiB), or a number with Ki, Mi, Gi or Ti (binary units), such as 512, 512Mi or 2Gi',
    ],
    [
      { 'org.maracker.resources.mem': '2GB' },
      'error',
      'ambiguous-unit',
      'org.maracker.resources.mem="2GB": unit "GB" is ambiguous (1000 or 1024?): a size in MiB: a number (MiB), or a number with Ki, Mi, Gi or Ti (binary units), such as 512, 512Mi or 2Gi',
    ],
    [{ 'org.maracker.resources.mem': '16' }, 'error', 'out-of-range', 'org.maracker.resources.mem="16": a size from 32 to 1048576 MiB (16 is 16 MiB)'],
    [
      { 'org.maracker.resources.cpus': '500m' },
      'error',
      'not-a-number',
      'org.maracker.resources.cpus="500m": a decimal number of CPUs, such as 0.5 or 2 (no unit)',
    ],
    [
      { 'org.maracker.resources.disk': '-1' },
      'error',
      'not-a-size',
      'org.maracker.resources.disk="-1": a size in MiB: a number (MiB), or a number with Ki, Mi, Gi or Ti (binary units), such as 512, 512Mi or 2Gi',
    ],
    [
      { 'org.label-schema.memory-hint': '2GB' },
      'error',
      'ambiguous-unit',
      'org.label-schema.memory-hint="2GB": unit "GB" is ambiguous (1000 or 1024?): a size in MiB: a number (MiB), or a number with Ki, Mi, Gi or Ti (binary units), such as 512, 512Mi or 2Gi',
    ],
    [{ 'org.label-schema.cpu-hint': 'two' }, 'error', 'not-a-number', 'org.label-schema.cpu-hint="two": a decimal number of CPUs, such as 0.5 or 2 (no unit)'],
    [
      { 'org.maracker.health.path': 'health' },
      'error',
      'not-a-path',
      'org.maracker.health.path="health": an absolute HTTP path starting with "/", such as /health',
    ],
    [
      { 'org.opencontainers.image.url': 'javascript:alert(1)' },
      'error',
      'unsupported-scheme',
      'org.opencontainers.image.url="javascript:alert(1)": an absolute https, http URL, not javascript:',
    ],
    [
      { 'org.opencontainers.image.source': 'github.com/a/b' },
      'error',
      'not-a-url',
      'org.opencontainers.image.source="github.com/a/b": an absolute https, http, git, ssh, git+ssh, git+https URL',
    ],
    [
      { 'org.opencontainers.image.created': 'yesterday' },
      'error',
      'not-a-date',
      'org.opencontainers.image.created="yesterday": an RFC 3339 date and time, such as 2024-05-01T12:00:00Z',
    ],
    [
      { 'org.opencontainers.image.title': 'two\nlines' },
      'error',
      'control-characters',
      'org.opencontainers.image.title="two\\nlines": one line of text, without control characters',
    ],
    [
      { 'org.label-schema.usage': '/usr/share/doc/README' },
      'error',
      'not-a-url',
      'org.label-schema.usage="/usr/share/doc/README": an http(s) URL (a path inside the image cannot be shown as a link)',
    ],
    [
      { 'org.maracker.resources.memory': '512' },
      'error',
      'unknown-label',
      'org.maracker.resources.memory="512": not a maracker label (known: org.maracker.resources.cpus, org.maracker.resources.mem, org.maracker.resources.disk, org.maracker.http.port, org.maracker.health.path)',
    ],
    [{ 'org.maracker.resources.mem': '' }, 'warning', 'empty', 'org.maracker.resources.mem="": empty: ignored'],
  ])('%j', (labels, severity, code, message) => {
    const { problems } = imageMetadata(labels, []);
    expect(only(problems)).toEqual([[severity, code, message]]);
    expect(problems[0]).toMatchObject({ label: Object.keys(labels)[0], value: Object.values(labels)[0] });
  });

  it('never falls back to a lower label when the higher one is invalid: the author meant the higher one', () => {
    const { derived, problems } = imageMetadata({ 'org.maracker.resources.mem': '2G', 'org.label-schema.memory-hint': '2048' }, []);
    expect(derived.resources.mem).toBeUndefined();
    expect(only(problems).map(([s, c]) => [s, c])).toEqual([
      ['error', 'ambiguous-unit'],
      ['warning', 'shadowed'],
    ]);
    expect(problems[1]?.message).toBe('org.label-schema.memory-hint="2048": ignored: org.maracker.resources.mem (invalid) takes precedence');
  });

  it('an invalid lower label under a valid higher one is only a warning', () => {
    const { derived, problems } = imageMetadata({ 'org.maracker.resources.mem': '512', 'org.label-schema.memory-hint': '2GB' }, []);
    expect(derived.resources.mem).toEqual({ value: 512, from: 'org.maracker.resources.mem' });
    expect(only(problems)).toEqual([
      [
        'warning',
        'ambiguous-unit',
        'org.label-schema.memory-hint="2GB": unit "GB" is ambiguous (1000 or 1024?): a size in MiB: a number (MiB), or a number with Ki, Mi, Gi or Ti (binary units), such as 512, 512Mi or 2Gi (ignored anyway: org.maracker.resources.mem="512" takes precedence)',
      ],
    ]);
  });

  it('an empty higher label is skipped, the next one is used', () => {
    const { derived, problems } = imageMetadata({ 'org.opencontainers.image.description': '', 'org.label-schema.description': 'Notebooks' }, []);
    expect(derived.info.description).toEqual({ value: 'Notebooks', from: 'org.label-schema.description' });
    expect(only(problems)).toEqual([['warning', 'empty', 'org.opencontainers.image.description="": empty: ignored']]);
  });

  it('reports every problem at once, in a stable order', () => {
    const { problems } = imageMetadata(
      { 'org.maracker.zzz': '1', 'org.maracker.resources.cpus': '0', 'org.opencontainers.image.url': 'x', 'org.maracker.aaa': '2' },
      [],
    );
    expect(problems.map((p) => p.label)).toEqual(['org.opencontainers.image.url', 'org.maracker.resources.cpus', 'org.maracker.aaa', 'org.maracker.zzz']);
    expect(followsFormat(problems)).toBe(false);
  });

  it('shortens a long value in the message but keeps it whole in the problem', () => {
    const long = 'x'.repeat(200);
    const [p] = imageMetadata({ 'org.maracker.resources.mem': long }, []).problems;
    expect(p?.value).toBe(long);
    expect(p?.message).toContain(`"${'x'.repeat(80)}…"`);
  });

  it('ignores labels of other vocabularies', () => {
    expect(imageMetadata({ maintainer: 'someone', 'com.example.anything': 'x', 'org.label-schema.schema-version': '1.0' }, []).problems).toEqual([]);
  });
});
