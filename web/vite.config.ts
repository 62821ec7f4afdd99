import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The dashboard: static files in dist/web that `edgestat serve` serves at `/`. */
export default defineConfig({
  root: here('.'),
  base: './',
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    // One small app chunk plus ECharts; the page loads both at once.
    chunkSizeWarningLimit: 800,
    reportCompressedSize: true,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
