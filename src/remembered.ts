/**
 * The value kept in `map` under `key`, made and kept if there is none. At most `limit` entries: the
 * map is emptied when full. A promise that fails is not kept, so the next request tries again.
 */
export function remembered<T>(map: Map<string, T>, key: string, limit: number, make: () => T): T {
  const kept = map.get(key);
  if (kept !== undefined) return kept;
  if (map.size >= limit) map.clear();
  const made = make();
  map.set(key, made);
  if (made instanceof Promise)
    made.catch(() => {
      if (map.get(key) === made) map.delete(key);
    });
  return made;
}
