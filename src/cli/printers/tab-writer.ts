/**
 * @module Go's text/tabwriter column algorithm, which kubectl prints through: cells end at tabs,
 * a column's width is set per block of consecutive lines that have a cell in that column, and a
 * line with fewer cells ends the block. Reproducing it (not just "pad to the widest") is what
 * makes describe's alignment match kubectl's.
 */

function width(text: string): number {
  return [...text].length;
}

/** Formats `text` (lines of tab-separated cells) with `padding` spaces after each column. */
export function tabwrite(text: string, padding: number): string {
  const rawLines = text.split('\n');
  const trailingNewline = rawLines.at(-1) === '';
  if (trailingNewline) rawLines.pop();
  const lines = rawLines.map((l) => l.split('\t'));
  const out: string[] = lines.map(() => '');
  const widths: number[] = [];

  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const cells = lines[i];
      let s = '';
      for (let j = 0; j < cells.length; j++) {
        const last = j === cells.length - 1;
        s += last ? cells[j] : cells[j] + ' '.repeat(Math.max(0, (widths[j] ?? 0) - width(cells[j])));
      }
      out[i] = s;
    }
  };

  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let cur = line0; cur < line1; cur++) {
      if (column >= lines[cur].length - 1) continue;
      writeLines(line0, cur);
      line0 = cur;
      let w = 0;
      for (; cur < line1; cur++) {
        if (column >= lines[cur].length - 1) break;
        w = Math.max(w, width(lines[cur][column]) + padding);
      }
      widths.push(w);
      format(line0, cur);
      widths.pop();
      line0 = cur;
      cur--; // the outer loop's increment re-examines the line that ended the block
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n') + (trailingNewline ? '\n' : '');
}

/** A kubectl `get` table: header and rows, three spaces between columns. */
export function table(header: string[], rows: string[][]): string {
  return tabwrite([header, ...rows].map((r) => r.join('\t')).join('\n') + '\n', 3);
}
