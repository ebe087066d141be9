// The agent's JavaScript for the device package (scripts/package-agent.mjs), built with esbuild:
//
//   lib/edge-agent.mjs + lib/chunks/*.mjs   the agent, code split: what it loads lazily (tar/zip
//       readers, the PKCS#7 reader, the IoT SDK, systeminformation, the other CLI commands) is a
//       separate file read only when first used. One file holding everything cost the idle daemon
//       ~3 MiB more RSS (scripts/bench-daemon.ts), as V8 keeps a module's whole source.
//   lib/vendor/*.mjs (+ lib/vendor/chunks/)  the AWS SDK clients the agent loads lazily
//       (agent/vendor/*.ts), built apart: in the agent's build, esbuild put the SDK's share of
//       @smithy/core in the chunk the always-loaded SigV4 signer uses (~85 KB of source, about
//       0.5 MiB of idle RSS). The agent's chunks import them as `#vendor/<name>.mjs`, which
//       lib/package.json maps to lib/vendor/.
//
// Packages' ES module builds are preferred (mainFields): a dynamic import() of a CommonJS chunk only
// has a default export, so the agent reads CommonJS modules it imports lazily through
// shared/commonjs.ts, and the build refuses any other.
import { writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join, relative } from 'node:path';

/** Optional dependencies never bundled nor shipped: epoll (onoff's native addon, built per machine:
 * without it the agent drives GPIO through sysfs directly) and osx-/macos-temperature-sensor (macOS only,
 * required by systeminformation inside a try). */
export const OPTIONAL_EXTERNALS = ['epoll', 'osx-temperature-sensor', 'macos-temperature-sensor'];
/** CommonJS packages the agent import()s lazily, each read through shared/commonjs.ts. */
export const LAZY_COMMONJS = ['systeminformation', 'onoff', 'aws-iot-device-sdk-v2'];
/** agent/vendor/<name>.ts, built into lib/vendor/<name>.mjs. */
export const VENDOR = ['client-s3', 'client-sts'];
/** lib/package.json: the `#vendor/` import map (and the module type, for tools reading the folder). */
export const LIB_PACKAGE_JSON = `${JSON.stringify({ name: 'edge-agent-lib', private: true, type: 'module', imports: { '#vendor/*': './vendor/*' } }, null, 2)}\n`;

// CommonJS dependencies inside an ESM bundle call require() and read __filename/__dirname.
const BANNER = [
  "import { createRequire as __edgeAgentCreateRequire } from 'node:module';",
  "import { fileURLToPath as __edgeAgentFileURLToPath } from 'node:url';",
  "import { dirname as __edgeAgentDirname } from 'node:path';",
  'const require = __edgeAgentCreateRequire(import.meta.url);',
  'const __filename = __edgeAgentFileURLToPath(import.meta.url);',
  'const __dirname = __edgeAgentDirname(__filename);',
].join('\n');

const COMMON = {
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  mainFields: ['module', 'main'],
  banner: { js: BANNER },
  metafile: true,
  legalComments: 'none',
  // Minified: a module's whole source stays in the agent's heap; measured by
  // scripts/bench-daemon.ts, minifying saves ~10 MiB of idle RSS. keepNames keeps class names in logs.
  minify: true,
  keepNames: true,
  logLevel: 'warning',
};

/** The package a node_modules input belongs to ("@scope/name" or "name"), or undefined for the project's own files. */
const packageOf = (input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];

/**
 * Builds lib/ (the agent, lib/vendor/, lib/package.json) into `libDir`; returns the inputs of both
 * builds (for the licence list). `fail(message)` stops the package build.
 */
