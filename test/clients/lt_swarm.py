#!/usr/bin/python3
"""Two real BitTorrent clients (libtorrent sessions) meeting through one tracker.

Creates a random file, makes a v1 (with --hybrid: v1+v2) .torrent whose only way to
find peers is the given announce URL, seeds it from one session and downloads it with a
second one, both sessions in this one process at libtorrent's default settings except
that DHT, LSD, UPnP and NAT-PMP are off and both listen on loopback only, so the tracker
is the only place the two can learn about each other. Connections and extension
handshakes are read from peer_log alerts (Debian's build has logging compiled in);
LT_DEBUG=1 prints them to stderr.

Prints one JSON line when the download completed or the timeout ran out:
  {"ok": bool, "completed": bool, "verified": bool, "info_hash": hex, "seconds": float,
   "leecher_peer_sources": [...], "tracker_replies": [...], "tracker_errors": [...], ...}
and exits 0 when the leecher became a seeder with the exact bytes, 3 on timeout, 1 on a
bad download. Then it removes the torrents, which sends `stopped`, and prints
{"stops_sent": bool} once both sessions have sent it. With --hold it waits for a line on
stdin (or --hold-timeout) before each of those two steps, so a caller can inspect the
tracker's swarm while both peers are in it, and again after they announced `stopped`.

Needs Debian's python3-libtorrent (libtorrent 2.0), importable by /usr/bin/python3.
"""

import argparse
import hashlib
import json
import os
import re
import select
import sys
import time

try:
    import libtorrent as lt
except ImportError as err:  # The caller reports this; keep the message recognisable.
    print(json.dumps({"ok": False, "error": "python3-libtorrent missing: %s" % err}))
    sys.exit(4)

# Peer sources as libtorrent reports them in peer_info.source.
SOURCES = {
    "tracker": lt.peer_info.tracker,
    "dht": lt.peer_info.dht,
    "pex": lt.peer_info.pex,
    "lsd": lt.peer_info.lsd,
    "resume_data": lt.peer_info.resume_data,
}

ALERTS = (
    lt.alert.category_t.error_notification
    | lt.alert.category_t.status_notification
    | lt.alert.category_t.tracker_notification
    | lt.alert.category_t.connect_notification
    | lt.alert.category_t.peer_notification
    | lt.alert.category_t.peer_log_notification
)


def settings(iface):
    # libtorrent's defaults except for these: loopback only on an ephemeral port, so
    # nothing outside the machine can join and nothing collides with a parallel test;
    # the network discovery paths off, since this machine has no network and the
    # tracker must be the only way the two sessions can meet; alerts on, to observe.
    return {
        "listen_interfaces": iface,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        # peer_log is what shows the connections; it only reports, it changes nothing.
        "alert_mask": ALERTS,
        "alert_queue_size": 10000,
    }


def make_session(iface):
    # Both sessions live in this one process, so they share libtorrent's process-wide
    # UDP connection-id cache (keyed by tracker only): the leecher's socket presents the
    # id the seeder's socket got. Default plugins (ut_pex among them) stay on; with two
    # peers PEX has no one else to tell about.
    return lt.session(settings(iface))


def make_torrent(workdir, announce, size, hybrid):
    seed_dir = os.path.join(workdir, "seed")
    os.makedirs(seed_dir, exist_ok=True)
    payload = os.urandom(size)
    name = "payload.bin"
    with open(os.path.join(seed_dir, name), "wb") as f:
        f.write(payload)
    fs = lt.file_storage()
    lt.add_files(fs, os.path.join(seed_dir, name))
    # v1 only by default. A hybrid (v1+v2) torrent, libtorrent 2's default, is
    # announced once per info hash: the SHA-1 one and the SHA-256 one cut to 20 bytes.
    # 16 KiB pieces keep the piece count > 1 for small payloads.
    ct = lt.create_torrent(fs, 16 * 1024, flags=0 if hybrid else lt.create_torrent.v1_only)
    ct.add_tracker(announce, 0)
    ct.set_creator("trakx test/clients/lt_swarm.py")
    lt.set_piece_hashes(ct, seed_dir)
    meta = ct.generate()
    info = lt.torrent_info(meta)
    return info, meta, seed_dir, name, hashlib.sha256(payload).hexdigest()


