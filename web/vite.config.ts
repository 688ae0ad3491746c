import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * Builds the single-page app into `dist/` (served by the server at `/`). Hashed file names under
 * `assets/` let the server cache them for a year. No inline script or style is emitted (the
 * server's Content-Security-Policy forbids them): the module-preload polyfill, which Vite would
 * otherwise add, is left out, as every browser the UI targets supports module preloading.
 *
 * `npm run dev` serves the app with hot reload and proxies the API to a server on :9400.
 */
export default defineConfig({
  plugins: [preact({ prefreshEnabled: true, devToolsEnabled: false })],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2022',
    modulePreload: { polyfill: false },
    sourcemap: false,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:9400',
      '/loki': { target: 'http://127.0.0.1:9400', ws: true },
    },
  },
});
