// Module resolve hook for a batch of tap test files run in one process (scripts/tap-batch-run.mjs):
// `import t from 'tap'` in one of the batch's test files resolves to tap-batch-shim.mjs?file=<that
// file>, whose default export is the subtest the batch runs that file in. Every other import of
// 'tap' (helpers, tap itself, other modules) resolves as usual.

/** The batch's test files, as file: URLs without query or hash. */
let files = new Set();
const SHIM = new URL('./tap-batch-shim.mjs', import.meta.url).href;

/** `data` is what register() passed: { files: string[] }. */
export function initialize(data) {
  files = new Set(data?.files ?? []);
}

/** A file: URL without its query and hash (loaders may add a query to the URLs they load). */
export function bareUrl(url) {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return u.href;
}

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (specifier === 'tap' && parent?.startsWith('file:') && files.has(bareUrl(parent))) {
    return { url: `${SHIM}?file=${encodeURIComponent(bareUrl(parent))}`, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