def with_tracker(meta, announce):
    """The same torrent (same info hash: trackers are outside the info dict) announcing
    to `announce` only."""
    other = dict(meta)
    other[b"announce"] = announce.encode()
    other.pop(b"announce-list", None)
    return lt.torrent_info(other)


class Observer:
    """Collects what the alerts tell about trackers, connections and extension handshakes."""

    def __init__(self):
        self.replies = []
        self.errors = []
        self.warnings = []
        self.peer_connects = 0
        self.outgoing = []
        self.incoming = []
        self.remote_extensions = set()
        self.stops_sent = set()
        self.debug = bool(os.environ.get("LT_DEBUG"))

    def drain(self, ses, who):
        for a in ses.pop_alerts():
            if isinstance(a, lt.tracker_reply_alert):
                self.replies.append({"who": who, "url": a.tracker_url(), "num_peers": a.num_peers})
            elif isinstance(a, lt.tracker_error_alert):
                self.errors.append(
                    {
                        "who": who,
                        "url": a.tracker_url(),
                        "status": a.status_code,
                        "error": a.error.message(),
                        "reason": a.failure_reason(),
                    }
                )
            elif isinstance(a, lt.tracker_warning_alert):
                self.warnings.append({"who": who, "message": a.warning_message()})
            elif isinstance(a, lt.tracker_announce_alert):
                if a.event == lt.event_t.stopped:
                    self.stops_sent.add(who)
            elif isinstance(a, lt.peer_connect_alert):
                self.peer_connects += 1
            elif isinstance(a, lt.peer_log_alert):
                self.peer_log(who, a.message())

    def peer_log(self, who, msg):
        if self.debug:
            print(who, msg, file=sys.stderr)
        if ">>> OUTGOING_CONNECTION" in msg:
            m = re.search(r"ep: (\S+) type: (\S+)", msg)
            if m:
                self.outgoing.append({"who": who, "ep": m.group(1), "type": m.group(2)})
        elif "<<< INCOMING_CONNECTION" in msg:
            m = re.search(r"ep: (\S+) type: (\S+)", msg)
            if m:
                self.incoming.append({"who": who, "ep": m.group(1), "type": m.group(2)})
        elif "<== EXTENDED_HANDSHAKE" in msg:
            # The remote's handshake dict; the keys of its "m" dict name the extension
            # messages it speaks. With PEX on, "ut_pex" is among them.
            m = re.search(r"'m': \{([^}]*)\}", msg)
            if m:
                self.remote_extensions.update(re.findall(r"'([A-Za-z0-9_]+)':", m.group(1)))


