import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is one static bundle, loaded by Electron from disk and by `mirage serve` over HTTP.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
    // One ~1 MB bundle (React, ECharts, zod) read from disk or localhost, never over a slow link.
    chunkSizeWarningLimit: 1200,
  },
});
