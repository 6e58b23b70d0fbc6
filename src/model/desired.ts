import type { AppId } from './app-id.js';
import type { MarathonAppDefinition } from './marathon.js';
import type { Route } from './route.js';

/** Where an app was declared. */
export type SourceRef =
  | {
      kind: 'file';
      /** Path relative to the manifests folder, with '/' separators. */
      path: string;
      /** 1-based position of the document that declares the app. */
      line?: number;
      column?: number;
      /** Git source: the commit that last changed the file (its manifest). */
      commit?: string;
    }
  | {
      kind: 'database';
      /** The row's primary key (the app id). */
      row: string;
    };

/**
 * One app as a source wants it: already translated to the Marathon definition maracker
 * would send (Traefik labels and ownership labels included), but not normalised.
 */
export interface DesiredApp {
  id: AppId;
  source: SourceRef;
  definition: MarathonAppDefinition;
  /** Public URL derived from `expose` (first host, path prefix, scheme from TLS). */
  url?: string;
  /** Every host and path prefix `expose` routes to the app (src/reconcile/route-clash.ts). */
  exposes?: readonly ExposedRoute[];
  /**
   * The route maracker serves to Traefik v3 for this app (`--traefik v3` and `expose` only;
   * with v1/v2 the route is in the labels instead). Not part of the spec hash: a route change
   * reaches Traefik without restarting the app.
   */
  route?: Route;
  /** Hash written to the spec-hash label; excludes `instances`. */
  specHash: string;
  /** The manifest explicitly asks to take over an existing app that maracker does not own. */
  adopt: boolean;
  /**
   * What the image's labels gave (src/sources/image-fill.ts): the definition fields filled from
   * them, each with the label it came from, the image's description and links, and the digest
   * read. Absent for an app that needed nothing from its image.
   */
  image?: ImageContribution;
}

/**
 * What `Derived.from` and `ImageContribution.filled` say of a value no label gave: the HTTP
 * port of an image that exposes one TCP port (docs/image-metadata.md).
 */
export const FROM_EXPOSED_PORTS = 'ExposedPorts';

export interface ImageContribution {
  /** The image as the spec names it. */
  reference: string;
  /** The digest it resolved to when read. */
  digest: string;
  /** Definition fields filled from labels (`mem` → `org.maracker.resources.mem`), or FROM_EXPOSED_PORTS. */
  filled: Readonly<Record<string, string>>;
  /** What the image says it is: title, description, documentation, source, url, version, licenses, ... */
  info: Readonly<Record<string, string>>;
  /** The image's label errors (`org.maracker.http.port="eighty": ...`): those labels gave nothing. */
  problems?: readonly string[];
}

/** One host and path prefix an app is routed at: lowercase host, path without a trailing `/` ('' for all). */
export interface ExposedRoute {
  host: string;
  path: string;
}

export function describeSource(source: SourceRef): string {
  if (source.kind === 'file') {
    return source.line !== undefined ? `${source.path}:${source.line}` : source.path;
  }
  return `database row ${source.row}`;
}

/** A commit as status shows it (git source). */
export interface GitCommit {
  hash: string;
  subject: string;
  /** "Name <email>". */
  author: string;
  /** Author date, ISO 8601. */
  time: string;
}
