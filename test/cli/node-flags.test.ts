// Every launcher we ship passes NODE_FLAGS to node: npx (bin/trakx.js's shebang), the
// bundle's own shebang, npm start, the Dockerfile and `trakx start` (see daemon.test.ts,
// which checks the running child's command line).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NODE_FLAGS } from '../../app/runtime/node-flags.ts';
import { ROOT } from '../helpers/process.ts';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

test('bin/trakx.js and the bundle banner run node with the flags', () => {
  for (const text of [read('bin/trakx.js'), read('build.mjs')]) {
    const shebang = text.match(/#!\/usr\/bin\/env -S node([^\n']*)/);
    assert.ok(shebang, 'an env -S node shebang');
    for (const flag of NODE_FLAGS) assert.ok(shebang[1].split(' ').includes(flag), flag);
  }
});

test('npm start and the Dockerfile pass the flags', () => {
  const start = JSON.parse(read('package.json')).scripts.start as string;
  const dockerCmd = read('Dockerfile').match(/^CMD (\[.*\])$/m)?.[1];
  assert.ok(dockerCmd, 'a CMD line');
  const cmd = JSON.parse(dockerCmd) as string[];
  assert.ok(start.includes(`node ${NODE_FLAGS.join(' ')} dist/trakx.js run`), start);
  for (const flag of NODE_FLAGS) {
    assert.ok(cmd.indexOf(flag) > 0 && cmd.indexOf(flag) < cmd.indexOf('dist/trakx.js'), flag);
  }
});
