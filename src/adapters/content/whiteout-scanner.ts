/**
 * @module Watches a tar stream as it passes to `tar -x` and tells whether any member could be an
 * OCI whiteout (a name with a `.wh.` component), so the whiteout pass — a walk over the whole
 * unpacked layer — runs only for the rare layers that have one. It errs on the side of "maybe":
 * GNU long names and pax records are searched as raw bytes, and anything it cannot follow
 * (an oversized long name, a bad size field) counts as a whiteout.
 */
const BLOCK = 512;
const MARK = Buffer.from('.wh.');
/** GNU long name/link ('L', 'K'), pax per-file and global headers ('x', 'g', Solaris 'X'). */
const NAME_RECORDS = new Set(['L', 'K', 'x', 'g', 'X']);
const MAX_RECORD = 1 << 20;

function sizeField(h: Buffer): number {
  if (h[124] & 0x80) {
    let n = 0;
    for (let i = 125; i < 136; i++) n = n * 256 + h[i];
    return n;
  }
  const s = h.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return NaN;
  return parseInt(s, 8);
}

export class WhiteoutScanner {
  /** True once a member name (or a record that can carry one) contained `.wh.`. */
  found = false;
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Data (and padding) bytes of the current member still to pass. */
  private skip = 0;
  /** The data of a name-carrying record being collected, and how many of `skip` are data. */
  private record: Buffer[] | undefined;
  private recordLeft = 0;

  update(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !this.found) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        if (this.record && this.recordLeft > 0) {
          const take = Math.min(n, this.recordLeft);
          this.record.push(chunk.subarray(i, i + take));
          this.recordLeft -= take;
          if (this.recordLeft === 0) this.endRecord();
        }
        this.skip -= n;
        i += n;
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - i);
      chunk.copy(this.header, this.headerFill, i, i + n);
      this.headerFill += n;
      i += n;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.onHeader(this.header);
      }
    }
  }

  private onHeader(h: Buffer): void {
    // name (0..100) and ustar prefix (345..500): a whiteout's base name starts with .wh.
    if (h.subarray(0, 100).includes(MARK) || h.subarray(345, 500).includes(MARK)) {
      this.found = true;
      return;
    }
    const size = sizeField(h);
    if (!Number.isFinite(size)) {
      this.found = true;
      return;
    }
    const type = String.fromCharCode(h[156]);
    this.skip = Math.ceil(size / BLOCK) * BLOCK;
    if (NAME_RECORDS.has(type) && size > 0) {
      if (size > MAX_RECORD) {
        this.found = true;
        return;
      }
      this.record = [];
      this.recordLeft = size;
    }
  }

  private endRecord(): void {
    if (Buffer.concat(this.record!).includes(MARK)) this.found = true;
    this.record = undefined;
  }
}
