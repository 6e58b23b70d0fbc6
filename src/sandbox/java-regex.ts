// Whether java.util.regex.Pattern.compile would accept a pattern: Marathon validates LIKE and
// UNLIKE constraint values with it (SchedulingValidation: Try(Pattern.compile(p))). A small
// recursive-descent reader of Java's syntax (java.util.regex.Pattern's documented grammar);
// it answers only "compiles or not", and errs on the side of "compiles" for the rare
// constructs it does not know. Written for the sandbox alone: maracker's validator has its own,
// built differently, so that one cannot hide the other's mistake.

const FLAGS = new Set([...'idmsuxU']);
/** Letters that may follow a backslash (Pattern: "It is an error to use a backslash prior to any alphabetic character that does not denote an escaped construct"). */
const ESCAPE_LETTERS = new Set([...'tnrfaecxuDdSsWwHhVvRXNbBAGZzQEpPk']);

class Reader {
  pos = 0;
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(offset = 0): string {
    return this.s[this.pos + offset] ?? '';
  }
  take(): string {
    return this.s[this.pos++] ?? '';
  }
  fail(): never {
    throw new SyntaxError(`invalid Java regular expression at ${this.pos}`);
  }
}

/** One escape after the backslash (already taken); `inClass` allows fewer constructs. */
function readEscape(r: Reader): void {
  if (r.done) r.fail(); // a trailing backslash
  const c = r.take();
  if (/[0-9]/.test(c)) {
    if (c === '0' && !/[0-7]/.test(r.peek())) r.fail(); // \0 needs an octal digit
    return;
  }
  if (!/[A-Za-z]/.test(c)) return; // \. \\ \[ ... any non-letter is itself
  if (!ESCAPE_LETTERS.has(c)) r.fail();
  switch (c) {
    case 'c':
      if (r.done) r.fail();
      r.take();
      return;
    case 'x':
      if (r.peek() === '{') {
        r.take();
        let hex = '';
        while (!r.done && r.peek() !== '}') hex += r.take();
        if (r.take() !== '}' || !/^[0-9a-fA-F]+$/.test(hex) || parseInt(hex, 16) > 0x10ffff) r.fail();
        return;
      }
      for (let i = 0; i < 2; i++) if (!/[0-9a-fA-F]/.test(r.take())) r.fail();
      return;
    case 'u':
      for (let i = 0; i < 4; i++) if (!/[0-9a-fA-F]/.test(r.take())) r.fail();
      return;
    case 'p':
    case 'P':
    case 'N':
      if (r.peek() === '{') {
        while (!r.done && r.peek() !== '}') r.take();
        if (r.take() !== '}') r.fail();
      } else if (c === 'N' || r.done) r.fail();
      else r.take(); // \pL
      return;
    case 'k':
      if (r.take() !== '<') r.fail();
      if (!/[A-Za-z]/.test(r.peek())) r.fail();
      while (/[A-Za-z0-9]/.test(r.peek())) r.take();
      if (r.take() !== '>') r.fail();
      return;
    case 'Q':
      // quoted up to \E or the end
      while (!r.done && !(r.peek() === '\\' && r.peek(1) === 'E')) r.take();
      if (!r.done) r.pos += 2;
      return;
  }
}

/** A character class after its '['. */
function characterClass(r: Reader): void {
  if (r.peek() === '^') r.take();
  let first = true;
  for (;;) {
    if (r.done) r.fail(); // "Unclosed character class"
    const c = r.take();
    if (c === ']' && !first) return;
    first = false;
    if (c === '[') {
      characterClass(r);
      continue;
    }
    if (c === '&' && r.peek() === '&') {
      r.take();
      continue;
    }
    let single: string | undefined = c;
    if (c === '\\') {
      const at = r.pos;
      readEscape(r);
      const text = r.s.slice(at, r.pos);
      single = text.length === 1 && !/[A-Za-z0-9]/.test(text) ? text : /^[tnrfae]$/.test(text) ? text : undefined;
    }
    if (r.peek() === '-' && r.peek(1) !== ']' && r.peek(1) !== '' && single !== undefined) {
      r.take();
      let end: string | undefined = r.take();
      if (end === '[') r.fail();
      if (end === '\\') {
        const at = r.pos;
        readEscape(r);
        const text = r.s.slice(at, r.pos);
        end = text.length === 1 ? text : undefined;
      }
      if (end !== undefined && end < single) r.fail(); // "Illegal character range"
    }
  }
}

/** `{n}`, `{n,}`, `{n,m}` after '{'; false when it is not a repetition (Java then fails). */
function repetition(r: Reader): void {
  let min = '';
  while (/[0-9]/.test(r.peek())) min += r.take();
  if (min === '') r.fail(); // "Illegal repetition"
  let max: string | undefined;
  if (r.peek() === ',') {
    r.take();
    max = '';
    while (/[0-9]/.test(r.peek())) max += r.take();
  }
  if (r.take() !== '}') r.fail();
  if (max !== undefined && max !== '' && Number(max) < Number(min)) r.fail(); // "Illegal repetition range"
}

/** A group construct after '('; returns once its ')' is read, false for a pure flags group (no atom to repeat). */
function group(r: Reader): boolean {
  if (r.peek() === '?') {
    r.take();
    const c = r.take();
    if (c === ':' || c === '=' || c === '!' || c === '>') {
      // plain, look-ahead, atomic
    } else if (c === '<') {
      if (r.peek() === '=' || r.peek() === '!') r.take();
      else {
        if (!/[A-Za-z]/.test(r.peek())) r.fail();
        while (/[A-Za-z0-9]/.test(r.peek())) r.take();
        if (r.take() !== '>') r.fail();
      }
    } else {
      // inline flags: (?idmsuxU-idmsuxU) or (?idmsuxU-idmsuxU:X)
      r.pos--;
      while (FLAGS.has(r.peek()) || r.peek() === '-') r.take();
      const end = r.take();
      if (end === ')') return false;
      if (end !== ':') r.fail(); // "Unknown inline modifier"
    }
  }
  alternation(r, true);
  return true;
}

function alternation(r: Reader, inGroup: boolean): void {
  let canRepeat = false;
  for (;;) {
    if (r.done) {
      if (inGroup) r.fail(); // "Unclosed group"
      return;
    }
    const c = r.take();
    switch (c) {
      case ')':
        if (!inGroup) r.fail(); // "Unmatched closing ')'"
        return;
      case '|':
        canRepeat = false;
        continue;
      case '(':
        canRepeat = group(r);
        continue;
      case '[':
        characterClass(r);
        canRepeat = true;
        continue;
      case '\\': {
        const quoted = r.peek() === 'Q';
        readEscape(r);
        canRepeat = !quoted;
        continue;
      }
      case '*':
      case '+':
      case '?':
      case '{':
        if (!canRepeat) r.fail(); // "Dangling meta character"
        if (c === '{') repetition(r);
        if (r.peek() === '?' || r.peek() === '+') r.take(); // lazy, possessive
        canRepeat = false;
        continue;
      case '^':
      case '$':
        canRepeat = true; // Pattern.sequence applies closure() to anchors too: "^*" compiles
        continue;
      default:
        canRepeat = true;
    }
  }
}

export function javaRegexCompiles(pattern: string): boolean {
  try {
    alternation(new Reader(pattern), false);
    return true;
  } catch {
    return false;
  }
}
