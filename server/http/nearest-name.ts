// "Did you mean ...?" for a property name the request reader ignored: the declared name nearest to
// it, when one is close enough to be a likely typo. Pure; names are compared without regard to case,
// as the reader matches them.

/**
 * The edit distance of two strings: insertions, deletions, substitutions and swaps of two adjacent
 * characters each count 1 (optimal string alignment), so `termDuraiton` is 1 from `termDuration`.
 * Compared as given (callers lower-case both).
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the dynamic-programming table: the swap looks two rows back.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * How far a name may be from a declared one and still be suggested: at most 2 edits, and at most a
 * third of the longer name, so that short names (`id`) are suggested only for another case.
 */
export function allowedDistance(a: string, b: string): number {
  return Math.min(2, Math.floor(Math.max(a.length, b.length) / 3));
}

/**
 * The declared name nearest to `sent` (case-insensitively) when it is close enough (allowedDistance),
 * else undefined; between names equally near, the first declared.
 */
export function nearestName(sent: string, declared: Iterable<string>): string | undefined {
  const folded = sent.toLowerCase();
  let found: string | undefined;
  let foundDistance = Number.POSITIVE_INFINITY;
  for (const name of declared) {
    const limit = allowedDistance(folded, name);
    // Lengths further apart than the limit cannot be within it: skips the table for long or odd names.
    if (Math.abs(folded.length - name.length) > limit) continue;
    const distance = editDistance(folded, name.toLowerCase());
    if (distance <= limit && distance < foundDistance) {
      found = name;
      foundDistance = distance;
    }
  }
  return found;
}
