// Durations in configuration: `90s`, `30m`, `1h`, `1h30m`, `500ms` or a bare number of
// seconds. Returned in seconds (fractions allowed for ms); undefined when malformed.

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (!WHOLE.test(text)) return undefined;
  let seconds = 0;
  for (const m of text.matchAll(PART)) seconds += Number(m[1]) * UNIT_SECONDS[m[2]];
  return seconds;
}
