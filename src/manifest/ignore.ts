// Which files of the manifests folder are manifests. Editors and downloads leave swap,
// backup and partial files next to the real ones; reading a half-written `web.yaml.swp` or
// `web.yaml~` as a manifest would apply a stale or broken copy. Shared with the folder
// watcher, so a scan and an event agree on what counts.

const IGNORED_NAME_PATTERNS: readonly RegExp[] = [
  /^\./, // dotfiles and dot-directories (.git, .#web.yaml emacs locks, .web.yaml.swp)
  /~$/, // emacs/vim backups
  /^#.*#$/, // emacs auto-save
  /\.(swp|swx|swo|tmp|bak|orig|part|crdownload)$/i,
  /^4913$/, // vim's probe file when it checks that a directory is writable
];

function segments(relPath: string): string[] {
  return relPath.split(/[\\/]+/).filter((s) => s.length > 0 && s !== '.');
}

/** True when a file or directory at this path (relative to the folder) is never a manifest. */
export function isIgnoredPath(relPath: string): boolean {
  return segments(relPath).some((seg) => IGNORED_NAME_PATTERNS.some((re) => re.test(seg)));
}

/** True for a manifest file: not ignored, and named *.yaml or *.yml. */
export function isManifestPath(relPath: string): boolean {
  return !isIgnoredPath(relPath) && /\.ya?ml$/.test(relPath);
}
