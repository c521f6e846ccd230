#!/bin/sh
# The Debian base of every stand-in image (Docker Hub is out of reach here): a minbase
# bookworm from debootstrap, imported into the engine at DOCKER_HOST as
# trakx-standin/debian:bookworm-ARCH. Built once; later runs find it in the engine.
#   standin-base.sh ARCH      (amd64 or arm64; arm64 needs qemu-user-static's binfmt)
set -eu

arch=${1:?usage: standin-base.sh amd64|arm64}
tag="trakx-standin/debian:bookworm-$arch"
# Debian's CLI matches its engine and builds with BuildKit without buildx.
docker=docker
if [ -x /usr/bin/docker ]; then docker=/usr/bin/docker; fi
if $docker image inspect "$tag" >/dev/null 2>&1; then exit 0; fi

# The mirror apt uses on this host, so the stand-in reaches what the host reaches.
mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p; s/^deb \(http[^ ]*debian\) .*/\1/p' \
  /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d "${TMPDIR:-/var/tmp}/trakx-standin-$arch.XXXXXX")
trap 'rm -rf "$root" "$root.log"' EXIT
trap 'exit 1' INT TERM
if [ "$arch" = "$(dpkg --print-architecture)" ]; then
  debootstrap --variant=minbase --arch="$arch" bookworm "$root" "$mirror" >"$root.log" 2>&1 ||
    { tail -20 "$root.log" >&2; exit 1; }
else
  # The second stage runs the foreign binaries through binfmt (qemu-user-static).
  debootstrap --variant=minbase --arch="$arch" --foreign bookworm "$root" "$mirror" >"$root.log" 2>&1 &&
    chroot "$root" /debootstrap/debootstrap --second-stage >>"$root.log" 2>&1 ||
    { tail -20 "$root.log" >&2; exit 1; }
fi
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
# A build FROM scratch records the architecture (`docker import --platform` needs an
# experimental engine).
ctx="$root.ctx"
mkdir -p "$ctx"
trap 'rm -rf "$root" "$root.log" "$ctx"' EXIT
tar -C "$root" -cf "$ctx/rootfs.tar" .
rm -rf "$root"
printf 'FROM scratch\nADD rootfs.tar /\nCMD ["bash"]\n' >"$ctx/Dockerfile"
DOCKER_BUILDKIT=1 $docker build -q --platform "linux/$arch" -t "$tag" "$ctx" >/dev/null
