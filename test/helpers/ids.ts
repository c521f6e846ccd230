// Known info_hashes and peer ids from small integers, so a test can name the torrent or
// peer it expects to find (and rebuild the bytes to look for in a reply or a dump).

/** A 20-byte info_hash for torrent `n` (`salt` keeps one test's swarms apart from another's). */
export function infoHash(n: number, salt = 0): Buffer {
  const h = Buffer.alloc(20, 0x5a);
  h.writeUInt32BE(n, 0);
  h.writeUInt32BE(salt, 4);
  h[8] = 0x26; // '&': must be percent-escaped in a URL
  return h;
}

/** An Azureus-style 20-byte peer id, `-TT0001-` and `n` in 12 digits. */
export function peerId(n: number): Buffer {
  const id = Buffer.from('-TT0001-000000000000', 'latin1');
  id.write(String(n).padStart(12, '0'), 8, 'latin1');
  return id;
}
