// What an app takes from its image: `cpus`, `mem` and `disk` the spec leaves out, from the
// image's labels (docs/image-metadata.md), its HTTP port and health check when it declares
// none (image-http.ts), and optionally the digest its tag resolved to (--pin-images). Pure:
// the same app and the same image facts give the same app.
//
// An explicit value always wins, and an app whose values are all explicit needs no registry
// at all (needsImage answers undefined), unless its image is to be pinned.

import type { DerivedMetadata, MetadataProblem } from '../image/metadata.js';
import { specHash } from '../manifest/spec-hash.js';
import type { DesiredApp, ImageContribution } from '../model/desired.js';
import { LABEL_SPEC_HASH } from '../model/labels.js';
import { parseImageReference, pinnedReference } from '../registry/reference.js';
import { fillHttpDefaults, wantsHttpDefaults } from './image-http.js';

/** What was read of one image. */
export interface ImageFacts {
  digest: string;
  metadata: DerivedMetadata;
  /**
   * Why the image does not follow the label format (its errors, as `image check` prints them):
   * a label that is invalid gives nothing, and nothing is guessed in its place.
   */
  problems?: readonly string[];
}

/** The errors of an image's labels, as ImageFacts keeps them. */
export function labelErrors(problems: readonly MetadataProblem[]): string[] {
  return problems.filter((p) => p.severity === 'error').map((p) => p.message);
}

const RESOURCES = ['cpus', 'mem', 'disk'] as const;

/** What a spec gives to need no registry, as problems and status say it. */
export const NO_REGISTRY = 'a spec that gives cpus, mem, its ports and a health check needs no registry';

/** The Docker image of an app, if it runs one. */
export function imageOf(app: DesiredApp): string | undefined {
  const image = app.definition.container?.docker?.image;
  return typeof image === 'string' && image.length > 0 ? image : undefined;
}

/**
 * The image whose labels the app needs, or undefined: `cpus` or `mem` left out, ports or a
 * health check the image could give left out, or pinning. `disk` alone does not make an app
 * read its image (Marathon's 0 is what nearly every spec means); it is filled when the image
 * is read anyway. Ports and health checks do: whether an app gets them must not depend on
 * whether its spec happens to give `cpus` and `mem`.
 */
export function needsImage(app: DesiredApp, pin: boolean): string | undefined {
  const image = imageOf(app);
  if (image === undefined) return undefined;
  if (pin && !image.includes('@')) return image;
  const def = app.definition;
  return def.cpus === undefined || def.mem === undefined || wantsHttpDefaults(def) ? image : undefined;
}

/** The app with what its image gives filled in; its spec-hash label follows. */
export function fillFromImage(app: DesiredApp, facts: ImageFacts, pin: boolean): DesiredApp {
  const image = imageOf(app);
  if (image === undefined) return app;
  const filled: Record<string, string> = {};
  // Traefik routes an app with `expose`, which is all that gives it a public URL.
  const definition = fillHttpDefaults({ ...app.definition }, facts.metadata.http, app.url !== undefined || app.route !== undefined, filled);
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
  const contribution: ImageContribution = {
    reference: image,
    digest: facts.digest,
    filled,
    info,
    ...(facts.problems !== undefined && facts.problems.length > 0 ? { problems: facts.problems } : {}),
  };
  if (Object.keys(filled).length === 0) return { ...app, image: contribution };
  const hash = specHash(definition);
  definition.labels = { ...(definition.labels ?? {}), [LABEL_SPEC_HASH]: hash };
  return { ...app, definition, specHash: hash, image: contribution };
}
