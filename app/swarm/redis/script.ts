// A Lua script run with EVALSHA: its source and SHA1, which is what Redis names it by.

import { createHash } from 'node:crypto';

export class Script {
  readonly sha: string;
  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}
