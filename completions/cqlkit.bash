# bash completion for cqlkit (the cqlkit command: cqlsh, serve, nodetool, tutorial, ...).
# Install: source this file from ~/.bashrc, or copy it to
#   ${XDG_DATA_HOME:-~/.local/share}/bash-completion/completions/cqlkit
# Commands, options, nodetool commands and tutorial names are read from cqlkit's own help output the
# first time they are needed in a shell session, so the completion follows the installed version.

_cqlkit_cache() {
    # _cqlkit_cache NAME COMMAND...: the output of COMMAND, computed once per session
    local name="_cqlkit_cached_$1"
    shift
    if [[ -z "${!name+set}" ]]; then
        printf -v "$name" '%s' "$("$@" 2>/dev/null)"
    fi
    printf '%s' "${!name}"
}

_cqlkit_commands() {
    cqlkit --help | awk '/Commands/ { inside = 1; next } inside && /^│ [a-z]/ { print $2 }'
}

_cqlkit_typer_options() {
    cqlkit "$1" --help | awk '/^│ --/ { print $2 }' | tr ',' '\n'
}

_cqlkit_cqlsh_options() {
    cqlkit cqlsh --help | grep -o -- '--[a-z][a-z-]*' | sort -u
    printf '%s\n' -e -f -k -u -p -C -t -v
}

_cqlkit_nodetool_commands() {
    cqlkit nodetool help | awk '/commonly used nodetool commands/ { inside = 1; next } inside && /^    [a-z]/ { print $1 }'
}

_cqlkit_tutorials() {
    cqlkit tutorial | awk 'NR > 1 && /^  [a-z]/ { print $1 }'
}

_cqlkit() {
    local cur="${COMP_WORDS[COMP_CWORD]}"
    local prev="${COMP_WORDS[COMP_CWORD-1]}"
    if (( COMP_CWORD == 1 )); then
        COMPREPLY=($(compgen -W "$(_cqlkit_cache commands _cqlkit_commands) --help --version" -- "$cur"))
        return
    fi
    case "${COMP_WORDS[1]}" in
        cqlsh)
            case "$prev" in
                -f|--file|--cqlshrc|--credentials)
                    COMPREPLY=($(compgen -f -- "$cur"))
                    return
                    ;;
                --mode)
                    COMPREPLY=($(compgen -W "tabular csv json" -- "$cur"))
                    return
                    ;;
            esac
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "$(_cqlkit_cache cqlsh _cqlkit_cqlsh_options)" -- "$cur"))
            fi
            ;;
        nodetool)
            if (( COMP_CWORD == 2 )) || [[ "$prev" == -* && COMP_CWORD -eq 3 ]]; then
                COMPREPLY=($(compgen -W "$(_cqlkit_cache nodetool _cqlkit_nodetool_commands)" -- "$cur"))
            elif [[ "${COMP_WORDS[2]}" == help ]]; then
                COMPREPLY=($(compgen -W "$(_cqlkit_cache nodetool _cqlkit_nodetool_commands)" -- "$cur"))
            fi
            ;;
        tutorial)
            if (( COMP_CWORD == 2 )); then
                COMPREPLY=($(compgen -W "$(_cqlkit_cache tutorials _cqlkit_tutorials)" -- "$cur"))
            fi
            ;;
        *)
            if [[ "$cur" == -* ]]; then
                local sub="${COMP_WORDS[1]//[^a-z]/_}"
                COMPREPLY=($(compgen -W "$(_cqlkit_cache "options_$sub" _cqlkit_typer_options "${COMP_WORDS[1]}")" -- "$cur"))
            elif [[ "$prev" == --cluster ]]; then
                local home="${CQLKIT_HOME:-$HOME/.cqlkit}"
                COMPREPLY=($(compgen -W "$(ls "$home/clusters" 2>/dev/null)" -- "$cur"))
            fi
            ;;
    esac
}

complete -o default -F _cqlkit cqlkit
