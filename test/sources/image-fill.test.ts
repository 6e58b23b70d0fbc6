import { describe, expect, it } from 'vitest';
import type { DerivedMetadata } from '../../src/image/metadata.js';
import { specHash } from '../../src/manifest/spec-hash.js';
import { fillFromImage, needsImage } from '../../src/sources/image-fill.js';
import { desiredApp } from '../helpers/builders.js';

const metadata: DerivedMetadata = {
  info: { description: { value: 'A demo web server', from: 'org.opencontainers.image.description' } },
  resources: {
    cpus: { value: 0.5, from: 'org.maracker.resources.cpus' },
    mem: { value: 1024, from: 'org.label-schema.memory-hint' },
    disk: { value: 100, from: 'org.maracker.resources.disk' },
  },
  http: {},
  ports: [],
};
const DIGEST = `sha256:${'a'.repeat(64)}`;
const withImage = (extra: Record<string, unknown> = {}) =>
  desiredApp({ cpus: undefined, mem: undefined, container: { type: 'DOCKER', docker: { image: 'registry.local:5000/demo/web:1.0' } }, ...extra });

describe('needsImage', () => {
  it('asks for the image of an app that leaves cpus or mem out, and for none otherwise', () => {
    expect(needsImage(withImage(), false)).toBe('registry.local:5000/demo/web:1.0');
    expect(needsImage(withImage({ cpus: 1 }), false)).toBe('registry.local:5000/demo/web:1.0');
    expect(needsImage(withImage({ cpus: 1, mem: 64 }), false)).toBeUndefined();
    expect(needsImage(desiredApp({ cpus: undefined, mem: undefined, container: undefined, cmd: 'sleep 1' }), false)).toBeUndefined();
  });

  it('asks for every tagged image when images are pinned, never for one already pinned by digest', () => {
    expect(needsImage(withImage({ cpus: 1, mem: 64 }), true)).toBe('registry.local:5000/demo/web:1.0');
    const pinned = withImage({ cpus: 1, mem: 64, container: { type: 'DOCKER', docker: { image: `registry.local:5000/demo/web@${DIGEST}` } } });
    expect(needsImage(pinned, true)).toBeUndefined();
  });
});

describe('fillFromImage', () => {
  it('fills what the spec leaves out from the labels, says which label gave what, and keeps what the spec gives', () => {
    const app = fillFromImage(withImage({ cpus: 2 }), { digest: DIGEST, metadata }, false);
    expect(app.definition).toMatchObject({ cpus: 2, mem: 1024, disk: 100 });
    expect(app.image).toEqual({
      reference: 'registry.local:5000/demo/web:1.0',
      digest: DIGEST,
      filled: { mem: 'org.label-schema.memory-hint', disk: 'org.maracker.resources.disk' },
      info: { description: 'A demo web server' },
    });
  });

  it('writes a spec hash of what it sends', () => {
    const app = fillFromImage(withImage(), { digest: DIGEST, metadata }, false);
    expect(app.specHash).toBe(specHash(app.definition));
    expect(app.definition.labels?.['maracker.spec-hash']).toBe(app.specHash);
    expect(app.specHash).not.toBe(withImage().specHash);
  });

  it('pins the tag to the digest read when asked', () => {
    const app = fillFromImage(withImage({ cpus: 1, mem: 64 }), { digest: DIGEST, metadata }, true);
    expect(app.definition.container?.docker?.image).toBe(`registry.local:5000/demo/web@${DIGEST}`);
    expect(app.image?.filled).toMatchObject({
      'container.docker.image': 'the digest of registry.local:5000/demo/web:1.0',
      disk: 'org.maracker.resources.disk',
    });
  });

  it('changes nothing the image does not give', () => {
    const bare: DerivedMetadata = { info: {}, resources: {}, http: {}, ports: [] };
    const app = fillFromImage(withImage(), { digest: DIGEST, metadata: bare }, false);
    expect(app.definition).toEqual(withImage().definition);
    expect(app.image?.filled).toEqual({});
  });
});
