import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The customer chat page, served by the webchat router at /chat. Built offline by `npm run build`. */
export default defineConfig({
  root: here,
  base: '/chat/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../../../dist/webchat', import.meta.url)),
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
});
