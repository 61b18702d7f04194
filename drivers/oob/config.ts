/** `defaults` overridden by the keys of `given` that are set: an explicit `undefined` (an unset
 * environment variable passed through) keeps the default instead of erasing it. */
export function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(given ?? {})) {
    if (v !== undefined && k in defaults) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
