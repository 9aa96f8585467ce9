/** Edit distance counting an adjacent transposition (`prot` → `port`) as one edit: typos are mostly those. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `input` when it is close enough to be a typo (case and `-`/`_` mix-ups are
 * free), else undefined. Longer words tolerate more edits.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const normalize = (s: string) => s.toLowerCase().replace(/-/g, '_');
  const wanted = normalize(input);
  const tolerance = wanted.length <= 4 ? 1 : wanted.length <= 10 ? 2 : 3;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const distance = editDistance(wanted, normalize(candidate));
    if (distance <= tolerance && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
