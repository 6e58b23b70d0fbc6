import { describe, expect, it } from 'vitest';
import { renderCheckText, renderInspectText, summarise, type CheckResult } from '../../src/cli/image-report.js';
import { imageMetadata } from '../../src/image/metadata.js';
import type { ImageInspection } from '../../src/registry/client.js';

function inspection(overrides: Partial<ImageInspection> = {}): ImageInspection {
  return {
    reference: 'registry.example.com/lab/app:1.0',
    registry: 'registry.example.com',
    repository: 'lab/app',
    tag: '1.0',
    digest: 'sha256:index',
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifestDigest: 'sha256:amd64',
    platform: { os: 'linux', architecture: 'amd64' },
    configDigest: 'sha256:config',
    labels: {},
    exposedPorts: [],
    ...overrides,
  };
}

describe('image inspect as text', () => {
  it('shows the platform manifest of an index, labels quoted when they hold line breaks, and what is derived from where', () => {
    const labels = { 'org.opencontainers.image.description': 'two\nlines', 'org.maracker.resources.mem': '1Gi' };
    const image = inspection({ labels, exposedPorts: ['80/tcp'] });
    expect(renderInspectText(image, imageMetadata(labels, image.exposedPorts))).toBe(
      [
        'Image     registry.example.com/lab/app:1.0',
        'Digest    sha256:index',
        'Manifest  sha256:amd64 (for linux/amd64)',
        'Platform  linux/amd64',
        'Config    sha256:config',
        '',
        'Labels (2)',
        '  org.maracker.resources.mem            1Gi',
        '  org.opencontainers.image.description  "two\\nlines"',
        '',
        'Exposed ports: 80/tcp',
        '',
        'What maracker derives',
        '  mem          1024 MiB      from org.maracker.resources.mem',
        '  http port    80            from ExposedPorts',
        '  description  "two\\nlines"  from org.opencontainers.image.description',
        '',
        'Problems (0)',
        '  none: the image follows the format (docs/image-metadata.md)',
        '',
      ].join('\n'),
    );
  });

  it('says when there is nothing at all', () => {
    const text = renderInspectText(inspection({ manifestDigest: 'sha256:index' }), imageMetadata({}, []));
    expect(text).not.toContain('Manifest');
    expect(text).toContain('Labels (0)\n  none\n');
    expect(text).toContain('Exposed ports: none');
    expect(text).toContain('What maracker derives\n  nothing\n');
  });
});

describe('image check as text', () => {
  const results: CheckResult[] = [
    { image: 'a', reference: 'docker.io/library/a:latest', digest: 'sha256:a', follows: true, problems: [] },
    {
      image: 'b',
      reference: 'docker.io/library/b:latest',
      digest: 'sha256:b',
      follows: false,
      problems: imageMetadata({ 'org.maracker.resources.cpus': 'x', 'org.maracker.resources.mem': '' }, []).problems,
    },
    { image: 'C', follows: false, invalidReference: 'invalid image reference "C": repository name "library/C" must be lowercase' },
    { image: 'd', follows: false, error: { code: 'MRK_REGISTRY_NOT_FOUND', message: 'docker.io/library/d:latest (manifest, HTTP 404): not found' } },
  ];

  it('puts one line per image and a summary on stdout, every problem on stderr, prefixed with its image', () => {
    expect(renderCheckText(results)).toEqual({
      stdout: [
        'a: follows the format',
        'b: does not follow the format (1 error, 1 warning)',
        'C: invalid reference',
        'd: cannot be read',
        '4 images: 1 follow the format, 2 do not, 1 cannot be read',
        '',
      ].join('\n'),
      stderr: [
        'b: error: org.maracker.resources.cpus="x": a decimal number of CPUs, such as 0.5 or 2 (no unit)',
        'b: warning: org.maracker.resources.mem="": empty: ignored',
        'C: invalid image reference "C": repository name "library/C" must be lowercase',
        'd: docker.io/library/d:latest (manifest, HTTP 404): not found [MRK_REGISTRY_NOT_FOUND]',
        '',
      ].join('\n'),
    });
    expect(summarise(results)).toEqual({ total: 4, follow: 1, notFollow: 2, unreadable: 1 });
  });
});
