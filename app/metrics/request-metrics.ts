// The request counters of the registry: prom-client Counters whose collect() callbacks
// copy the slots of RequestSlots (request-slots.ts) when Prometheus scrapes, so the hot
// path touches no label objects, strings or lookups. /stats reads the same slots, so both
// stay cumulative and consistent with each other. The slots read are one thread's, or
// with worker threads the sum over every worker's.

import { Counter, type Registry } from 'prom-client';
import {
  EVENTS,
  hasAction,
  LIMITS,
  PROTOCOLS,
  type Protocol,
  REQUEST_KINDS,
  RESULTS,
  type RequestKind,
} from '../bittorrent/observer.ts';
import type { RequestSlots } from './request-slots.ts';

type Labels = Record<string, string>;

/** One exposed series: its labels and the slot that holds its value. */
interface Series {
  slot: number;
  labels: Labels;
}

/** One series per value of one label, slot = index of the value. */
function oneLabel(name: string, values: readonly string[]): Series[] {
  return values.map((v, slot) => ({ slot, labels: { [name]: v } }));
}

/**
 * trakx_requests_total's series: every (protocol, action, result) that can occur, so
 * rates and ratios never lack a series, and none that cannot (an HTTP connect).
 */
export function requestSeries(): Series[] {
  const out: Series[] = [];
  for (let p = 0; p < PROTOCOLS.length; p++) {
    for (let a = 0; a < REQUEST_KINDS.length; a++) {
      if (!hasAction(p as Protocol, a as RequestKind)) continue;
      for (let r = 0; r < RESULTS.length; r++) {
        const labels = { protocol: PROTOCOLS[p], action: REQUEST_KINDS[a], result: RESULTS[r] };
        out.push({ slot: (p * REQUEST_KINDS.length + a) * RESULTS.length + r, labels });
      }
    }
  }
  return out;
}

/** A counter whose label sets are fixed up front and whose values live in `slots`. */
function slotCounter(
  registry: Registry,
  name: string,
  help: string,
  series: readonly Series[],
  slots: () => Float64Array,
): void {
  const labelNames = Object.keys(series[0]?.labels ?? {});
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      const values = slots();
      this.reset();
      for (const s of series) this.inc(s.labels, values[s.slot]);
    },
  });
}

/** Registers the request counters on `registry`, each reading `read()` when scraped. */
export function registerRequestCounters(registry: Registry, read: () => RequestSlots): void {
  slotCounter(
    registry,
    'trakx_requests_total',
    'Tracker requests answered, by protocol, action and result (client_error: a failure reason or error packet sent to the client; server_error: an internal error).',
    requestSeries(),
    () => read().requests,
  );
  slotCounter(
    registry,
    'trakx_announces_total',
    'Valid announces by event (none is a regular re-announce).',
    oneLabel('event', EVENTS),
    () => read().announces,
  );
  slotCounter(
    registry,
    'trakx_received_bytes_total',
    'Request payload bytes received (HTTP: the request target; UDP: the datagram).',
    oneLabel('protocol', PROTOCOLS),
    () => read().received,
  );
  slotCounter(
    registry,
    'trakx_sent_bytes_total',
    'Reply payload bytes sent (HTTP: the body; UDP: the datagram).',
    oneLabel('protocol', PROTOCOLS),
    () => read().sent,
  );
  slotCounter(
    registry,
    'trakx_limit_hits_total',
    'Requests or connections refused or trimmed by an abuse limit, by limit.',
    oneLabel('limit', LIMITS),
    () => read().limits,
  );
  // The UDP server's reasons have their series at 0 from the start, like every other
  // label; `other` only once something was counted there, as no UDP server reason is.
  new Counter({
    name: 'trakx_udp_errors_total',
    help: 'UDP error packets sent, by reason (`other` collects reasons beyond the first 31 seen).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const slots = read();
      const errors = slots.udpErrors;
      const reasons = slots.reasonNames;
      this.reset();
      for (let i = errors[0] === 0 ? 1 : 0; i < reasons.length; i++)
        this.inc({ reason: reasons[i] }, errors[i]);
    },
  });
}