export async function bundleAgent(libDir, { project, fail }) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    fail('esbuild is not installed: run npm ci');
  }
  const vendorDir = join(project, 'agent', 'vendor');
  // the agent's imports of agent/vendor/<name>.js become #vendor/<name>.mjs, left to Node.js
  const vendorImports = {
    name: 'edge-agent-vendor',
    setup(build) {
      build.onResolve({ filter: /(^|\/)vendor\/[\w-]+\.js$/ }, (args) => {
        const name = basename(args.path, '.js');
        if (join(args.resolveDir, args.path) !== join(vendorDir, `${name}.js`)) return undefined;
        if (!VENDOR.includes(name)) fail(`agent/vendor/${name}.ts is not built: add it to VENDOR in scripts/package-bundle.mjs`);
        return { path: `#vendor/${name}.mjs`, external: true };
      });
    },
  };
  const agent = await esbuild.build({
    ...COMMON,
    entryPoints: { 'edge-agent': join(project, 'agent', 'main.ts') },
    outdir: libDir,
    external: OPTIONAL_EXTERNALS,
    plugins: [vendorImports],
    absWorkingDir: project,
  });
  const vendor = await esbuild.build({
    ...COMMON,
    entryPoints: Object.fromEntries(VENDOR.map((name) => [name, join(vendorDir, `${name}.ts`)])),
    outdir: join(libDir, 'vendor'),
    absWorkingDir: project,
  });
  writeFileSync(join(libDir, 'package.json'), LIB_PACKAGE_JSON);
  checkExternals(agent.metafile, true, fail);
  checkExternals(vendor.metafile, false, fail);
  checkLazyCommonJs(agent.metafile, fail);
  // lib/vendor/ holds SDK code only, so the agent's own classes and errors exist once; and the agent
  // reaches the SDK clients only through it
  const vendorEntries = new Set(VENDOR.map((name) => relative(project, join(vendorDir, `${name}.ts`))));
  for (const input of Object.keys(vendor.metafile.inputs)) {
    if (!packageOf(input) && !vendorEntries.has(input)) fail(`lib/vendor/ would hold ${input}: agent/vendor/*.ts may only re-export SDK packages`);
  }
  const vendorPackages = new Set(VENDOR.map((name) => `@aws-sdk/${name}`));
  for (const input of Object.keys(agent.metafile.inputs)) {
    const pkg = packageOf(input);
    if (vendorPackages.has(pkg)) fail(`the agent bundles ${pkg} (${input}): import it through agent/vendor/ so it stays in lib/vendor/`);
  }
  return { inputs: { ...agent.metafile.inputs, ...vendor.metafile.inputs } };
}

/** Anything left external other than Node.js builtins (and the agent's #vendor/ imports) would fail with ERR_MODULE_NOT_FOUND on the device. */
function checkExternals(metafile, vendorAllowed, fail) {
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  for (const output of Object.values(metafile.outputs)) {
    for (const imp of output.imports) {
      if (!imp.external || builtins.has(imp.path) || imp.path.startsWith('node:')) continue;
      if (vendorAllowed && imp.path.startsWith('#vendor/')) continue;
      const name = imp.path.startsWith('@') ? imp.path.split('/').slice(0, 2).join('/') : imp.path.split('/')[0];
      if (!OPTIONAL_EXTERNALS.includes(name)) fail(`the bundle imports ${imp.path}, which would not exist on the device`);
    }
  }
}

/** A lazily imported CommonJS package comes out as a chunk with only a default export: the agent
 * must read it through shared/commonjs.ts, so only the packages known to do so may appear. */
function checkLazyCommonJs(metafile, fail) {
  const outputs = metafile.outputs;
  for (const output of Object.values(outputs)) {
    for (const imp of output.imports) {
      const target = imp.kind === 'dynamic-import' ? outputs[imp.path] : undefined;
      const entry = target?.entryPoint ?? '';
      if (!entry.includes('node_modules/') || target.exports.join() !== 'default') continue;
      const name = packageOf(entry);
      if (!LAZY_COMMONJS.includes(name)) fail(`the bundle imports the CommonJS package ${name} lazily: read it through shared/commonjs.ts and add it to LAZY_COMMONJS in scripts/package-bundle.mjs`);
    }
  }
}
