// What a .dockerignore keeps out of the build context, for static checks. Follows Docker's
// rules closely enough for an allow-list file: patterns are globs on slash-separated paths
// relative to the context (`*` and `?` stay within a path segment, `**` spans segments), a
// pattern that matches a folder excludes everything in it, `!` re-includes, and the last
// matching line wins.

interface Rule {
  negate: boolean;
  regex: RegExp;
}

function globToRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseDockerignore(text: string): Rule[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l)
        .trim()
        .replace(/^\/+|\/+$/g, '')
        .replace(/^\.\//, '');
      return { negate, regex: globToRegex(pattern) };
    });
}

/** True when `path` (relative to the context, slash-separated) is left out of the build context. */
export function isIgnored(rules: readonly Rule[], path: string): boolean {
  const clean = path.replace(/^\.\//, '').replace(/\/+$/, '');
  const segments = clean.split('/');
  // The path itself and each of its parent folders: excluding a folder excludes its content.
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.regex.test(c))) ignored = !rule.negate;
  }
  return ignored;
}
