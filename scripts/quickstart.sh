#!/usr/bin/env bash
# A newcomer's first run: set up, then create and start a frame on a sample project and show how to attach.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

sample=${OPTAGON_SAMPLE:-$HOME/optagon-sample}
mkdir -p "$sample"
[ -f "$sample/README.md" ] || printf '# Sample project\n\nEdited inside an Optagon frame.\n' > "$sample/README.md"

optagon() { node "$PWD/dist/cli/optagon.cjs" "$@"; }
if optagon frame get sample >/dev/null 2>&1; then
  optagon frame start sample 2>/dev/null || true
else
  optagon frame create sample --workspace "$sample" --start
fi
optagon frame list
echo
echo "Attach to it:   node $PWD/dist/cli/optagon.cjs frame attach sample     (detach: C-b d)"
echo "or directly:    $(optagon frame attach sample --print | head -1)"
