import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** The Jobnest server the dev server (npm run dev) forwards API calls to (its PORT defaults to 7700). */
const server = process.env.JOBNEST_URL ?? 'http://localhost:7700';

// Served by the Jobnest server under /console/ (same origin as the API).
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/api': server,
      '/health': server,
      '/metrics': server,
      '/admin/queues': server,
    },
  },
});
