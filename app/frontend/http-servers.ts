// Where the HTTP frontend publishes its node:http servers for frontends that share its
// port (WebSocket upgrades). Neither side knows of the other; start order does not matter:
// a listener added late is still told of every server published before.

import type { Server } from 'node:http';

export class HttpServers {
  private readonly servers: Server[] = [];
  private readonly listeners: ((server: Server) => void)[] = [];

  /** A frontend's server now listens on the tracker port. */
  publish(server: Server): void {
    this.servers.push(server);
    for (const l of this.listeners) l(server);
  }

  /** Call `listener` with every server published, before and after. */
  each(listener: (server: Server) => void): void {
    this.listeners.push(listener);
    for (const s of this.servers) listener(s);
  }

  get size(): number {
    return this.servers.length;
  }
}
