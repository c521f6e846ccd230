// bittorrent-tracker ships no types; the bench uses only its server's listen/close.
declare module 'bittorrent-tracker/server' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:dgram';
  import type { Server as HttpServer } from 'node:http';

  interface ServerOptions {
    http?: boolean | object;
    udp?: boolean | object;
    ws?: boolean | object;
    stats?: boolean;
    trustProxy?: boolean;
    interval?: number;
  }
  export default class Server extends EventEmitter {
    constructor(opts?: ServerOptions);
    udp4: Socket;
    http: HttpServer;
    listen(port: object | number, hostname: object | string, onlistening?: () => void): void;
    close(cb?: () => void): void;
  }
}

// autocannon ships no types either; only the fields the fallback HTTP load reads.
declare module 'autocannon' {
  interface AutocannonOptions {
    url: string;
    connections: number;
    duration: number;
    headers?: Record<string, string>;
    requests?: { method: string; setupRequest: (req: Record<string, unknown>) => Record<string, unknown> }[];
  }
  interface AutocannonResult {
    requests: { total: number };
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    latency: { p50: number; p99: number };
  }
  export default function autocannon(opts: AutocannonOptions): Promise<AutocannonResult>;
}
