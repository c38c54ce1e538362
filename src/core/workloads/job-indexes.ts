/**
 * @module Index sets of Indexed Jobs as the API writes them (status.completedIndexes,
 * status.failedIndexes, successPolicy.rules[].succeededIndexes): ascending, comma-separated
 * intervals such as `1,3-5,7`.
 */

/** The indexes of `text` below `completions`, or undefined when it does not parse. */
export function parseIndexes(text: string, completions: number): Set<number> | undefined {
  const out = new Set<number>();
  if (text === '') return out;
  let last = -1;
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : from;
    if (to < from || from <= last || (completions > 0 && to >= completions)) return undefined;
    for (let i = from; i <= to; i++) out.add(i);
    last = to;
  }
  return out;
}

/** The canonical interval text of a set of indexes. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(',');
}
