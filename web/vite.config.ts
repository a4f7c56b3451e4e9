import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import type { ProxyOptions } from 'vite';
import { defineConfig } from 'vitest/config';

// The Python gateway listens on 127.0.0.1:8000 in development and serves
// web/dist (with SPA fallback to index.html) in production.
const GATEWAY = 'http://127.0.0.1:8000';

interface ProxiedRequest {
  headers: { origin?: string; host?: string };
}

/**
 * The auth service checks the Origin of its cookie-authenticated writes (refresh, sign-out) against the
 * gateway's origin. Behind this dev server the page's origin is the dev server's own, so requests from
 * the dev server's own pages are presented with the gateway's origin. Requests from any other origin pass
 * unchanged (and are refused by the auth service, as they should be).
 */
const presentDevOriginAsGateway: ProxyOptions['configure'] = (proxy) => {
  // (typed loosely: the event map needs @types/node, which this project does not install)
  const emitter = proxy as unknown as {
    on(event: 'proxyReq', listener: (proxyReq: { setHeader(name: string, value: string): void }, req: ProxiedRequest) => void): void;
  };
  emitter.on('proxyReq', (proxyReq, req) => {
    const { origin, host } = req.headers;
    if (origin && host && origin === `http://${host}`) proxyReq.setHeader('origin', GATEWAY);
  });
};

export default defineConfig({
  // Tailwind v4 compiles src/tailwind.css (theme + utilities only; see the comment there).
  plugins: [react(), tailwindcss()],
  server: {
    proxy: {
      '/api': { target: GATEWAY, changeOrigin: true, configure: presentDevOriginAsGateway },
      '/ws': { target: GATEWAY, changeOrigin: true, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // Page tests render whole screens with user-event typing; on a busy 2-core CI runner some take over
    // vitest's 5 s default. Waits inside tests have their own (shorter) limits.
    testTimeout: 15_000,
    unstubGlobals: true,
  },
});
