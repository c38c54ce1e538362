/** @module A live collection from list + watch, batched to one render per animation frame. */
import { useEffect, useState } from 'preact/hooks';
import { listWatch, type ApiError, type KubeObject } from './api';

export interface WatchedList<T> {
  items: T[];
  loaded: boolean;
  error: ApiError | undefined;
}

const keyOf = (o: KubeObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export function useWatchList<T extends KubeObject>(path: string | undefined, query = ''): WatchedList<T> {
  const [state, setState] = useState<WatchedList<T>>({ items: [], loaded: false, error: undefined });
  useEffect(() => {
    if (!path) return undefined;
    const map = new Map<string, T>();
    let frame = 0;
    let error: ApiError | undefined;
    let loaded = false;
    const flush = (): void => {
      frame = 0;
      setState({ items: [...map.values()], loaded, error });
    };
    const schedule = (): void => {
      if (!frame) frame = requestAnimationFrame(flush);
    };
    setState({ items: [], loaded: false, error: undefined });
    const stop = listWatch<T>(
      path,
      {
        onList(items) {
          map.clear();
          for (const o of items) map.set(keyOf(o), o);
          loaded = true;
          schedule();
        },
        onEvent(e) {
          if (e.type === 'DELETED') map.delete(keyOf(e.object));
          else map.set(keyOf(e.object), e.object);
          schedule();
        },
        onError(err) {
          error = err;
          schedule();
        },
      },
      query,
    );
    return () => {
      stop();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [path, query]);
  return state;
}

/** Calls `fn` now and every `ms` while mounted (and the page is visible). */
export function usePoll(fn: () => void | Promise<void>, ms: number, deps: unknown[]): void {
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      if (stopped) return;
      if (document.visibilityState !== 'hidden') await Promise.resolve(fn()).catch(() => undefined);
      if (!stopped) timer = setTimeout(() => void tick(), ms);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
}
