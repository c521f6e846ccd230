// TRAKX_* environment variables that are no configuration key: most often a typo
// (TRAKX_HTTP_PROT) or a key of another version, which would otherwise be ignored
// without a word. Each is reported with the known name closest to it.

/**
 * TRAKX_* names this project uses on purpose outside the configuration:
 * TRAKX_STATS_URL is read by netdata/install.sh, which an operator may run from the
 * same shell that starts the tracker.
 */
const NOT_SETTINGS: ReadonlySet<string> = new Set(['TRAKX_STATS_URL']);

export interface UnknownSetting {
  name: string;
  /** The known name at the smallest edit distance. */
  closest: string;
}

/** Levenshtein distance (insertions, deletions, substitutions of one character). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost));
    }
    prev = row;
  }
  return prev[b.length];
}

/** The TRAKX_* variables of `env` that are not in `known`, in name order. */
export function unknownSettings(env: NodeJS.ProcessEnv, known: readonly string[]): UnknownSetting[] {
  const names = new Set(known);
  const out: UnknownSetting[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('TRAKX_') || names.has(name) || NOT_SETTINGS.has(name)) continue;
    let closest = known[0] ?? '';
    let best = Number.POSITIVE_INFINITY;
    for (const k of known) {
      const d = editDistance(name, k);
      if (d < best) {
        best = d;
        closest = k;
      }
    }
    out.push({ name, closest });
  }
  return out;
}

export function unknownSettingMessage(u: UnknownSetting): string {
  return `unknown setting ${u.name} ignored; did you mean ${u.closest}?`;
}
