/**
 * @module `WWW-Authenticate` challenges as registries send them (images.md §3.4):
 * `Basic realm="x"` or `Bearer realm="https://auth/token",service="reg",scope="repository:a/b:pull,push"`.
 * The quoted values may contain commas, so this is a small tokenizer, not a split(',').
 */

export interface AuthChallenge {
  scheme: string; // lower case: "basic", "bearer"
  params: Record<string, string>;
}

/** Parses one or more challenges; unknown or malformed parts are skipped. */
export function parseAuthChallenges(header: string | string[] | undefined): AuthChallenge[] {
  const headers = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const out: AuthChallenge[] = [];
  for (const h of headers) {
    let i = 0;
    let current: AuthChallenge | undefined;
    const skipSpace = () => {
      while (i < h.length && (h[i] === ' ' || h[i] === '\t' || h[i] === ',')) i++;
    };
    while (i < h.length) {
      skipSpace();
      const m = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/.exec(h.slice(i));
      if (!m) break;
      const token = m[0];
      i += token.length;
      while (h[i] === ' ') i++;
      if (h[i] === '=') {
        i++;
        while (h[i] === ' ') i++;
        let value = '';
        if (h[i] === '"') {
          i++;
          while (i < h.length && h[i] !== '"') {
            if (h[i] === '\\' && i + 1 < h.length) i++;
            value += h[i++];
          }
          i++;
        } else {
          const v = /^[^,\s]*/.exec(h.slice(i))![0];
          value = v;
          i += v.length;
        }
        if (current) current.params[token.toLowerCase()] = value;
      } else {
        current = { scheme: token.toLowerCase(), params: {} };
        out.push(current);
      }
    }
  }
  return out;
}
