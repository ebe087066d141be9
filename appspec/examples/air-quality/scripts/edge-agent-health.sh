# Sourced by testGPIO.sh and testSensors.sh: edge_agent ARGS... runs the edge-agent that runs this
# hook (it exports EDGE_AGENT_CLI and EDGE_AGENT_CONFIG to hooks), else the installed one.
# shellcheck shell=sh

edge_agent() {
  if [ -n "${EDGE_AGENT_CLI:-}" ]; then
    # EDGE_AGENT_CLI is the agent's own command line, each word single-quoted
    eval "$EDGE_AGENT_CLI \"\$@\""
    return
  fi
  for candidate in "$(command -v edge-agent 2>/dev/null)" /opt/edge-agent/bin/edge-agent /usr/local/bin/edge-agent; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      "$candidate" "$@"
      return
    fi
  done
  echo "edge-agent not found (not run by edge-agent, none on PATH or in /opt/edge-agent/bin): install the agent, or set EDGE_AGENT_CLI" >&2
  return 2
}

# is_raspberry_pi: true on a Raspberry Pi (its device tree names the model)
is_raspberry_pi() {
  grep -q 'Raspberry Pi' /proc/device-tree/model 2>/dev/null
}
