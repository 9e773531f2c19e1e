/**
 * A small read-through cache for reference data that changes rarely (wards, small areas). Entries
 * live `ttlMs` at most, which bounds how stale another app instance's change can look here; a change
 * made through this instance calls `invalidate()` and shows at once.
 */
export interface TtlCache<K, V> {
  get(key: K): Promise<V>
  invalidate(): void
}

export function createTtlCache<K, V>(
  ttlMs: number,
  load: (key: K) => Promise<V>,
  now: () => number = Date.now,
): TtlCache<K, V> {
  const entries = new Map<K, { at: number; value: Promise<V> }>()
  return {
    get(key) {
      const hit = entries.get(key)
      if (hit && now() - hit.at < ttlMs) return hit.value
      const value = load(key)
      entries.set(key, { at: now(), value })
      // A failed load must not be cached.
      value.catch(() => entries.delete(key))
      return value
    },
    invalidate() {
      entries.clear()
    },
  }
}
