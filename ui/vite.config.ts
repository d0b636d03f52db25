// The build goes into the Python package, so the control plane (and a wheel) serves it.
// `npm run dev` proxies the API to a control plane on :8083 (`make up`).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const controlPlane = process.env.BOSUN_URL ?? "http://127.0.0.1:8083";

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "../src/bosun/server/ui_dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      "/api": { target: controlPlane, changeOrigin: false },
      "/health": controlPlane,
      "/version": controlPlane,
    },
  },
});
