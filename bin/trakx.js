#!/usr/bin/env -S node --max-semi-space-size=8 --min-semi-space-size=8
// Entry point for `npx trakx`: runs the compiled bundle, building it first when
// the package was installed from a clean clone (dist/ is not committed).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';

// Run by hand (./bin/trakx.js) this shebang finds the system node, which may be older.
if (Number(process.versions.node.split('.')[0]) < 24) {
  process.stderr.write(
    `trakx needs Node.js 24 or newer, not ${process.version}: run it with npx trakx or npm start, ` +
      'which use the Node 24 that npm ci installs\n',
  );
  process.exit(1);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'trakx.js');
if (!existsSync(bundle)) {
  execFileSync(process.execPath, [join(root, 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
await import(pathToFileURL(bundle).href);
