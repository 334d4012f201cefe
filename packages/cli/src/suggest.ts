// "Did you mean …?" for mistyped commands and flags: the closest known name by edit distance
// (insertions, deletions, substitutions and swaps of two neighbours), when it is close enough.

/** Edit distance between `a` and `b`, counting a swap of two adjacent characters as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] ?? 0) + 1);
      }
      row[j] = best;
    }
  }
  return (d[a.length] as number[])[b.length] ?? 0;
}

/**
 * The candidate closest to `input` (case-insensitive), if it is within a third of the input's
 * length (at least 1, at most 3 edits), or if `input` is a prefix of exactly one candidate.
 */
export function closestName(input: string, candidates: readonly string[]): string | undefined {
  const wanted = input.toLowerCase();
  if (wanted === '') return undefined;
  const limit = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(wanted, name.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) {
      best = { name, distance };
    }
  }
  if (best !== undefined) return best.name;
  const prefixed = candidates.filter((name) => name.toLowerCase().startsWith(wanted));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** `; did you mean X?` when there is a close name, else ''. */
export function didYouMean(input: string, candidates: readonly string[], prefix = ''): string {
  const name = closestName(input, candidates);
  return name === undefined ? '' : `; did you mean ${prefix}${name}?`;
}
