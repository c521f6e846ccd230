// Failure reasons, in plain words, shared by HTTP (bencoded `failure reason`) and UDP
// (error packet). `never` marks those a retry cannot fix (BEP 31 `retry in: never`);
// `retryIn` (minutes, 0 = unsaid) those worth retrying soon (BEP 31 `retry in: N`).

export interface Failure {
  readonly reason: string;
  readonly never: boolean;
  readonly retryIn: number;
}

const f = (reason: string, never = true, retryIn = 0): Failure => Object.freeze({ reason, never, retryIn });

export const FAIL_INFO_HASH = f('invalid info_hash: it must be 20 bytes');
export const FAIL_PEER_ID = f('invalid peer_id: it must be 20 bytes');
export const FAIL_PORT = f('invalid port: it must be a number from 1 to 65535');
export const FAIL_UPLOADED = f('invalid uploaded: it must be a non-negative integer');
export const FAIL_DOWNLOADED = f('invalid downloaded: it must be a non-negative integer');
export const FAIL_LEFT = f('invalid left: it must be a non-negative integer');
export const FAIL_NUMWANT = f('invalid numwant: it must be a non-negative integer');
export const FAIL_EVENT = f('invalid event: it must be started, completed, stopped, paused or empty');
export const FAIL_TORRENT_LIMIT = f('tracker is full: it tracks no new torrents at the moment', false);
export const FAIL_NO_HASHES = f('scrape needs at least one info_hash');
export const FAIL_TOO_MANY_HASHES = (max: number): Failure =>
  f(`too many info_hashes: at most ${max} per scrape`);
export const FAIL_QUERY = (why: string): Failure => f(`malformed query: ${why}`);
export const FAIL_RATE = f('too many announces from your address: slow down and retry later', false);
export const FAIL_PEERS_PER_IP = f('too many peers from your address in this torrent', false);
export const FAIL_DENIED = f('this torrent is blocked on this tracker');
export const FAIL_NOT_ALLOWED = f('unregistered torrent: this tracker serves listed torrents only');
/** The swarm store (Redis) did not answer in time, is unreachable or is overloaded. */
export const FAIL_STORE = f('tracker storage is unavailable: retry in a minute', false, 1);
