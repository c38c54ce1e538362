/** @module Capacity and free bytes of the filesystem holding a path (statfs), for image GC. */
import { statfs } from 'node:fs/promises';

export async function filesystemUsage(path: string): Promise<{ capacityBytes: number; availableBytes: number }> {
  const fs = await statfs(path);
  // bavail, not bfree: the root-reserved blocks are not room the images can use
  return { capacityBytes: fs.blocks * fs.bsize, availableBytes: fs.bavail * fs.bsize };
}
