/** Kubernetes `Time`: RFC 3339 with whole seconds, UTC (`2025-01-01T00:00:00Z`). */
export function rfc3339Seconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
