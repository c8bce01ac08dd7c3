import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build is served by the local gateway at `/` and, in AWS, from S3 behind CloudFront.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
});
