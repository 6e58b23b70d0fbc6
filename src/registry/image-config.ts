// Reading an image config blob (OCI image config / Docker container image v1): its labels,
// exposed ports and platform. Pure; a wrong shape throws ShapeError.

import { isObject } from '../model/json.js';
import { parseJsonObject, ShapeError } from './json.js';
import type { Platform } from './platform.js';

export interface ImageConfig {
  labels: Record<string, string>;
  /** The keys of `config.ExposedPorts`: `80/tcp`, `53/udp`. */
  exposedPorts: string[];
  /** From `os`, `architecture`, `variant`; undefined when the config does not say. */
  platform?: Platform;
  /** `created`, as the config writes it. */
  created?: string;
}

export function parseImageConfig(bytes: Uint8Array): ImageConfig {
  const body = parseJsonObject(bytes, 'the image config');
  // `config` is optional in the OCI spec and null in some scratch images: no labels then.
  const config = body.config ?? {};
  if (!isObject(config)) throw new ShapeError('`config` of the image config is not an object');
  const labels: Record<string, string> = {};
  const rawLabels = config.Labels ?? {};
  if (!isObject(rawLabels)) throw new ShapeError('`config.Labels` is not an object');
  for (const [key, value] of Object.entries(rawLabels)) {
    if (typeof value !== 'string') throw new ShapeError(`label ${JSON.stringify(key)} is not a string`);
    labels[key] = value;
  }
  const rawPorts = config.ExposedPorts ?? {};
  if (!isObject(rawPorts)) throw new ShapeError('`config.ExposedPorts` is not an object');
  const result: ImageConfig = { labels, exposedPorts: Object.keys(rawPorts) };
  if (typeof body.os === 'string' && typeof body.architecture === 'string' && body.os !== '' && body.architecture !== '') {
    result.platform = { os: body.os, architecture: body.architecture };
    if (typeof body.variant === 'string' && body.variant !== '') result.platform.variant = body.variant;
  }
  if (typeof body.created === 'string') result.created = body.created;
  return result;
}