def wait_line(timeout, pump):
    """Keep the sessions serviced until a line arrives on stdin, EOF, or the timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        pump()
        ready, _, _ = select.select([sys.stdin], [], [], 0.1)
        if ready:
            sys.stdin.readline()
            return


def wait_for(cond, deadline, step, pump):
    while time.monotonic() < deadline:
        pump()
        if cond():
            return True
        time.sleep(step)
    pump()
    return cond()


def tracker_hashes(info):
    ih = info.info_hashes()
    out = []
    if ih.has_v1():
        out.append(str(ih.v1))
    if ih.has_v2():
        out.append(str(ih.v2)[:40])
    return out


def source_names(flags):
    return sorted(name for name, bit in SOURCES.items() if flags & bit)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--announce", required=True, help="the torrent's only tracker URL")
    ap.add_argument(
        "--leecher-announce",
        help="the leecher's copy of the torrent names this tracker instead (another instance sharing swarms)",
    )
    ap.add_argument("--dir", required=True, help="scratch directory (created if missing)")
    ap.add_argument("--iface", default="127.0.0.1:0", help="listen_interfaces for both sessions")
    ap.add_argument("--size", type=int, default=512 * 1024, help="payload bytes")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds for the whole download")
    ap.add_argument("--hybrid", action="store_true", help="make a v1+v2 torrent")
    ap.add_argument("--hold", action="store_true", help="after the result, wait for a stdin line")
    ap.add_argument("--hold-timeout", type=float, default=20.0)
    args = ap.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    started = time.monotonic()
    deadline = started + args.timeout
    info, meta, seed_dir, name, digest = make_torrent(args.dir, args.announce, args.size, args.hybrid)
    leech_dir = os.path.join(args.dir, "leech")
    os.makedirs(leech_dir, exist_ok=True)

    seeder = make_session(args.iface)
    leecher = make_session(args.iface)
    obs = Observer()

    def pump():
        obs.drain(seeder, "seeder")
        obs.drain(leecher, "leecher")

    sp = lt.add_torrent_params()
    sp.ti = info
    sp.save_path = seed_dir
    seed = seeder.add_torrent(sp)

    # Let the seeder check its data and reach the tracker first, so the leecher's first
    # announce already gets the seeder back. If the tracker is unreachable this just
    # waits out a share of the budget and the leecher starts anyway.
    wait_for(
        lambda: seed.status().is_seeding and any(r["who"] == "seeder" for r in obs.replies + obs.errors),
        started + args.timeout / 3,
        0.05,
        pump,
    )

    lp = lt.add_torrent_params()
    lp.ti = with_tracker(meta, args.leecher_announce) if args.leecher_announce else lt.torrent_info(info)
    lp.save_path = leech_dir
    leech = leecher.add_torrent(lp)

    seen_sources = set()
    seen_peers = set()

    def progress():
        for p in leech.get_peer_info():
            seen_sources.update(source_names(p.source))
            direction = "out" if p.flags & lt.peer_info.outgoing_connection else "in"
            seen_peers.add("%s:%d/%s" % (p.ip[0], p.ip[1], direction))
        return leech.status().is_seeding

    completed = wait_for(progress, deadline, 0.05, pump)
    if completed:
        # Give the peer list a moment to show the (still open) connection.
        wait_for(lambda: progress() and seen_sources, min(deadline, time.monotonic() + 2), 0.05, pump)
    seconds = time.monotonic() - started

    verified = False
    if completed:
        with open(os.path.join(leech_dir, name), "rb") as f:
            verified = hashlib.sha256(f.read()).hexdigest() == digest

    st = leecher.get_settings()
    result = {
        "ok": completed and verified,
        "completed": completed,
        "verified": verified,
        "bytes": args.size,
        "seconds": round(seconds, 3),
        "info_hash": str(info.info_hash()),
        # What the tracker sees: 20-byte hashes, the v2 one truncated (BEP 52).
        "tracker_hashes": tracker_hashes(info),
        "libtorrent": lt.__version__,
        "seeder_listen": seeder.listen_port(),
        "leecher_listen": leecher.listen_port(),
        "leecher_peer_sources": sorted(seen_sources),
        "leecher_peers": sorted(seen_peers),
        "peer_connects": obs.peer_connects,
        "outgoing": obs.outgoing,
        "incoming": obs.incoming,
        "tracker_replies": obs.replies,
        "tracker_errors": obs.errors[:5],
        "tracker_error_count": len(obs.errors),
        "tracker_warnings": obs.warnings[:5],
        "remote_extensions": sorted(obs.remote_extensions),
        "settings": {k: st[k] for k in ("enable_dht", "enable_lsd", "enable_upnp", "enable_natpmp")},
        "dht_running": leecher.is_dht_running(),
    }
    print(json.dumps(result), flush=True)

    # With --hold: first line on stdin -> stop; second -> exit. Between the two the
    # sessions stay up so the `stopped` announces can finish (libtorrent reports no
    # reply for a removed torrent, and tearing a session down from Python does not
    # wait for them).
    if args.hold:
        wait_line(args.hold_timeout, pump)
    seeder.remove_torrent(seed)
    leecher.remove_torrent(leech)
    # libtorrent sends `stopped` only to a tracker that answered before.
    announced = {r["who"] for r in obs.replies}
    stops = wait_for(lambda: obs.stops_sent >= announced, time.monotonic() + 5, 0.05, pump)
    print(json.dumps({"stops_sent": stops}), flush=True)
    if args.hold:
        wait_line(args.hold_timeout, pump)
    sys.exit(0 if result["ok"] else (3 if not completed else 1))


if __name__ == "__main__":
    main()
