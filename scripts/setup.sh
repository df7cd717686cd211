#!/usr/bin/env bash
# Prepares this machine for Optagon: system packages, npm packages, the build, the frame image.
# Safe to run again: it installs only what is missing and skips an unchanged image.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# podman + runc run the frames; iptables keeps them off each other and off the host (as root); tmux is the host's own terminal multiplexer for the UI tests; git reads workspace history (context_ingest_git);
# debootstrap (as root) or mmdebstrap (as anyone else) makes the base image when no registry answers; uidmap/slirp4netns/fuse-overlayfs are
# what podman needs to run rootless; chromium (with fonts) is the browser server's, on the host as in frames.
# node-pty (the terminal gateway) has no Linux prebuilds: npm compiles it with node-gyp (make, g++, python3).
packages=(podman runc iptables tmux git debootstrap mmdebstrap uidmap slirp4netns fuse-overlayfs ca-certificates chromium fonts-liberation make g++ python3)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Optagon needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

# Rootless podman on a machine where it has no native overlay stores images with vfs, copying the
# whole image on every frame start; fuse-overlayfs is what it needs (set only for an empty store:
# changing the driver under existing images loses them).
if [ "$(id -u)" != 0 ] && [ ! -e "$HOME/.config/containers/storage.conf" ] && [ -w /dev/fuse ] \
  && [ "$(podman info --format '{{.Store.GraphDriverName}}' 2>/dev/null)" = vfs ] && [ -z "$(podman images -q 2>/dev/null)" ]; then
  echo "==> podman: overlay storage through fuse-overlayfs (~/.config/containers/storage.conf)"
  # The empty store is reset first, while podman still reads it as vfs: reset after the new
  # storage.conf, podman refuses (its database says vfs) and the database stays, so every later
  # call fails with "User-selected graph driver overlay overwritten by graph driver vfs".
  podman system reset --force >/dev/null 2>&1 || true
  mkdir -p "$HOME/.config/containers"
  printf '[storage]\ndriver = "overlay"\n\n[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\n' > "$HOME/.config/containers/storage.conf"
  driver=$(podman info --format '{{.Store.GraphDriverName}}' 2>/dev/null) || true
  if [ "$driver" != overlay ]; then
    echo "podman still does not use overlay storage ($driver); with no images to lose, remove ~/.local/share/containers/storage and run this again" >&2
    exit 1
  fi
fi

echo "==> npm ci"
npm ci --no-audit --no-fund
echo "==> build"
npm run build

echo "==> frame image (skipped when its inputs are unchanged)"
node dist/cli/optagon.cjs image build
