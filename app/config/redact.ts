// The configuration as it may be shown (`trakx config dump`): every `hexSecret` key that
// is set reads `(redacted)`, so a dump pasted into a bug report gives no secret away.

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
  return copy;
}
