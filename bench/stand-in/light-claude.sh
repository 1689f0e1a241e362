#!/bin/sh
# A stand-in for `claude` in the orchestrator load benchmark: hundreds run at once on two cores,
# so it is a POSIX sh script that only sleeps and prints prepared stream-json lines, and the
# worker (parsing, recording, reporting) is what gets measured. It honours what Flotilla relies
# on: the session id of --session-id/--resume, the init/assistant/user/result lines, a session
# file under CLAUDE_CONFIG_DIR (the worker archives it), one model call through the gateway, and a
# change in the worktree (so the agent commits, pushes and opens a pull request like a real one
# that did work).
# Pace and length ride in the task: `[[light-agent seconds=60 steps=6]]` (defaults below).
seconds=60
steps=6
prompt=
session=
while [ $# -gt 0 ]; do
  case "$1" in
    # What Flotilla's start-up check asks of any claude it is given.
    --version) echo "2.1.197 (Claude Code; light stand-in for the load benchmark)"; exit 0 ;;
    -p) prompt=$2; shift 2 ;;
    --session-id | --resume) session=$2; shift 2 ;;
    *) shift ;;
  esac
done
if [ -z "$session" ]; then
  echo "stand-in claude: no --session-id or --resume" >&2
  exit 1
fi
# Parameter expansion only: no subprocess per agent to read its settings.
case "$prompt" in
  *"[[light-agent "*)
    spec=${prompt#*\[\[light-agent }
    spec=${spec%%\]\]*}
    for pair in $spec; do
      case "$pair" in
        seconds=*) seconds=${pair#seconds=} ;;
        steps=*) steps=${pair#steps=} ;;
      esac
    done ;;
esac
pause=$((seconds / (steps * 2)))
[ "$pause" -ge 1 ] || pause=1

project=$(printf '%s' "$PWD" | tr -c 'a-zA-Z0-9' '-')
sessions="$CLAUDE_CONFIG_DIR/projects/$project"
mkdir -p "$sessions"
session_file="$sessions/$session.jsonl"

# Each line goes to stdout (the worker's transcript) and to the session file, as the CLI does.
emit() {
  printf '%s\n' "$1"
  printf '%s\n' "$1" >>"$session_file"
}

emit '{"type":"system","subtype":"init","cwd":"'"$PWD"'","session_id":"'"$session"'","tools":["Read","Write","Edit","Bash","Glob","Grep","mcp__flotilla__spawn_agent","mcp__flotilla__list_agents","mcp__flotilla__wait_for_agents","mcp__flotilla__read_agent_result"],"mcp_servers":[{"name":"flotilla","status":"connected"}],"model":"claude-sonnet-4-5","permissionMode":"acceptEdits","claude_code_version":"2.1.197"}'
# About 1.5 KB of file content in each tool result, as a Read of a small source file gives.
content='export function login(user, password) {\n  // checks the password against the stored hash\n  return verify(user.hash, password);\n}\n'
content="$content$content$content$content$content$content$content$content$content$content$content$content"
step=1
while [ "$step" -le "$steps" ]; do
  emit '{"type":"assistant","message":{"id":"msg_'"$step"'","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Looking at part '"$step"' of the login code before changing it."},{"type":"tool_use","id":"toolu_'"$step"'","name":"Read","input":{"file_path":"'"$PWD"'/src/login.ts"}}],"usage":{"input_tokens":'"$((1200 * step))"',"cache_creation_input_tokens":0,"cache_read_input_tokens":900,"output_tokens":60}},"parent_tool_use_id":null,"session_id":"'"$session"'"}'
  sleep "$pause"
  emit '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_'"$step"'","type":"tool_result","content":"'"$content"'"}]},"parent_tool_use_id":null,"session_id":"'"$session"'"}'
  sleep "$pause"
  step=$((step + 1))
done
printf 'notes of session %s\n' "$session" >"NOTES-$session.md"
# One real model call through Flotilla's gateway, as a real agent's last turn is: the worker
# judges how an agent ended by what its gateway saw (an answer that ended the turn), not by what
# the agent printed.
curl --silent --show-error --output /dev/null --fail -X POST "${ANTHROPIC_BASE_URL%/}/v1/messages" \
  -H "x-api-key: $ANTHROPIC_API_KEY" -H "content-type: application/json" -H "anthropic-version: 2023-06-01" \
  -d '{"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Done?"}]}' ||
  exit 1
emit '{"type":"assistant","message":{"id":"msg_end","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Done: read the login code and wrote my notes."}],"usage":{"input_tokens":9000,"cache_creation_input_tokens":0,"cache_read_input_tokens":900,"output_tokens":40}},"parent_tool_use_id":null,"session_id":"'"$session"'"}'
emit '{"type":"result","subtype":"success","is_error":false,"duration_ms":'"$((seconds * 1000))"',"num_turns":'"$((steps + 1))"',"result":"Done: read the login code and wrote my notes.","session_id":"'"$session"'","total_cost_usd":0.05,"usage":{"input_tokens":30000,"cache_creation_input_tokens":0,"cache_read_input_tokens":6000,"output_tokens":400},"permission_denials":[],"terminal_reason":"completed"}'
