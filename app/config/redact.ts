// The configuration as it may be shown (`trakx config dump`): every `hexSecret` key that
// is set reads `(redacted)`, and so does the password in db.redis.url, so a dump pasted
// into a bug report gives no secret away.

import { redact as redactUrl } from '../swarm/redis/url.ts';
import { configLeaves } from './load.ts';
import type { Config } from './types.ts';

export const REDACTED = '(redacted)';

export function redactSecrets(config: Config): Config {
  const copy = structuredClone(config);
  for (const leaf of configLeaves()) {
    if (!leaf.node.hexSecret) continue;
    const path = leaf.key.split('.');
    let node = copy as unknown as Record<string, unknown>;
    for (const part of path.slice(0, -1)) node = node[part] as Record<string, unknown>;
    const last = path[path.length - 1];
    if (node[last] !== '') node[last] = REDACTED;
  }
  copy.db.redis.url = redactUrl(copy.db.redis.url);
  return copy;
}
