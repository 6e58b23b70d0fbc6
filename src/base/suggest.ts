// "did you mean instances?": the closest candidate by edit distance, so that a typo in a
// field name is answered with the fix rather than with a list of every allowed field.

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(above + 1, (prev[j - 1] as number) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return prev[b.length] as number;
}

/**
 * The candidate closest to `word`, compared case-insensitively, when it is close enough to
 * be a plausible typo (at most 2 edits, and fewer than half the word); otherwise undefined.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(2, Math.ceil(word.length / 2) - 1);
  if (limit < 0) return undefined;
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: a long word (a hostile key of a
    // megabyte) is never compared character by character with every candidate.
    if (Math.abs(candidate.length - word.length) > limit) continue;
    const d = distance(w, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= limit ? best : undefined;
}
