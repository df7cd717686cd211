#!/bin/sh
# Frame entrypoint: one tmux server on the socket the host sees, session `main` in /workspace.
# The server runs in the foreground (-D) so the container lives exactly as long as tmux does.
set -eu
SOCK=/run/optagon/tmux.sock
mkdir -p /run/optagon
# A socket left by the previous run of this frame would stop the new server from listening.
rm -f "$SOCK"
tmux -S "$SOCK" -D -f /etc/tmux.conf &
server=$!
i=0
until [ -S "$SOCK" ]; do
  i=$((i + 1)); [ "$i" -gt 500 ] && { echo "optagon: tmux server did not start" >&2; exit 1; }
  sleep 0.01
done
tmux -S "$SOCK" new-session -d -s main -c /workspace
# With rootless podman the host user is mapped to root here; the socket stays private to them.
chmod 0700 /run/optagon "$SOCK" 2>/dev/null || true
echo "optagon: frame ready (tmux session main in /workspace)"
wait "$server"
