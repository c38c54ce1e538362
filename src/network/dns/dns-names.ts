/**
 * @module Domain-name arithmetic cluster DNS needs: normalising names, the reverse (PTR) names of
 * IPv4 and IPv6 addresses and back, and the dashed form of an address kube-dns and CoreDNS use
 * for endpoints without a hostname (`10-90-0-7`). Pure string work.
 */

/** Lower case, without the trailing dot: the form names are indexed under. */
export function normalizeName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

/** True when `name` is `zone` or inside it (both normalised). */
export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** The 8 groups of an IPv6 address as 4-digit hex strings, or undefined when it is not one. */
export function expandIpv6(ip: string): string[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(ip) || !ip.includes(':')) return undefined;
  let text = ip;
  // A trailing dotted quad (::ffff:1.2.3.4) is two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const b = quad.slice(1).map(Number);
    if (b.some((x) => x > 255)) return undefined;
    text = `${text.slice(0, quad.index)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => g.toLowerCase().padStart(4, '0'));
}

export function isIpv4(ip: string): boolean {
  const parts = ip.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** `4.3.2.1.in-addr.arpa` for 1.2.3.4, the nibble form under ip6.arpa for IPv6; undefined otherwise. */
export function reverseName(ip: string): string | undefined {
  if (isIpv4(ip)) return `${ip.split('.').reverse().map(Number).join('.')}.in-addr.arpa`;
  const groups = expandIpv6(ip);
  if (!groups) return undefined;
  return `${groups.join('').split('').reverse().join('.')}.ip6.arpa`;
}

/** The address a reverse name stands for (IPv4 dotted, IPv6 compressed-free lower hex), or undefined. */
export function addressOfReverseName(name: string): string | undefined {
  const n = normalizeName(name);
  if (n.endsWith('.in-addr.arpa')) {
    const parts = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reverse().map(Number).join('.');
  }
  if (n.endsWith('.ip6.arpa')) {
    const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
    const hex = nibbles.reverse().join('');
    return canonicalIp(hex.match(/.{4}/g)!.join(':'));
  }
  return undefined;
}

/** One spelling per address (IPv4 as is, IPv6 expanded lower case), for comparing and indexing. */
export function canonicalIp(ip: string): string {
  if (isIpv4(ip)) return ip.split('.').map(Number).join('.');
  const groups = expandIpv6(ip);
  return groups ? groups.join(':') : ip;
}

/** `10-90-0-7` for 10.90.0.7, `fd00--1` style for IPv6 (colons to dashes), as CoreDNS names endpoints. */
export function dashedAddress(ip: string): string {
  return isIpv4(ip) ? ip.replace(/\./g, '-') : ip.replace(/:/g, '-');
}

/** The IPv4 address of a `1-2-3-4` label, or undefined. */
export function addressOfDashedLabel(label: string): string | undefined {
  const parts = label.split('-');
  if (parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return parts.map(Number).join('.');
  return undefined;
}
