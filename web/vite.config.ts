import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const outDir = here('../dist/web');

/** Writes .br and .gz beside each text file, so `edgestat serve` sends them compressed without compressing per request. */
function precompress(): Plugin {
  return {
    name: 'edgestat-precompress',
    apply: 'build',
    closeBundle() {
      const files = readdirSync(outDir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(js|css|html|svg)$/.test(f));
      for (const file of files) {
        const path = join(outDir, file);
        const content = readFileSync(path);
        writeFileSync(`${path}.gz`, gzipSync(content, { level: 9 }));
        writeFileSync(`${path}.br`, brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

/** The dashboard: static files in dist/web that `edgestat serve` serves at `/`. */
export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // Every asset is a file of its own, never a data: URL, which the Content-Security-Policy refuses.
    assetsInlineLimit: 0,
    // ECharts is one chunk of about 520 kB (175 kB gzip), loaded in parallel with the first API calls.
    chunkSizeWarningLimit: 600,
    reportCompressedSize: true,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
