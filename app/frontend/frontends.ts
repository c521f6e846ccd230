// The frontends a config enables, in start order. A new protocol adds its line here.

import type { Config } from '../config/types.ts';
import type { Frontend } from './frontend.ts';
import { HttpFrontend } from './http/frontend.ts';
import { UdpFrontend } from './udp/frontend.ts';

export function configuredFrontends(config: Config): Frontend[] {
  const list: Frontend[] = [];
  if (config.http.enabled) list.push(new HttpFrontend());
  if (config.udp.enabled) list.push(new UdpFrontend());
  return list;
}
