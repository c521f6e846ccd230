#!/bin/sh
# The official image's entrypoint, in what the trakx stack uses of it: a mounted, empty
# /etc/netdata gets the stock configuration, then netdata runs in the foreground with
# the host's /proc under /host and any options given.
set -e

if mountpoint -q /etc/netdata 2>/dev/null || [ -z "$(ls -A /etc/netdata)" ]; then
  cp -an /etc/netdata.stock/. /etc/netdata/
fi
mkdir -p /var/cache/netdata /var/lib/netdata /var/log/netdata /run/netdata
chown -R "$DOCKER_USR" /var/cache/netdata /var/lib/netdata /var/log/netdata /run/netdata
exec /usr/sbin/netdata -u "$DOCKER_USR" -D -s /host -p "$NETDATA_LISTENER_PORT" "$@"
