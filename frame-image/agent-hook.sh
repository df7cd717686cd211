#!/bin/sh
# optagon-agent-hook <state> <event>
# Claude Code runs this on its hook events (the settings.json Optagon writes for agents). It records
# the agent's state where the host sees it at once: /run/optagon/agents/<agent>.json, a directory
# mounted from the host. The hook's JSON input (stdin) is kept whole; the host reads
# transcript_path and last_assistant_message from it. It never fails: a hook error must not
# disturb the agent.
agent=${OPTAGON_AGENT:-}
[ -n "$agent" ] || exit 0 # claude started by hand in the frame: nothing to record
dir=/run/optagon/agents
[ -d "$dir" ] || exit 0
input=$(cat)
tmp="$dir/.$agent.$$"
printf '{"state":"%s","event":"%s","at":%s,"input":%s}\n' "$1" "$2" "$(date +%s%3N)" "${input:-null}" >"$tmp" \
  && mv -f "$tmp" "$dir/$agent.json"
exit 0
