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

const IMAGE = 'registry.local:5000/demo/web:1.0';
/** Everything the image could give, given by the spec. */
const complete = (image = IMAGE) => ({ cpus: 1, mem: 64, container: { type: 'DOCKER' as const, docker: { image }, portMappings: [{ containerPort: 80 }] } });

describe('needsImage', () => {
  it('asks for the image of an app that leaves cpus, mem, its ports or its health check out, and for none otherwise', () => {
    expect(needsImage(withImage(), false)).toBe(IMAGE);
    expect(needsImage(withImage({ cpus: 1 }), false)).toBe(IMAGE);
    // cpus and mem given, but no ports: the image's HTTP port would be the app's
    expect(needsImage(withImage({ cpus: 1, mem: 64 }), false)).toBe(IMAGE);
    expect(needsImage(withImage(complete()), false)).toBeUndefined();
    expect(needsImage(withImage({ ...complete(), healthChecks: undefined }), false)).toBe(IMAGE);
    // host networking and no ports: there is nothing the image could give but resources
    expect(needsImage(withImage({ cpus: 1, mem: 64, networks: [{ mode: 'host' }], healthChecks: undefined }), false)).toBeUndefined();
    expect(needsImage(desiredApp({ cpus: undefined, mem: undefined, container: undefined, cmd: 'sleep 1' }), false)).toBeUndefined();
  });

  it('asks for every tagged image when images are pinned, never for one already pinned by digest', () => {
    expect(needsImage(withImage(complete()), true)).toBe(IMAGE);
    const pinned = withImage(complete(`registry.local:5000/demo/web@${DIGEST}`));
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

  it('fills the HTTP port and health check of an app that declares none, with the spec hash of the result', () => {
    const http: DerivedMetadata['http'] = {
      port: { value: 8888, from: 'org.maracker.http.port' },
      healthPath: { value: '/api/status', from: 'org.maracker.health.path' },
    };
    const app = fillFromImage(withImage({ networks: undefined, healthChecks: undefined }), { digest: DIGEST, metadata: { ...metadata, http } }, true);
    expect(app.definition).toMatchObject({
      networks: [{ mode: 'container/bridge' }],
      container: { docker: { image: `registry.local:5000/demo/web@${DIGEST}` }, portMappings: [{ containerPort: 8888, hostPort: 0, name: 'default' }] },
      healthChecks: [{ protocol: 'HTTP', path: '/api/status', portIndex: 0 }],
    });
    expect(app.image?.filled).toMatchObject({
      networks: 'org.maracker.http.port',
      'container.portMappings': 'org.maracker.http.port',
      healthChecks: 'org.maracker.health.path',
    });
    expect(app.specHash).toBe(specHash(app.definition));
  });

  it('shows the errors of the labels that gave nothing', () => {
    const problems = ['org.maracker.http.port="eighty": a TCP port from 1 to 65535'];
    expect(fillFromImage(withImage(), { digest: DIGEST, metadata, problems }, false).image?.problems).toEqual(problems);
    expect(fillFromImage(withImage(), { digest: DIGEST, metadata, problems: [] }, false).image).not.toHaveProperty('problems');
  });

  it('changes nothing the image does not give', () => {
    const bare: DerivedMetadata = { info: {}, resources: {}, http: {}, ports: [] };
    const app = fillFromImage(withImage(), { digest: DIGEST, metadata: bare }, false);
    expect(app.definition).toEqual(withImage().definition);
    expect(app.image?.filled).toEqual({});
  });
});
