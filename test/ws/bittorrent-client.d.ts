// bittorrent-tracker ships no types; the fields of its client the WebSocket tests use.
declare module 'bittorrent-tracker/client' {
  import type { EventEmitter } from 'node:events';

  interface ClientOptions {
    infoHash: string;
    peerId: string;
    announce: string[];
    port: number;
  }
  export default class Client extends EventEmitter {
    constructor(opts: ClientOptions);
    start(opts?: object): void;
    stop(opts?: object): void;
    complete(opts?: object): void;
    update(opts?: object): void;
    scrape(opts?: object): void;
    destroy(cb?: () => void): void;
  }
}
