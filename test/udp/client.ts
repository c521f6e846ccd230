// A UDP test client on a real socket: send datagrams, await replies in arrival order.

import { createSocket, type Socket } from 'node:dgram';

export class UdpClient {
  private readonly queue: Buffer[] = [];
  private waiter: ((b: Buffer) => void) | null = null;

  private constructor(
    readonly socket: Socket,
    readonly host: string,
  ) {
    socket.on('message', (msg) => {
      const w = this.waiter;
      if (w) {
        this.waiter = null;
        w(msg);
      } else this.queue.push(msg);
    });
  }

  /** A client socket bound to `host` (127.0.0.1 or ::1) on an ephemeral port. */
  static open(host: string): Promise<UdpClient> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => {
        socket.off('error', reject);
        resolve(new UdpClient(socket, host));
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(b: Buffer, port: number): void {
    this.socket.send(b, port, this.host);
  }

  /** The next datagram, or null after `ms`. */
  next(ms = 1000): Promise<Buffer | null> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, ms);
      this.waiter = (b) => {
        clearTimeout(timer);
        resolve(b);
      };
    });
  }

  /** Send and await one reply (null when none comes within `ms`). */
  async request(b: Buffer, port: number, ms = 1000): Promise<Buffer | null> {
    this.send(b, port);
    return this.next(ms);
  }

  /** Connect (BEP 15) and return the 8-byte connection id. */
  async connect(port: number): Promise<Buffer> {
    const txid = (Math.random() * 0xffffffff) >>> 0;
    const req = Buffer.alloc(16);
    req.writeUInt32BE(0x417, 0);
    req.writeUInt32BE(0x27101980, 4);
    req.writeUInt32BE(0, 8);
    req.writeUInt32BE(txid, 12);
    const reply = await this.request(req, port);
    if (!reply || reply.length !== 16 || reply.readUInt32BE(0) !== 0 || reply.readUInt32BE(4) !== txid) {
      throw new Error('connect failed');
    }
    return Buffer.from(reply.subarray(8, 16));
  }

  /** Replies that arrive within `ms` (nothing else pending). */
  async drain(ms = 100): Promise<Buffer[]> {
    const got: Buffer[] = [];
    for (;;) {
      const b = await this.next(ms);
      if (!b) return got;
      got.push(b);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
