/**
 * "Did you mean …?" for names: the closest candidate by Damerau–Levenshtein distance (optimal
 * string alignment: insertions, deletions, substitutions and swaps of two adjacent characters
 * each cost 1), the measure of Python's `difflib`-style suggestions and of `git`'s "did you mean".
 *
 * @module
 */

/** The edit distance between `a` and `b` (optimal string alignment). O(|a|·|b|); names are short. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) { row.push(j); continue; }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/** Case, `_` and `-` do not count: `SECRET_KEY`, `secret-key` and `secretKey` are one name. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

/**
 * The candidate closest to `name`, or `undefined` when none is close: the distance (on names
 * without case, `_` and `-`) must be at most a third of the name's length, and at least 1 is
 * always allowed. Ties go to the earlier candidate.
 *
 * @param strip - a prefix shared by the name and every candidate (`PHIAL_`), ignored when measuring
 * @example closestName('APP_SECRET_KYE', ['APP_SECRET_KEY', 'APP_PORT'], 'APP_') // 'APP_SECRET_KEY'
 */
export function closestName(name: string, candidates: Iterable<string>, strip = ''): string | undefined {
  const cut = (s: string): string => normalise(s.startsWith(strip) ? s.slice(strip.length) : s);
  const target = cut(name);
  const limit = Math.max(1, Math.floor(target.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(target, cut(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= limit ? best : undefined;
}
