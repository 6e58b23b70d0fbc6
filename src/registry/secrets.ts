// The secrets a registry client holds (passwords, their basic-auth encodings, bearer
// tokens it was issued), so that any text a server sends back is redacted before it can
// reach an error message or a log line.

import { REDACTED } from '../secrets/url.js';

export class Secrets {
  readonly #values = new Set<string>();

  constructor(initial: Iterable<string> = []) {
    for (const s of initial) this.add(s);
  }

  add(secret: string): void {
    if (secret.length > 0) this.#values.add(secret);
  }

  redact(text: string): string {
    // Longest first, so a secret that contains another is replaced whole.
    let out = text;
    for (const secret of [...this.#values].sort((a, b) => b.length - a.length)) out = out.split(secret).join(REDACTED);
    return out;
  }
}
