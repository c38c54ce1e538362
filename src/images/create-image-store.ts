/**
 * @module Wires the local image store to its on-disk storage under `<dataDir>/images`. The one
 * place images/ names an adapter, so the daemon needs a single call.
 */
import { ImageFiles } from '../adapters/content/image-files.js';
import type { Layout } from '../core/layout.js';
import { LocalImageStore } from './image-store.js';

export function createImageStore(layout: Layout, inUse: (imageId: string) => boolean | Promise<boolean>): LocalImageStore {
  return new LocalImageStore({ storage: new ImageFiles(layout.imagesDir), inUse });
}
