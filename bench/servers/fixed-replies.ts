// The fixed bytes the bare responders answer with: valid tracker replies carrying
// 10 peers, so a client (and the load generator's checks) accept them. They stand for
// the cheapest possible tracker: no parsing beyond the action, no state.

const PEERS = 10;

function peerBytes(): Buffer {
  const b = Buffer.alloc(6 * PEERS);
  for (let i = 0; i < PEERS; i++) {
    b.writeUInt32BE(0x7f000001, i * 6);
    b.writeUInt16BE(6881 + i, i * 6 + 4);
  }
  return b;
}

/** BEP 15 announce reply: action 1, transaction id (patched per request), interval, counts, peers. */
export function udpAnnounceReply(): Buffer {
  const b = Buffer.alloc(20 + 6 * PEERS);
  b.writeUInt32BE(1, 0);
  b.writeUInt32BE(1800, 8);
  b.writeUInt32BE(3, 12);
  b.writeUInt32BE(7, 16);
  peerBytes().copy(b, 20);
  return b;
}

/** BEP 15 connect reply with a fixed connection id. */
export function udpConnectReply(): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(0, 0);
  b.writeUInt32BE(0x01020304, 8);
  b.writeUInt32BE(0x05060708, 12);
  return b;
}

/** BEP 15 scrape reply for up to 74 hashes (each entry seeders 7, completed 2, leechers 3). */
export function udpScrapeReply(): Buffer {
  const b = Buffer.alloc(8 + 12 * 74);
  b.writeUInt32BE(2, 0);
  for (let i = 0; i < 74; i++) {
    b.writeUInt32BE(7, 8 + i * 12);
    b.writeUInt32BE(2, 12 + i * 12);
    b.writeUInt32BE(3, 16 + i * 12);
  }
  return b;
}

/** The bencoded compact HTTP announce reply. */
export function httpAnnounceBody(): Buffer {
  const peers = peerBytes();
  return Buffer.concat([
    Buffer.from(
      `d8:completei7e10:downloadedi2e10:incompletei3e8:intervali1800e12:min intervali900e5:peers${peers.length}:`,
      'latin1',
    ),
    peers,
    Buffer.from('e', 'latin1'),
  ]);
}

/** Prints the one JSON line the bench runner waits for. */
export function announceReady(ports: { udpPort?: number; httpPort?: number }): void {
  process.stdout.write(`${JSON.stringify({ ready: true, ...ports })}\n`);
}

/** Exits cleanly on SIGTERM/SIGINT (the runner stops every target that way). */
export function exitOnSignal(close: () => void): void {
  const stop = (): void => {
    close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** Collects garbage on SIGUSR2 (run with --expose-gc), so memory is read after a full GC. */
export function gcOnSignal(): void {
  process.on('SIGUSR2', () => (globalThis as { gc?: () => void }).gc?.());
}
