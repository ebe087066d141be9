// The exports of a CommonJS package loaded with a dynamic import(). Node gives named exports (and
// `default`, the whole module.exports); the packaged agent's code-split bundle gives only `default`
// for a CommonJS chunk. Use it for CommonJS packages only: for an ES module whose default export is
// an object, it would return that object instead of the namespace.
export function commonJsExports<T extends object>(namespace: T): T {
  const whole = (namespace as { default?: unknown }).default;
  return (whole !== null && typeof whole === 'object') || typeof whole === 'function' ? (whole as T) : namespace;
}
