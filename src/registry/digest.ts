// Content digests (`sha256:<hex>`): checking their form and computing them. A registry is
// not trusted blindly: every manifest and config maracker reads is hashed and compared with
// the digest it was asked for or announced.

import { createHash } from 'node:crypto';

/** The algorithms go-digest registers (OCI image-spec "registered algorithms"), with their hex length. */
const HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** Docker's digest grammar: algorithm ":" hex, the algorithm made of components joined by + . - _ */
const DIGEST_FORM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** Why `text` is not a usable digest, or undefined when it is one. */
export function digestProblem(text: string): string | undefined {
  if (!DIGEST_FORM.test(text)) return 'expected ALGORITHM:HEX, e.g. sha256: followed by 64 hexadecimal digits';
  const colon = text.indexOf(':');
  const algorithm = text.slice(0, colon);
  const hex = text.slice(colon + 1);
  const length = HEX_LENGTH[algorithm];
  if (length === undefined) return `unsupported algorithm "${algorithm}" (supported: ${Object.keys(HEX_LENGTH).join(', ')})`;
  if (hex.length !== length) return `a ${algorithm} digest has ${length} hexadecimal digits, this one has ${hex.length}`;
  if (hex !== hex.toLowerCase()) return 'hexadecimal digits must be lowercase';
  return undefined;
}

export function isDigest(text: string): boolean {
  return digestProblem(text) === undefined;
}

/** The digest of `bytes` with the algorithm of `like` (default sha256). `like` must be a valid digest. */
export function digestOf(bytes: Uint8Array, like = 'sha256:'): string {
  const algorithm = like.slice(0, like.indexOf(':'));
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
