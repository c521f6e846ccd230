#!/usr/bin/env -S node --max-semi-space-size=8 --min-semi-space-size=8
// Entry point for `npx trakx`: runs the compiled bundle, building it first when
// the package was installed from a clean clone (dist/ is not committed).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'trakx.js');
if (!existsSync(bundle)) {
  execFileSync(process.execPath, [join(root, 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
await import(pathToFileURL(bundle).href);
