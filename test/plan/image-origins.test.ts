// plan says where a value comes from when the app's image gave it: resources, and the HTTP
// port and health check of an app that declares none (docs/image-metadata.md).

import { describe, expect, it } from 'vitest';
import { imageMetadata } from '../../src/image/metadata.js';
import { planApp } from '../../src/plan/plan.js';
import { renderPlan } from '../../src/plan/render.js';
import { fillFromImage } from '../../src/sources/image-fill.js';
import { desiredApp, marathonApp, TEST_INSTALLATION } from '../helpers/builders.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;
/** /demo/web as a manifest that names only its image would declare it. */
const bare = () => desiredApp({ container: { type: 'DOCKER', docker: { image: 'nginx:1.25' } }, networks: undefined, healthChecks: undefined });
const filledBy = (labels: Record<string, string>, exposed: string[] = []) =>
  fillFromImage(bare(), { digest: DIGEST, metadata: imageMetadata(labels, exposed).derived }, false);

describe('changes of what the image gives', () => {
  it('name the label of the port and of the health check, down to the field that changed', () => {
    const desired = filledBy({ 'org.maracker.http.port': '8080', 'org.maracker.health.path': '/health' });
    const action = planApp(desired, marathonApp(), { installation: TEST_INSTALLATION });
    expect(action.kind).toBe('update');
    const changes = action.kind === 'update' ? action.changes : [];
    expect(changes).toContainEqual({ path: 'container.portMappings[0].containerPort', before: 80, after: 8080, origin: 'image label org.maracker.http.port' });
    expect(changes.find((c) => c.path === 'healthChecks')?.origin).toBe('image label org.maracker.health.path');
    for (const c of changes.filter((c) => c.path.startsWith('container.portMappings'))) expect(c.origin).toBe('image label org.maracker.http.port');
    expect(renderPlan({ actions: [action] })).toContain('container.portMappings[0].containerPort: 80 → 8080 (from image label org.maracker.http.port)');
  });

  it('say when the port is the one the image exposes', () => {
    const desired = filledBy({ 'org.maracker.health.path': '/health' }, ['8080/tcp']);
    const action = planApp(desired, marathonApp(), { installation: TEST_INSTALLATION });
    const change = action.kind === 'update' ? action.changes.find((c) => c.path === 'container.portMappings[0].containerPort') : undefined;
    expect(change?.origin).toBe("the image's one exposed port (ExposedPorts)");
  });

  it('are listed with their origin when the app is created', () => {
    const desired = filledBy({ 'org.maracker.http.port': '8080', 'org.maracker.health.path': '/health', 'org.maracker.resources.mem': '1Gi' });
    const text = renderPlan({ actions: [planApp({ ...desired, definition: { ...desired.definition, mem: undefined } }, undefined)] });
    expect(text).toContain('port: container port 8080 (from image label org.maracker.http.port)');
    expect(text).toContain('health check: HTTP /health on port index 0 (from image label org.maracker.health.path)');
  });
});
