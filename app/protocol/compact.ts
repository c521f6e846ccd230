// Compact peer entries (BEP 23 IPv4: address + port = 6 bytes; BEP 7 IPv6: 18 bytes)
// written back to back into a reply buffer, from buf[pos] up to buf[end].

export interface CompactOut {
  buf: Uint8Array;
  pos: number;
  end: number;
}
