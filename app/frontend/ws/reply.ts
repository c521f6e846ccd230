// The JSON texts the WebSocket tracker sends, field for field as bittorrent-tracker's server
// sends them. Binary strings are JSON-quoted once by the caller (swarm and peer keep theirs),
// so a reply is string concatenation. Pure: imports nothing of the app.

/** `s` as a JSON string literal (binary strings escape their control characters). */
export const quote = JSON.stringify as (s: string) => string;

/** An announce's reply to its sender (bittorrent-tracker sends no peers over WebSocket). */
export function announceReply(infoHashJson: string, interval: number, complete: number, incomplete: number) {
  return `{"action":"announce","interval":${interval},"info_hash":${infoHashJson},"complete":${complete},"incomplete":${incomplete}}`;
}

/** An offer handed to another peer of the swarm. */
export function offerMessage(offer: object, offerId: string, fromPeerJson: string, infoHashJson: string) {
  return `{"action":"announce","offer":${JSON.stringify(offer)},"offer_id":${quote(offerId)},"peer_id":${fromPeerJson},"info_hash":${infoHashJson}}`;
}

/** An answer routed back to the peer whose offer it answers. */
export function answerMessage(answer: object, offerId: string, fromPeerJson: string, infoHashJson: string) {
  return `{"action":"announce","answer":${JSON.stringify(answer)},"offer_id":${quote(offerId)},"peer_id":${fromPeerJson},"info_hash":${infoHashJson}}`;
}

/**
 * A refusal. With the action and info_hash known the client reports it as a warning for that
 * torrent; without (unreadable JSON) it is bittorrent-tracker's bare `failure reason`.
 */
export function failureReply(reason: string, action: string | null, infoHash: string | null): string {
  let s = '{';
  if (action !== null) s += `"action":${quote(action)},`;
  s += `"failure reason":${quote(reason)}`;
  if (infoHash !== null) s += `,"info_hash":${quote(infoHash)}`;
  return `${s}}`;
}

/** One scrape entry: `"<hash>":{...}`, joined by the caller into `files`. */
export function scrapeEntry(infoHashJson: string, complete: number, incomplete: number, downloaded: number) {
  return `${infoHashJson}:{"complete":${complete},"incomplete":${incomplete},"downloaded":${downloaded}}`;
}

/** The scrape reply around its joined entries. */
export function scrapeReply(entries: string, minInterval: number): string {
  return `{"action":"scrape","files":{${entries}},"flags":{"min_request_interval":${minInterval}}}`;
}
