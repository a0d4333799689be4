import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Loads data now and every `intervalMs` (when set), keeping the last good value on errors. A tick
 * is skipped while `paused()` says so (asked at each tick, so it may read the page's current state).
 */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], intervalMs?: number, paused?: () => boolean) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [updatedAt, setUpdatedAt] = useState<Date | undefined>(undefined);
  const loadRef = useRef(load);
  loadRef.current = load;
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const refresh = useCallback(async () => {
    try {
      const value = await loadRef.current();
      setData(value);
      setError(undefined);
      setUpdatedAt(new Date());
    } catch (e) {
      setError(e as Error);
    }
  }, []);
  useEffect(() => {
    setData(undefined);
    void refresh();
    if (!intervalMs) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && !pausedRef.current?.()) void refresh();
    }, intervalMs);
    return () => clearInterval(timer);
    // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to reload
  }, deps);
  return { data, error, updatedAt, refresh };
}
