// The IP version of a peer, 4 or 6: the one encoding used from the frontends down to
// the store's API. IPv4 and IPv6 peers are kept and answered apart (BEP 7).

export type Family = 4 | 6;
