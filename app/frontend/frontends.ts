// The frontends a config enables, in start order. A new protocol adds its line here.

import type { Config } from '../config/types.ts';
import type { Frontend } from './frontend.ts';
import { HttpFrontend } from './http/frontend.ts';
import { UdpFrontend } from './udp/frontend.ts';
import { WsFrontend } from './ws/frontend.ts';

export function configuredFrontends(config: Config): Frontend[] {
  const list: Frontend[] = [];
  if (config.http.enabled) list.push(new HttpFrontend());
  if (config.udp.enabled) list.push(new UdpFrontend());
  // WebSocket upgrades arrive on the HTTP frontend's servers (context.httpServers).
  if (config.ws.enabled && config.http.enabled) list.push(new WsFrontend());
  return list;
}
