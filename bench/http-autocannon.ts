// HTTP load with autocannon, used when wrk is not installed. Runs in its own process
// (pinned like wrk) and prints one JSON summary line:
//   node http-autocannon.js '{"port":N,"urlFile":"…","close":false,"connections":64,"seconds":8}'

import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

interface Args {
  port: number;
  urlFile: string;
  close: boolean;
  connections: number;
  seconds: number;
}

const args = JSON.parse(process.argv[2]) as Args;
const paths = readFileSync(args.urlFile, 'utf8').trim().split('\n');
let next = 0;

const result = await autocannon({
  url: `http://127.0.0.1:${args.port}`,
  connections: args.connections,
  duration: args.seconds,
  // The server closes after each reply; autocannon then opens a new connection
  // (its reconnectRate option stalls instead, measured 0 requests).
  ...(args.close ? { headers: { connection: 'close' } } : {}),
  requests: [
    {
      method: 'GET',
      setupRequest: (req: Record<string, unknown>) => {
        next = next + 1 === paths.length ? 0 : next + 1;
        return { ...req, path: paths[next] };
      },
    },
  ],
});

process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    seconds: result.duration,
    errors: result.errors + result.timeouts + result.non2xx,
    closed: 0,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  })}\n`,
);
