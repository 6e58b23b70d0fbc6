// Building `label=` selectors for GET /v2/apps.
//
// Marathon's grammar (LabelSelectorParsers.scala, Marathon 1.x):
//   query    := selector { "," selector }            (all must match: AND)
//   selector := term ("==" | "!=") term              equality
//             | term ("in" | "notin") "(" term { "," term } ")"   set
//             | term                                 existence
//   term     := ( "\" anychar | [-A-Za-z0-9_.] )+    a backslash escapes any other character
// Whitespace between tokens is skipped. A query that does not parse is a 422
// ("Can not parse label selector ..."), so the selector is built here rather than by hand.
// Older servers (0.x) used a looser grammar without escapes; terms made only of
// [-A-Za-z0-9_.] mean the same in both, which is why maracker's own labels stay in it.

const PLAIN = /^[-A-Za-z0-9_.]+$/;

/** A label key or value as a selector term: unchanged when plain, backslash-escaped otherwise. */
export function selectorTerm(text: string): string {
  if (typeof text !== 'string' || text.length === 0) {
    throw new TypeError('Expected a non-empty label key or value: Marathon selectors cannot match empty terms');
  }
  if (/[\r\n]/.test(text)) throw new TypeError('Expected a label key or value without line breaks');
  if (PLAIN.test(text)) return text;
  return text.replace(/[^-A-Za-z0-9_.]/g, (c) => `\\${c}`);
}

export function labelEquals(key: string, value: string): string {
  return `${selectorTerm(key)}==${selectorTerm(value)}`;
}

export function labelNotEquals(key: string, value: string): string {
  return `${selectorTerm(key)}!=${selectorTerm(value)}`;
}

export function labelExists(key: string): string {
  return selectorTerm(key);
}

export function labelIn(key: string, values: string[]): string {
  if (values.length === 0) throw new TypeError('Expected at least one value for an `in` selector');
  return `${selectorTerm(key)} in (${values.map(selectorTerm).join(',')})`;
}

/** All selectors must match. */
export function allOf(...selectors: string[]): string {
  return selectors.join(',');
}
