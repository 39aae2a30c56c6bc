# Source me: puts the offline Pulumi engine on PATH and keeps it off the network.
#   . tools/engine/env.sh            # builds (once) via ensure.sh if needed
# Honours LAUNCHPAD_CACHE (default $HOME/.cache/agent-launchpad).
_engine_dir=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
if _engine_bin=$("$_engine_dir/ensure.sh" | tail -1) && [ -x "$_engine_bin/pulumi" ]; then
    case ":$PATH:" in
        *":$_engine_bin:"*) ;;
        *) PATH="$_engine_bin:$PATH" ;;
    esac
    export PATH
    # Plugins are found on PATH (ambient); never download one, never phone home.
    export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
    export PULUMI_SKIP_UPDATE_CHECK=true
    export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
    # PULUMI_HOME holds ~/.pulumi (credentials, plugin cache, workspaces): keep it
    # beside the binaries, outside the clone, unless the caller chose one.
    export PULUMI_HOME="${PULUMI_HOME:-$(dirname "$_engine_bin")/home}"
    mkdir -p "$PULUMI_HOME"
else
    echo "tools/engine/env.sh: engine not available (see tools/engine/ensure.sh output)" >&2
fi
unset _engine_dir _engine_bin
