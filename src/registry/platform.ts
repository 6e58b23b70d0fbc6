// Platforms (`linux/amd64`, `linux/arm64/v8`) and the choice of one manifest from an image
// index. Names are normalised as containerd does (x86_64 is amd64, aarch64 is arm64, arm64
// without variant is arm64/v8), so an index entry matches however its builder spelt it.

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export const DEFAULT_PLATFORM: Readonly<Platform> = Object.freeze({ os: 'linux', architecture: 'amd64' });

const ARCH_ALIASES: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
};

/** The variant an architecture has when none is written. */
const DEFAULT_VARIANT: Readonly<Record<string, string>> = { arm64: 'v8', arm: 'v7', amd64: 'v1' };

const PART = /^[a-z0-9_.-]+$/;

/** `os/arch[/variant]`; throws TypeError with the expected form. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !PART.test(p))) {
    throw new TypeError(`Expected a platform as os/arch[/variant], such as linux/amd64 or linux/arm64/v8, got \`${text}\``);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** The same platform with containerd's spelling: architecture aliases resolved, the default variant written. */
export function normalisePlatform(p: Platform): Required<Platform> {
  const os = p.os.toLowerCase();
  const alias = p.architecture.toLowerCase();
  const architecture = ARCH_ALIASES[alias] ?? alias;
  let variant = (p.variant ?? '').toLowerCase();
  if (alias === 'armel' && variant === '') variant = 'v6';
  if (architecture === 'arm64' && variant === '8') variant = 'v8';
  if (variant === '') variant = DEFAULT_VARIANT[architecture] ?? '';
  return { os, architecture, variant };
}

export function platformMatches(candidate: Platform, wanted: Platform): boolean {
  const a = normalisePlatform(candidate);
  const b = normalisePlatform(wanted);
  return a.os === b.os && a.architecture === b.architecture && a.variant === b.variant;
}

/**
 * The first entry whose platform is `wanted`. Entries without a platform, and BuildKit's
 * attestation manifests (platform unknown/unknown), never match.
 */
export function selectPlatform<T extends { platform?: Platform }>(entries: readonly T[], wanted: Platform): T | undefined {
  return entries.find((e) => e.platform !== undefined && platformMatches(e.platform, wanted));
}
