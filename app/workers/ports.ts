// The ports worker threads share. reusePort lets any socket of this user that also asks
// for it join a port, so a second trakx on a taken port would quietly split its traffic
// with the first instead of failing. The main thread therefore binds each port once
// without reusePort, which fails with EADDRINUSE as the single-thread path does, and for
// port 0 learns a free port the same way; then the workers bind it with reusePort.

import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** A free UDP port at `ip` (the given one, checked, or a kernel-chosen one for 0). */
export async function claimUdpPort(ip: string, port: number): Promise<number> {
  try {
    return await claimUdp(ip, port);
  } catch (err) {
    // `::` on a host without IPv6: the workers fall back to 0.0.0.0 (udp/frontend.ts).
    const code = (err as NodeJS.ErrnoException).code;
    if (ip !== '::' || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw err;
    return claimUdp('0.0.0.0', port);
  }
}

function claimUdp(ip: string, port: number): Promise<number> {
  const socket = createSocket({ type: ip.includes(':') ? 'udp6' : 'udp4', ipv6Only: false });
  return new Promise((resolve, reject) => {
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind({ address: ip, port, exclusive: true }, () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

/** A free TCP port at `ip`, likewise. */
export function claimTcpPort(ip: string, port: number): Promise<number> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: ip, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}
