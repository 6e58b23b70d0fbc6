// Reading manifests and image indexes (OCI, and Docker's v2 manifests and manifest lists)
// from their bytes. Pure: checks the shape maracker relies on and throws ShapeError
// otherwise. Digests are checked by the caller, which knows which digest was asked for.

import { digestProblem } from './digest.js';
import { isObject } from '../model/json.js';
import { parseJsonObject, ShapeError } from './json.js';
import { bareMediaType, CONFIG_TYPES, IMAGE_MANIFEST_TYPES, INDEX_TYPES, MEDIA_TYPES, SCHEMA1_TYPES } from './media-types.js';
import type { Platform } from './platform.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

export type Manifest = { kind: 'index'; mediaType: string; manifests: Descriptor[] } | { kind: 'image'; mediaType: string; config: Descriptor };

/** Reads a manifest whose media type is the body's `mediaType`, else the Content-Type. */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined): Manifest {
  const body = parseJsonObject(bytes, 'the manifest');
  const declared = typeof body.mediaType === 'string' ? body.mediaType : undefined;
  const header = bareMediaType(contentType);
  const mediaType = declared ?? guessType(body, header);
  if (SCHEMA1_TYPES.has(mediaType) || body.schemaVersion === 1) {
    throw new ShapeError('a Docker schema 1 manifest, which maracker does not read (push the image again with a current Docker, BuildKit or skopeo)');
  }
  if (body.schemaVersion !== 2) throw new ShapeError(`schemaVersion is ${JSON.stringify(body.schemaVersion)}, expected 2`);
  if (INDEX_TYPES.has(mediaType)) {
    if (!Array.isArray(body.manifests)) throw new ShapeError('the image index has no `manifests` array');
    return { kind: 'index', mediaType, manifests: body.manifests.map((d, i) => descriptor(d, `manifests[${i}]`)) };
  }
  if (IMAGE_MANIFEST_TYPES.has(mediaType)) {
    const config = descriptor(body.config, 'config');
    if (!CONFIG_TYPES.has(config.mediaType)) {
      throw new ShapeError(`not a container image: its config has media type ${config.mediaType} (an artifact such as a Helm chart?)`);
    }
    return { kind: 'image', mediaType, config };
  }
  throw new ShapeError(`media type ${JSON.stringify(mediaType)} is neither an image manifest nor an image index`);
}

/**
 * An OCI manifest may leave out `mediaType`: then the Content-Type says, and failing that
 * the shape does (`manifests` for an index, `config` for an image manifest).
 */
function guessType(body: Record<string, unknown>, header: string | undefined): string {
  if (header !== undefined && (INDEX_TYPES.has(header) || IMAGE_MANIFEST_TYPES.has(header) || SCHEMA1_TYPES.has(header))) return header;
  if (Array.isArray(body.manifests)) return MEDIA_TYPES.ociIndex;
  if (isObject(body.config)) return MEDIA_TYPES.ociManifest;
  return header ?? 'none';
}

function descriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw new ShapeError(`${where} is not a descriptor object`);
  if (typeof value.mediaType !== 'string') throw new ShapeError(`${where} has no string \`mediaType\``);
  if (typeof value.digest !== 'string') throw new ShapeError(`${where} has no string \`digest\``);
  const problem = digestProblem(value.digest);
  if (problem !== undefined) throw new ShapeError(`${where}.digest ${JSON.stringify(value.digest)} is invalid: ${problem}`);
  if (typeof value.size !== 'number' || !Number.isSafeInteger(value.size) || value.size < 0) {
    throw new ShapeError(`${where}.size is not a whole number of bytes`);
  }
  const d: Descriptor = { mediaType: value.mediaType, digest: value.digest, size: value.size };
  if (value.platform !== undefined) d.platform = platform(value.platform, `${where}.platform`);
  return d;
}

function platform(value: unknown, where: string): Platform {
  if (!isObject(value) || typeof value.os !== 'string' || typeof value.architecture !== 'string') {
    throw new ShapeError(`${where} has no string \`os\` and \`architecture\``);
  }
  const p: Platform = { os: value.os, architecture: value.architecture };
  if (typeof value.variant === 'string' && value.variant !== '') p.variant = value.variant;
  return p;
}
