// A Lua script run with EVALSHA: its source and SHA1, which is what Redis names it by.

import { createHash } from 'node:crypto';

export class Script {
  readonly sha: string;
  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    // Sent as latin1 bytes and named by the SHA1 of its UTF-8: the same only for ASCII.
    if (/[^\x00-\x7f]/.test(source)) throw new Error(`script ${name}: not ASCII`);
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}
