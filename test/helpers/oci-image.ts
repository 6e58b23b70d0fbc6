// Container images built by the tests themselves, byte for byte: a config JSON with Labels
// and ExposedPorts, one empty gzip layer, a manifest, and for multi-platform images an image
// index. The same blobs feed the MockAgent registry of the unit tests and the OCI image
// layouts that skopeo pushes to the real registry. No Docker engine needed.

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

export function blob(mediaType: string, bytes: Buffer): Blob {
  return { mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length, bytes };
}

export function json(mediaType: string, value: unknown): Blob {
  return blob(mediaType, Buffer.from(JSON.stringify(value)));
}

export interface ImageSpec {
  labels?: Record<string, string>;
  exposedPorts?: string[];
  os?: string;
  architecture?: string;
  variant?: string;
}

export interface BuiltImage {
  config: Blob;
  layer: Blob;
  manifest: Blob;
  /** Every blob the image needs, manifest included. */
  blobs: Blob[];
}

/** An empty tar archive (two zero blocks), gzipped: a layer with no files. */
const EMPTY_TAR = Buffer.alloc(1024);

export function image(spec: ImageSpec = {}): BuiltImage {
  const layer = blob(OCI_LAYER, gzipSync(EMPTY_TAR));
  const diffId = `sha256:${createHash('sha256').update(EMPTY_TAR).digest('hex')}`;
  const configBody: Record<string, unknown> = {
    created: '2024-05-01T12:00:00Z',
    architecture: spec.architecture ?? 'amd64',
    os: spec.os ?? 'linux',
    config: {
      Labels: spec.labels ?? {},
      ExposedPorts: Object.fromEntries((spec.exposedPorts ?? []).map((p) => [p, {}])),
    },
    rootfs: { type: 'layers', diff_ids: [diffId] },
  };
  if (spec.variant !== undefined) configBody.variant = spec.variant;
  const config = json(OCI_CONFIG, configBody);
  const manifest = json(OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor(config),
    layers: [descriptor(layer)],
  });
  return { config, layer, manifest, blobs: [config, layer, manifest] };
}

export interface BuiltIndex {
  index: Blob;
  images: BuiltImage[];
  blobs: Blob[];
}

/** A multi-platform image: an OCI image index of one manifest per image, with its platform. */
export function imageIndex(specs: ImageSpec[]): BuiltIndex {
  const images = specs.map((s) => image(s));
  const index = json(OCI_INDEX, {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map((img, i) => ({
      ...descriptor(img.manifest),
      platform: {
        os: specs[i]?.os ?? 'linux',
        architecture: specs[i]?.architecture ?? 'amd64',
        ...(specs[i]?.variant === undefined ? {} : { variant: specs[i]?.variant }),
      },
    })),
  });
  return { index, images, blobs: [...images.flatMap((i) => i.blobs), index] };
}

export function descriptor(b: Blob): { mediaType: string; digest: string; size: number } {
  return { mediaType: b.mediaType, digest: b.digest, size: b.size };
}

/**
 * Writes an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`) holding `top`
 * (an image manifest or an index) under the tag `tag`, for `skopeo copy oci:DIR:TAG`.
 */
export async function writeOciLayout(dir: string, top: Blob, blobs: readonly Blob[], tag: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of blobs) await writeFile(join(dir, 'blobs', 'sha256', b.digest.slice('sha256:'.length)), b.bytes);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...descriptor(top), annotations: { 'org.opencontainers.image.ref.name': tag } }] }),
  );
}
