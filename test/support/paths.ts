import { fileURLToPath } from "node:url";

export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
export const claudeBinaryPath = `${projectRoot}node_modules/.bin/claude`;
export const mainEntryPath = `${projectRoot}src/main.ts`;
