// Clients that pipeline announces ending in a close and never read the replies: more
// reply bytes than the kernel buffers on loopback, so the rest waits in the server's
// socket. Shared by the in-process limits test and the `trakx run` stop test.

import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** Peers seeded into the torrent, and so peers in each reply (numwant.limit must allow it). */
export const UNREAD_PEERS = 1000;
/** Requests per client: each reply lists every peer in full (compact=0), ~55 kB. */
export const UNREAD_PIPELINED = 200;

/** The torrent they all announce; each request is a peer of its own. */
export const UNREAD_HASH = Buffer.from('unread-replies-hash!', 'latin1');
const HASH = UNREAD_HASH.toString('latin1');

/** One announce of the shared torrent; `last` ends the pipeline with a close. */
function announceHead(peer: number, numwant: number, last?: 'close' | 'http1.0'): string {
  const path = `/announce?info_hash=${HASH}&peer_id=unread-${String(peer).padStart(13, '0')}&port=${1 + peer}&left=1&compact=0&numwant=${numwant}`;
  if (last === 'http1.0') return `GET ${path} HTTP/1.0\r\n\r\n`;
  return `GET ${path} HTTP/1.1\r\nHost: t\r\n${last === 'close' ? 'Connection: close\r\n' : ''}\r\n`;
}

/** Put UNREAD_PEERS peers in the torrent (replies read, one connection). */
export async function seedUnreadTorrent(port: number, host = '127.0.0.1'): Promise<void> {
  const socket = connect(port, host);
  // Bounded: a server that stops answering fails the count below.
  socket.setTimeout(10_000, () => socket.destroy());
  let got = '';
  socket.on('data', (d: Buffer) => {
    got += d.toString('latin1');
  });
  let all = '';
  for (let i = 0; i < UNREAD_PEERS - 1; i++) all += announceHead(i, 0);
  // The last one closes: the server ends the connection after its reply.
  socket.write(all + announceHead(UNREAD_PEERS - 1, 0, 'close'));
  await once(socket, 'close');
  const heads = got.split('HTTP/1.1 200 ').length - 1;
  if (heads !== UNREAD_PEERS) throw new Error(`seeding got ${heads} of ${UNREAD_PEERS} replies`);
}

/**
 * A client that pipelines UNREAD_PIPELINED announces, the last one closing (`Connection:
 * close` or HTTP/1.0 without keep-alive), and reads nothing. `kept`: first a keep-alive
 * announce whose reply it does read, so the connection is one the server already keeps.
 * `tag` (0, 1, …) keeps each client's peers apart: once the torrent has
 * unreadPeers(clients) peers, the server has read every request.
 */
export async function unreadClient(
  port: number,
  last: 'close' | 'http1.0',
  kept: boolean,
  tag: number,
  host = '127.0.0.1',
): Promise<Socket> {
  const first = UNREAD_PEERS + tag * (UNREAD_PIPELINED + 1);
  const socket = connect(port, host);
  // Bounded until it stops reading (once() rejects on the error).
  socket.setTimeout(10_000, () => socket.destroy(new Error('no reply from the tracker')));
  await once(socket, 'connect');
  if (kept) {
    socket.write(announceHead(first + UNREAD_PIPELINED, 1));
    await once(socket, 'data');
  }
  // From here on only the server may end it; resets once it gives up are expected.
  socket.setTimeout(0);
  socket.on('error', () => {});
  socket.pause();
  let all = '';
  for (let i = 0; i < UNREAD_PIPELINED - 1; i++) all += announceHead(first + i, UNREAD_PEERS);
  socket.write(all + announceHead(first + UNREAD_PIPELINED - 1, UNREAD_PEERS, last));
  return socket;
}

/** Peers in the torrent once `clients` unread clients (`kept` of them kept) were read. */
export function unreadPeers(clients: number, kept: number): number {
  return UNREAD_PEERS + clients * UNREAD_PIPELINED + kept;
}
