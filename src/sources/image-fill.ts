// What an app takes from its image: `cpus`, `mem` and `disk` the spec leaves out, from the
// image's labels (docs/image-metadata.md), and optionally the digest its tag resolved to
// (--pin-images). Pure: the same app and the same image facts give the same app.
//
// An explicit value always wins, and an app whose values are all explicit needs no registry
// at all (needsImage answers undefined), unless its image is to be pinned.

import type { DerivedMetadata } from '../image/metadata.js';
import { specHash } from '../manifest/spec-hash.js';
import type { DesiredApp, ImageContribution } from '../model/desired.js';
import { LABEL_SPEC_HASH } from '../model/labels.js';
import { parseImageReference, pinnedReference } from '../registry/reference.js';

/** What was read of one image. */
export interface ImageFacts {
  digest: string;
  metadata: DerivedMetadata;
}

const RESOURCES = ['cpus', 'mem', 'disk'] as const;

/** The Docker image of an app, if it runs one. */
export function imageOf(app: DesiredApp): string | undefined {
  const image = app.definition.container?.docker?.image;
  return typeof image === 'string' && image.length > 0 ? image : undefined;
}

/**
 * The image whose labels the app needs, or undefined: `cpus` or `mem` left out, or pinning.
 * `disk` alone does not make an app read its image (Marathon's 0 is what nearly every spec
 * means); it is filled when the image is read anyway.
 */
export function needsImage(app: DesiredApp, pin: boolean): string | undefined {
  const image = imageOf(app);
  if (image === undefined) return undefined;
  if (pin && !image.includes('@')) return image;
  return app.definition.cpus === undefined || app.definition.mem === undefined ? image : undefined;
}

/** The app with what its image gives filled in; its spec-hash label follows. */
export function fillFromImage(app: DesiredApp, facts: ImageFacts, pin: boolean): DesiredApp {
  const image = imageOf(app);
  if (image === undefined) return app;
  const definition = { ...app.definition };
  const filled: Record<string, string> = {};
  for (const field of RESOURCES) {
    const derived = facts.metadata.resources[field];
    if (definition[field] === undefined && derived !== undefined) {
      definition[field] = derived.value;
      filled[field] = derived.from;
    }
  }
  if (pin && !image.includes('@') && definition.container?.docker) {
    const pinned = pinnedReference(parseImageReference(image), facts.digest);
    definition.container = { ...definition.container, docker: { ...definition.container.docker, image: pinned } };
    filled['container.docker.image'] = `the digest of ${image}`;
  }
  const info: Record<string, string> = {};
  for (const [key, derived] of Object.entries(facts.metadata.info)) {
    if (derived !== undefined) info[key] = derived.value;
  }
  const contribution: ImageContribution = { reference: image, digest: facts.digest, filled, info };
  if (Object.keys(filled).length === 0) return { ...app, image: contribution };
  const hash = specHash(definition);
  definition.labels = { ...(definition.labels ?? {}), [LABEL_SPEC_HASH]: hash };
  return { ...app, definition, specHash: hash, image: contribution };
}
