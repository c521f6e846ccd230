#!/bin/sh
# Installs trakx's netdata integration (python.d go_expvar collector):
#   1. sets `go_expvar: yes` in python.d.conf (copying netdata's stock file first if the
#      user has none, as `edit-config` would);
#   2. merges the `trakx:` job of go_expvar.conf beside this script into
#      python.d/go_expvar.conf: other jobs and settings stay as they are, an earlier
#      trakx job is replaced, so running it again changes nothing;
#   3. copies the health alarms to health.d/trakx.conf;
#   4. restarts netdata when it installed into the real /etc/netdata.
#
# Environment:
#   NETDATA_DIR        netdata's user config directory (default /etc/netdata)
#   NETDATA_STOCK_DIR  netdata's stock config directory (default /usr/lib/netdata/conf.d)
#   TRAKX_STATS_URL    trakx's /stats URL (default http://127.0.0.1:1337/stats)
#   NETDATA_RESTART    yes or no (default: yes when NETDATA_DIR is /etc/netdata)
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
dir=${NETDATA_DIR:-/etc/netdata}
stock=${NETDATA_STOCK_DIR:-/usr/lib/netdata/conf.d}
url=${TRAKX_STATS_URL:-http://127.0.0.1:1337/stats}
if [ "$dir" = /etc/netdata ]; then restart=${NETDATA_RESTART:-yes}; else restart=${NETDATA_RESTART:-no}; fi

mkdir -p "$dir/python.d" "$dir/health.d"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# 1. Enable the module. A user python.d.conf is merged over the stock one.
conf="$dir/python.d.conf"
if [ ! -f "$conf" ]; then
  if [ -f "$stock/python.d.conf" ]; then cp "$stock/python.d.conf" "$conf"; else : >"$conf"; fi
fi
if grep -q '^go_expvar:' "$conf"; then
  awk '/^go_expvar:/ { print "go_expvar: yes"; next } { print }' "$conf" >"$tmp"
  cat "$tmp" >"$conf"
else
  printf 'go_expvar: yes\n' >>"$conf"
fi

# 2. Merge the job. Jobs are the top-level keys of go_expvar.conf: drop an earlier trakx
# job (between our markers, or a bare `trakx:` key up to the next top-level key), trim
# trailing blank lines, then append ours.
jobs="$dir/python.d/go_expvar.conf"
if [ ! -f "$jobs" ]; then
  if [ -f "$stock/python.d/go_expvar.conf" ]; then cp "$stock/python.d/go_expvar.conf" "$jobs"; else : >"$jobs"; fi
fi
awk '
  /^# BEGIN trakx job/ { skip = 2; next }
  skip == 2 { if ($0 ~ /^# END trakx job/) skip = 0; next }
  /^trakx:[[:space:]]*(#.*)?$/ { skip = 1; next }
  skip == 1 { if ($0 ~ /^[^[:space:]#]/) skip = 0; else next }
  { lines[++n] = $0 }
  END {
    while (n > 0 && lines[n] ~ /^[[:space:]]*$/) n--
    for (i = 1; i <= n; i++) print lines[i]
  }
' "$jobs" >"$tmp"
{
  cat "$tmp"
  [ -s "$tmp" ] && printf '\n'
  printf '# BEGIN trakx job (netdata/install.sh replaces everything down to END)\n'
  awk -v url="$url" '
    /^trakx:/ { on = 1 }
    on && /^  url:/ { print "  url: " url; next }
    on { print }
  ' "$here/go_expvar.conf"
  printf '# END trakx job\n'
} >"$jobs.new"
cat "$jobs.new" >"$jobs" # keeps the owner and mode netdata gave the file
rm -f "$jobs.new"

# 3. Alarms (a file of our own).
cp "$here/trakx-health.conf" "$dir/health.d/trakx.conf"

# 4. Reload netdata.
if [ "$restart" = yes ]; then
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet netdata 2>/dev/null; then
    systemctl restart netdata
  elif command -v service >/dev/null 2>&1; then
    service netdata restart || true
  fi
fi
echo "trakx: netdata go_expvar job installed in $jobs (url $url)"
