// Builds every bundle of Hotpath. `node esbuild.mjs` once, `--watch` to rebuild on change,
// `--production` to minify what ships to the editor (never the sample service: its frames must
// map back to exact lines).
import * as fs from 'node:fs';
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// autocannon is bundled (the .vsix carries no node_modules); run.json records its version.
const autocannonVersion = JSON.parse(
  fs.readFileSync('node_modules/autocannon/package.json', 'utf8'),
).version;

/** @type {import('esbuild').BuildOptions} */
const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'info',
  define: { __AUTOCANNON_VERSION__: JSON.stringify(autocannonVersion) },
};

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  // The CLI and the runner it carries.
  // `npm i -g` links bin.hotpath to it: POSIX needs the shebang.
  {
    ...node,
    entryPoints: { cli: 'src/cli.ts' },
    minify: production,
    banner: { js: '#!/usr/bin/env node' },
  },
  // The extension: VS Code provides `vscode`. It reads profiles in a worker thread of its own.
  {
    ...node,
    entryPoints: { extension: 'src/extension.ts', analysisWorker: 'src/runs/analysisWorker.ts' },
    minify: production,
    external: ['vscode'],
  },
  // Preloaded into the profiled service through NODE_OPTIONS: no dependencies, small.
  { ...node, entryPoints: { agent: 'src/runner/agent/agent.ts' }, minify: production },
  // The agent's module hooks for `module.register` (Node 20.6 to 22.14), an ES module of its own.
  {
    ...node,
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    entryPoints: { agentImportHooks: 'src/runner/agent/importHooks.ts' },
    minify: production,
  },
  // The load generator's own process and the per-client hook it hands to autocannon, with
  // autocannon bundled in. autocannon starts its worker threads from `<its folder>/worker.js`:
  // bundled, its folder is dist/, so its worker is bundled to dist/worker.js.
  {
    ...node,
    entryPoints: {
      loadWorker: 'src/runner/load/loadWorker.ts',
      loadClient: 'src/runner/load/loadClient.ts',
      worker: 'node_modules/autocannon/lib/worker.js',
    },
    minify: production,
  },
  // The sample service: unminified, names kept, with a source map, so that profile positions
  // map back to the exact lines of its .ts handlers. async-mutex stays a package of its own
  // (dist/vendor/async-mutex), required at run time as a service's dependency would be: that
  // is how the agent finds it and watches its locks.
  {
    ...node,
    entryPoints: { sampleService: 'src/sampleService/main.ts' },
    minify: false,
    keepNames: true,
    sourcesContent: true,
    plugins: [
      {
        name: 'async-mutex-as-a-package',
        setup(build) {
          build.onResolve({ filter: /^async-mutex$/ }, () => ({
            path: './vendor/async-mutex',
            external: true,
          }));
        },
      },
    ],
  },
  // async-mutex and its helper tslib as one CommonJS package, with its own package.json.
  {
    ...node,
    entryPoints: { 'vendor/async-mutex/index': 'node_modules/async-mutex/lib/index.js' },
    minify: false,
  },
];

// The webview and report front end: browser code, one script per page.
builds.push({
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  sourcemap: !production,
  logLevel: 'info',
  minify: production,
  entryPoints: { 'media/report': 'media/report.ts', 'media/panel': 'media/panel.ts' },
  // uPlot's stylesheet travels inside the script and is adopted as a constructed sheet.
  loader: { '.css': 'text' },
});

const outdir = 'dist';
// The vendored async-mutex's package.json: its name and version, for the lock report.
const asyncMutex = JSON.parse(fs.readFileSync('node_modules/async-mutex/package.json', 'utf8'));
fs.mkdirSync(`${outdir}/vendor/async-mutex`, { recursive: true });
fs.writeFileSync(
  `${outdir}/vendor/async-mutex/package.json`,
  `${JSON.stringify({ name: asyncMutex.name, version: asyncMutex.version, license: asyncMutex.license, main: 'index.js' }, null, 2)}\n`,
);
// Their licences travel with them: async-mutex's (MIT) and tslib's (0BSD), which it carries.
fs.writeFileSync(
  `${outdir}/vendor/async-mutex/LICENSE`,
  `${fs.readFileSync('node_modules/async-mutex/LICENSE', 'utf8')}\n---\n\ntslib, bundled in index.js:\n\n${fs.readFileSync('node_modules/tslib/LICENSE.txt', 'utf8')}`,
);
if (watch) {
  for (const b of builds) {
    const ctx = await esbuild.context({ ...b, outdir });
    await ctx.watch();
  }
} else {
  await Promise.all(builds.map((b) => esbuild.build({ ...b, outdir })));
}
