// WWW-Authenticate challenges (RFC 7235), as registries send them on a 401:
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"
//   Basic realm="Registry Realm"
// Pure. Unknown schemes are kept, so the caller can say which one it cannot answer.

export interface Challenge {
  /** Lowercase: `bearer`, `basic`, ... */
  scheme: string;
  /** Parameter names lowercase, values unquoted. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const TOKEN68 = /[A-Za-z0-9._~+/-]+=*/y;

/** Every challenge in the header values (a header may hold several, and may repeat). */
export function parseChallenges(values: readonly string[]): Challenge[] {
  const challenges: Challenge[] = [];
  for (const value of values) challenges.push(...parseOne(value));
  return challenges;
}

function parseOne(text: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const skip = (chars: string): void => {
    while (i < text.length && chars.includes(text[i] as string)) i++;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(text);
    if (!m) return undefined;
    i = TOKEN.lastIndex;
    return m[0];
  };
  /** Whether a `name=` starts at the current position (a parameter, not the next scheme). */
  const paramAhead = (): boolean => {
    const save = i;
    const name = token();
    skip(' \t');
    const result = name !== undefined && text[i] === '=';
    i = save;
    return result;
  };

  while (i < text.length) {
    skip(' \t,');
    const scheme = token();
    if (scheme === undefined) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    skip(' \t');
    if (!paramAhead()) {
      // A token68 (not used by registries), or nothing: the next challenge follows.
      TOKEN68.lastIndex = i;
      if (TOKEN68.exec(text)) i = TOKEN68.lastIndex;
      continue;
    }
    while (i < text.length && paramAhead()) {
      const name = (token() as string).toLowerCase();
      skip(' \t');
      i++; // '='
      skip(' \t');
      let value: string;
      if (text[i] === '"') {
        value = '';
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          value += text[i];
          i++;
        }
        i++; // closing quote
      } else {
        // RFC 7235 wants a token here; servers also send bare URLs, so read up to , or space.
        const start = i;
        while (i < text.length && !', \t'.includes(text[i] as string)) i++;
        value = text.slice(start, i);
      }
      challenge.params[name] = value;
      skip(' \t');
      if (text[i] !== ',') break;
      i++;
      skip(' \t,');
    }
  }
  return out;
}
