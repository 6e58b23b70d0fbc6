// Would java.util.regex.Pattern.compile accept this pattern? Marathon refuses a LIKE or UNLIKE
// constraint whose value does not compile (SchedulingValidation.complyWithConstraintRules), so
// `maracker validate` must know, without a JVM. The pattern is rewritten into JavaScript's
// (lenient, Annex B) syntax, with Java's own constructs translated, and compiled by V8; the few
// Java errors that JavaScript would accept (an alphabetic escape Java does not know, a `{`
// that starts no repetition, an empty class) are looked for on the way. The sandbox has its own
// reader, built differently (a recursive descent), so that one cannot hide the other's mistake.

/** Escapes Java knows after a backslash; any other letter is an error ("Illegal/unsupported escape sequence"). */
const JAVA_ESCAPE_LETTERS = 'tnrfaecxuDdSsWwHhVvRXNbBAGZzQEpPk';
/** Java-only escapes, rewritten to something JavaScript accepts with the same syntax role. */
const REWRITE: Readonly<Record<string, string>> = { a: '\\x07', e: '\\x1b', A: '^', Z: '$', z: '$', G: '', h: '\\s', H: '\\S', R: '(?:\\r\\n|\\s)', X: '.' };

/** The JavaScript form of `pattern`, or undefined where Java itself would refuse it. */
function toJavaScript(pattern: string): string | undefined {
  let out = '';
  let i = 0;
  let inClass = false;
  let classStart = -1;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return undefined;
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const quoted = pattern.slice(i + 2, end < 0 ? undefined : end);
        out += quoted.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? pattern.length : end + 2;
        continue;
      }
      if (/[A-Za-z]/.test(next)) {
        if (!JAVA_ESCAPE_LETTERS.includes(next)) return undefined;
        if (next === 'x') {
          const braced = /^\{([0-9a-fA-F]+)\}/.exec(pattern.slice(i + 2));
          if (braced) {
            if (parseInt(braced[1] as string, 16) > 0x10ffff) return undefined;
            out += '.';
            i += 2 + braced[0].length;
            continue;
          }
          if (!/^[0-9a-fA-F]{2}/.test(pattern.slice(i + 2))) return undefined;
        }
        if (next === 'u' && !/^[0-9a-fA-F]{4}/.test(pattern.slice(i + 2))) return undefined;
        if (next === 'k') {
          const named = /^<[A-Za-z][A-Za-z0-9]*>/.exec(pattern.slice(i + 2));
          if (!named) return undefined;
          out += '.';
          i += 2 + named[0].length;
          continue;
        }
        if ((next === 'p' || next === 'P' || next === 'N') && pattern[i + 2] === '{') {
          const close = pattern.indexOf('}', i + 3);
          if (close < 0) return undefined;
          out += inClass ? 'a' : '.';
          i = close + 1;
          continue;
        }
        if (next === 'N') return undefined;
        if (next === 'c' && pattern[i + 2] === undefined) return undefined;
        const rewritten = REWRITE[next];
        out += rewritten !== undefined ? (inClass && /[()^$]/.test(rewritten) ? 'a' : rewritten) : `\\${next}`;
        i += 2;
        continue;
      }
      if (next === '0' && !/[0-7]/.test(pattern[i + 2] ?? '')) return undefined; // "Illegal octal escape sequence"
      out += /[0-9]/.test(next) || /[\\^$.*+?()[\]{}|/-]/.test(next) ? `\\${next}` : next;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === ']' && i > classStart + 1 && !(i === classStart + 2 && pattern[classStart + 1] === '^')) inClass = false;
      out += c === '[' ? '\\[' : c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      classStart = i;
      out += c;
      // a ']' right after '[' or '[^' is a literal in Java
      const literal = pattern[i + 1] === ']' ? 1 : pattern[i + 1] === '^' && pattern[i + 2] === ']' ? 2 : 0;
      if (literal > 0) {
        out += `${literal === 2 ? '^' : ''}\\]`;
        i += 1 + literal;
        classStart = -10; // the class is no longer empty
      } else i++;
      continue;
    }
    if (c === '{') {
      const repetition = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
      if (!repetition) return undefined; // "Illegal repetition"
      out += repetition[0];
      i += repetition[0].length;
      if (pattern[i] === '+') i++; // possessive
      continue;
    }
    if ((c === '*' || c === '+' || c === '?') && pattern[i + 1] === '+') {
      out += c; // possessive: the same match set for "does it compile"
      i += 2;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const flags = /^\(\?[idmsuxU]*(-[idmsuxU]*)?([:)])/.exec(pattern.slice(i));
      if (flags && flags[0] !== '(?:') {
        // inline flags: a pure flags group is nothing to JavaScript; "(?i:" is a group
        out += flags[2] === ':' ? '(?:' : '';
        i += flags[0].length;
        continue;
      }
      if (pattern[i + 2] === '>') {
        out += '(?:'; // atomic group
        i += 3;
        continue;
      }
    }
    if (c === '^' || c === '$') {
      out += `(?:${c})`; // Java lets an anchor be repeated ("^*"); JavaScript only a group
      i++;
      continue;
    }
    if (c === ']' || c === '}') {
      out += `\\${c}`;
      i++;
      continue;
    }
    out += c;
    i++;
  }
  if (inClass) return undefined; // "Unclosed character class"
  return out;
}

export function javaRegexCompiles(pattern: string): boolean {
  const js = toJavaScript(pattern);
  if (js === undefined) return false;
  try {
    new RegExp(js);
    return true;
  } catch {
    return false;
  }
}
