/**
 * @module Image garbage collection by disk usage, as the kubelet's image GC manager does it:
 * when the images filesystem is at or above `highThresholdPercent` used, remove unused images,
 * least recently used first, until usage would be back at `lowThresholdPercent`. An image a
 * container uses (running or kept for its logs) or a pod names is never a candidate, nor one
 * first seen less than `minAgeMs` ago (a fresh pull its container is not created from yet).
 * Pure: the manager measures, this decides.
 */

export interface ImageGCPolicy {
  /** Percent of the filesystem used at or above which GC runs; 100 disables it (kubelet default 85). */
  highThresholdPercent: number;
  /** Percent GC frees down to (kubelet default 80). */
  lowThresholdPercent: number;
  /** Images first seen more recently than this are kept (kubelet's imageMinimumGCAge, 2 min). */
  minAgeMs: number;
}

export const DEFAULT_IMAGE_GC_POLICY: ImageGCPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 2 * 60_000 };

export interface FilesystemUsage {
  capacityBytes: number;
  availableBytes: number;
}

export interface ImageUsageRecord {
  id: string;
  size: number;
  /** When the GC manager first saw the image (epoch ms). */
  firstDetected: number;
  /** Last time it was seen in use, else firstDetected (epoch ms). */
  lastUsed: number;
  inUse: boolean;
}

export interface ImageGCPlan {
  usagePercent: number;
  /** Bytes to free to get down to the low threshold (0: nothing to do). */
  bytesToFree: number;
  /** Image ids to remove, in order. */
  remove: string[];
  /** Sum of the sizes of `remove`. */
  bytesPlanned: number;
  /** What the eligible images cannot cover (> 0: the kubelet's FreeDiskSpaceFailed). */
  shortfall: number;
}

/** A usage message, or undefined when the policy is valid. */
export function validateImageGCPolicy(p: ImageGCPolicy): string | undefined {
  const pct = (n: number) => Number.isInteger(n) && n >= 0 && n <= 100;
  if (!pct(p.highThresholdPercent)) return `image GC high threshold ${p.highThresholdPercent}: want an integer percent 0-100`;
  if (!pct(p.lowThresholdPercent)) return `image GC low threshold ${p.lowThresholdPercent}: want an integer percent 0-100`;
  if (p.lowThresholdPercent > p.highThresholdPercent) {
    return `image GC low threshold (${p.lowThresholdPercent}) must not be above the high threshold (${p.highThresholdPercent})`;
  }
  if (!(p.minAgeMs >= 0)) return `minimum image age ${p.minAgeMs}: want a duration of 0 or more`;
  return undefined;
}

export function planImageGC(fs: FilesystemUsage, images: ImageUsageRecord[], policy: ImageGCPolicy, now: number): ImageGCPlan {
  const none = (usagePercent: number): ImageGCPlan => ({ usagePercent, bytesToFree: 0, remove: [], bytesPlanned: 0, shortfall: 0 });
  if (fs.capacityBytes <= 0) return none(0);
  const used = fs.capacityBytes - Math.min(fs.availableBytes, fs.capacityBytes);
  const usagePercent = (used * 100) / fs.capacityBytes;
  if (policy.highThresholdPercent >= 100 || usagePercent < policy.highThresholdPercent) return none(usagePercent);
  const bytesToFree = Math.ceil((fs.capacityBytes * (100 - policy.lowThresholdPercent)) / 100 - fs.availableBytes);
  if (bytesToFree <= 0) return none(usagePercent);
  const candidates = images
    .filter((i) => !i.inUse && now - i.firstDetected >= policy.minAgeMs)
    .sort((a, b) => a.lastUsed - b.lastUsed || a.firstDetected - b.firstDetected || a.id.localeCompare(b.id));
  const remove: string[] = [];
  let planned = 0;
  for (const img of candidates) {
    if (planned >= bytesToFree) break;
    remove.push(img.id);
    planned += img.size;
  }
  return { usagePercent, bytesToFree, remove, bytesPlanned: planned, shortfall: Math.max(0, bytesToFree - planned) };
}

/**
 * Folds one observation into the manager's records: new images get `firstDetected = now`,
 * images in use get `lastUsed = now`, images gone from the store are dropped.
 */
export function observeImages(
  prev: ReadonlyMap<string, ImageUsageRecord>,
  images: { id: string; size: number }[],
  inUse: ReadonlySet<string>,
  now: number,
): Map<string, ImageUsageRecord> {
  const next = new Map<string, ImageUsageRecord>();
  for (const img of images) {
    const before = prev.get(img.id);
    const used = inUse.has(img.id);
    const firstDetected = before?.firstDetected ?? now;
    next.set(img.id, { id: img.id, size: img.size, firstDetected, lastUsed: used ? now : (before?.lastUsed ?? firstDetected), inUse: used });
  }
  return next;
}
