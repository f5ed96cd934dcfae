import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The server serves the built app at `/` (assets under /assets/); `npm run dev -w web` proxies the API.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { '/api': 'http://localhost:8080', '/v1': 'http://localhost:8080', '/health': 'http://localhost:8080' },
  },
});
