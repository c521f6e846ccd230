// Process entry point (bundled to dist/trakx.js).

import { main } from './cli/main.ts';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`trakx: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
