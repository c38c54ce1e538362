/**
 * @module The hash that names a Deployment's ReplicaSets and labels their pods
 * (`pod-template-hash`) and a DaemonSet's revisions (`controller-revision-hash`): FNV-32a over
 * the template (and the collision count), written as the API machinery's SafeEncodeString of
 * its decimal form (no vowels, so no words).
 */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted, so equal templates hash equally whatever their key order. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function safeEncodeString(s: string): string {
  return [...s].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');
}

export function computeTemplateHash(template: unknown, collisionCount?: number): string {
  const text = canonical(template) + (collisionCount !== undefined && collisionCount > 0 ? String(collisionCount) : '');
  return safeEncodeString(String(fnv32a(text)));
}
