#!/usr/bin/env bash
# Makes an unprivileged user who runs Optagon with rootless podman, as a user on a desktop would, and
# gives it a copy of this checkout. Run as root (after setup.sh has installed the packages):
#   scripts/rootless-user.sh [user]      (default: optagon-ci)
# Then, as that user, what a user does: runuser -u <user> -- env HOME=/home/<user> bash -c 'cd ~/optagon && bash scripts/setup.sh'
set -euo pipefail
cd "$(dirname "$0")/.."
user=${1:-optagon-ci}
[ "$(id -u)" = 0 ] || { echo "run as root: it makes a user" >&2; exit 1; }

if ! id "$user" >/dev/null 2>&1; then
  echo "==> user $user"
  useradd --create-home --shell /bin/bash "$user" # Debian's useradd gives it subuid/subgid ranges
fi
home=$(getent passwd "$user" | cut -d: -f6)
uid=$(id -u "$user")
# Rootless podman needs 65536 subordinate ids; add a range only if there is none (a second line for
# the same user makes newuidmap fail).
for f in /etc/subuid /etc/subgid; do
  grep -qE "^($user|$uid):" "$f" 2>/dev/null || echo "$user:200000:65536" >> "$f"
done
# A desktop has these usable by everyone; these machines have them 0600 (slirp4netns and
# fuse-overlayfs then fail, and podman falls back to copying images with vfs).
chmod 0666 /dev/net/tun /dev/fuse

# node-gyp builds native modules against the installed Node's headers (root's ~/.npmrc says where).
[ -f /root/.npmrc ] && install -o "$user" -g "$user" -m 0600 /root/.npmrc "$home/.npmrc"

echo "==> a copy of this checkout in $home/optagon (without its build: the user's setup makes its own)"
rm -rf "$home/optagon"
mkdir -p "$home/optagon"
tar -C . --exclude=./.git --exclude=./node_modules --exclude=./dist -cf - . | tar -C "$home/optagon" -xf -
chown -R "$user:" "$home/optagon"
echo "==> $user ready (uid $uid); next, as $user: bash scripts/setup.sh"
