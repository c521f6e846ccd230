#!/bin/sh
# A private Docker engine for the container tests: its own data-root, exec-root, socket
# and pidfile under DIR, so it neither needs nor touches a system dockerd.
#   dockerd.sh start [DIR]   starts it (or reuses a running one) and prints
#                            `export DOCKER_HOST=unix://DIR/docker.sock`
#   dockerd.sh stop [DIR]    stops it and removes the bridges and iptables chains it made
# DIR defaults to /var/tmp/trakx-dockerd; images stay there between runs as a cache.
set -eu

cmd=${1:?usage: dockerd.sh start|stop [DIR]}
dir=${2:-/var/tmp/trakx-dockerd}
sock="$dir/docker.sock"
pidfile="$dir/dockerd.pid"

alive() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
bridges() { ip -o link show type bridge 2>/dev/null | awk -F': ' '{ print $2 }' | sort; }
chains() { iptables -t "$1" -S 2>/dev/null | awk '/^-N DOCKER/ { print $2 }'; }

case "$cmd" in
start)
  mkdir -p "$dir/data" "$dir/exec"
  if ! alive; then
    # What existed before, so stop removes only what this engine added.
    bridges >"$dir/bridges.before"
    { chains filter; chains nat; } >"$dir/chains.before"
    iptables -S FORWARD 2>/dev/null | awk '$1 == "-P" { print $3 }' >"$dir/forward.before"
    dockerd --data-root "$dir/data" --exec-root "$dir/exec" -H "unix://$sock" \
      --pidfile "$pidfile" --containerd-namespace trakx --containerd-plugins-namespace trakx-plugins \
      >"$dir/dockerd.log" 2>&1 &
    i=0
    until DOCKER_HOST="unix://$sock" docker version >/dev/null 2>&1; do
      i=$((i + 1))
      if [ "$i" -gt 120 ]; then
        tail -20 "$dir/dockerd.log" >&2
        echo "dockerd did not answer on $sock" >&2
        exit 1
      fi
      sleep 0.5
    done
  fi
  echo "export DOCKER_HOST=unix://$sock"
  ;;
stop)
  if alive; then
    pid=$(cat "$pidfile")
    kill "$pid"
    i=0
    while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 60 ]; do i=$((i + 1)); sleep 0.5; done
  fi
  # dockerd leaves its bridges, iptables rules and chains, and a FORWARD policy of DROP.
  new_bridges=$(bridges | grep -vxF -f "$dir/bridges.before" 2>/dev/null || true)
  for table in filter nat; do
    new_chains=$(chains "$table" | grep -vxF -f "$dir/chains.before" 2>/dev/null || true)
    # Rules that jump to a new chain or name a new bridge go first, then the chains.
    iptables -t "$table" -S | awk -v names="$new_chains $new_bridges" '
      BEGIN { n = split(names, a, /[ \n]+/); for (i = 1; i <= n; i++) if (a[i] != "") mine[a[i]] = 1 }
      $1 == "-A" && !($2 in mine) { for (i = 3; i < NF; i++) if ($i ~ /^(-j|-i|-o)$/ && ($(i + 1) in mine)) { print; break } }
    ' | while read -r rule; do
      # shellcheck disable=SC2086
      iptables -t "$table" $(echo "$rule" | sed 's/^-A /-D /') 2>/dev/null || true
    done
    for chain in $new_chains; do iptables -t "$table" -F "$chain" 2>/dev/null || true; done
    for chain in $new_chains; do iptables -t "$table" -X "$chain" 2>/dev/null || true; done
  done
  for br in $new_bridges; do ip link delete "$br" 2>/dev/null || true; done
  if [ -s "$dir/forward.before" ]; then iptables -P FORWARD "$(cat "$dir/forward.before")"; fi
  # Network namespaces it left mounted under the exec-root, deepest first.
  awk -v root="$dir/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$dir/exec" "$sock"
  ;;
*)
  echo "usage: dockerd.sh start|stop [DIR]" >&2
  exit 2
  ;;
esac
