import { useEffect, useState } from 'react';

/**
 * The value, once it has not changed for `delayMs`. Values are compared by their JSON, so an object literal built
 * anew on each render does not re-arm the timer (and re-render) forever.
 */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(JSON.parse(key) as T), delayMs);
    return () => window.clearTimeout(timer);
  }, [key, delayMs]);
  return debounced;
}
