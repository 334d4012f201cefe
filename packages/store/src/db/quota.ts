// The quota rule both databases share: which of the oldest blobs go so the rest fits.

/**
 * The ids, oldest first, whose sizes add up to at least `excess` (all of them if they do not).
 */
export function takeUntilUnder(
  oldest: readonly { id: string; size: number | null }[],
  excess: number,
): string[] {
  const ids: string[] = [];
  let freed = 0;
  for (const row of oldest) {
    if (freed >= excess) break;
    ids.push(row.id);
    freed += row.size ?? 0;
  }
  return ids;
}
