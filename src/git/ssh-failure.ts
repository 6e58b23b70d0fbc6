// Why a fetch over ssh failed, in the operator's words. git says the same for every ssh
// failure ("fatal: Could not read from remote repository."); what went wrong is in the
// lines ssh wrote before it: a host key not in --git-known-hosts, a host key that changed
// (perhaps someone in between), a key the server refuses, a key file ssh cannot use, a
// connection refused. Each has a different remedy, and one of them is a security warning,
// so each is named. ssh's own words are matched; of the rest, only the line right before git's
// generic one is shown (what the server said), as git shows its own line for other transports.

/** What ssh's lines (trimmed, in order) say went wrong; undefined when none is recognised. */
export function explainSshFailure(lines: readonly string[]): string | undefined {
  const find = (re: RegExp): RegExpExecArray | undefined => {
    for (const line of lines) {
      const m = re.exec(line);
      if (m) return m;
    }
    return undefined;
  };

  // The key first: with an unusable key ssh goes on without it and the server refuses,
  // which would otherwise read as a key the server does not know.
  const unreadable = find(/^Warning: Identity file (.+) not accessible: (.+?)\.?$/);
  if (unreadable) return `--git-ssh-key ${unreadable[1]} cannot be read (${unreadable[2]})`;
  const open = find(/^Permissions (0?\d{3,4}) for '(.+)' are too open\.?$/);
  if (open) return `--git-ssh-key ${open[2]} can be read by others (mode ${open[1]}), so ssh ignores it: make it readable by its owner only (chmod 600)`;
  const unloadable = find(/^Load key "(.+)": (.+)$/);
  if (unloadable) return `--git-ssh-key ${unloadable[1]} is not a private key ssh can use (${unloadable[2]})`;

  const changed = find(/^Host key for (\S+) has changed and you have requested strict checking\.?$/);
  if (changed || find(/REMOTE HOST IDENTIFICATION HAS CHANGED/)) {
    const host = changed?.[1] ?? 'the server';
    const print = find(/^(SHA256:[A-Za-z0-9+/=]+)\.?$/)?.[1];
    return (
      `the host key ${host} offered${print ? ` (${print})` : ''} is not the one --git-known-hosts has for it: refused, nothing fetched. ` +
      "Either the key was changed or someone is in between; replace the entry only once the new key is known to be the server's"
    );
  }
  const unknown = find(/^No (\S+) host key is known for (\S+) and you have requested strict checking\.?$/);
  if (unknown)
    return `the host key of ${unknown[2]} is not in --git-known-hosts: refused, nothing fetched (host keys are never accepted unseen; add the server's ${unknown[1]} key to that file)`;
  if (find(/^Host key verification failed\.?$/)) return "the server's host key could not be checked against --git-known-hosts: refused, nothing fetched";

  const denied = find(/^(\S+): Permission denied \((.+)\)\.?$/);
  if (denied) return `authentication refused: ${denied[1]} does not accept --git-ssh-key (it allows: ${denied[2]})`;

  const connect = find(/^ssh: connect to host (\S+) port (\d+): (.+)$/);
  if (connect) return `cannot connect to ${connect[1]} port ${connect[2]} (${connect[3]})`;
  const resolve = find(/^ssh: Could not resolve hostname (\S+?):? (.+)$/);
  if (resolve) return `cannot resolve ${resolve[1]} (${resolve[2]})`;
  const closed = find(/^(kex_exchange_identification: .+|Connection (closed|reset) by .+|Connection timed out during banner exchange)$/);
  if (closed) return `the ssh connection ended before git could run (${closed[1]})`;

  // Something else ssh or the server said (a forge's "ERROR: Repository not found."), when
  // git's only words are the generic ones: the line right before them.
  const generic = lines.findIndex((l) => /^fatal: Could not read from remote repository\.?$/.test(l));
  const before = lines.slice(0, Math.max(generic, 0)).filter((l) => !/^[@\s]*$/.test(l));
  if (generic > 0 && !before.some((l) => /^(fatal|error): /.test(l))) return before.at(-1);
  return undefined;
}
