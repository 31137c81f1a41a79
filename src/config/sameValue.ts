// Whether two pieces of a parsed config mean the same thing. Every reload diff asks it (the daemon's instance
// plan, tracking, notify, connection sync), so it lives with the config types rather than in any one of them.
/** Deep comparison of config values, ignoring `source` positions (a moved line is not a change). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, dropSource) === JSON.stringify(b, dropSource);
}

function dropSource(key: string, value: unknown): unknown {
  return key === 'source' ? undefined : value;
}
