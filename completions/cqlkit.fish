# fish completion for cqlkit. Install: copy to ~/.config/fish/completions/cqlkit.fish
# Commands, options, nodetool commands and tutorial names come from cqlkit's own help output.

function __cqlkit_commands
    cqlkit --help 2>/dev/null | awk '/Commands/ { inside = 1; next } inside && /^│ [a-z]/ { print $2 }'
end

function __cqlkit_nodetool_commands
    cqlkit nodetool help 2>/dev/null | awk '/commonly used nodetool commands/ { inside = 1; next } inside && /^    [a-z]/ { print $1 }'
end

function __cqlkit_tutorials
    cqlkit tutorial 2>/dev/null | awk 'NR > 1 && /^  [a-z]/ { print $1 }'
end

function __cqlkit_cqlsh_options
    cqlkit cqlsh --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
end

complete -c cqlkit -f
complete -c cqlkit -n __fish_use_subcommand -a '(__cqlkit_commands)'
complete -c cqlkit -n __fish_use_subcommand -l help -l version
complete -c cqlkit -n '__fish_seen_subcommand_from nodetool' -a '(__cqlkit_nodetool_commands)'
complete -c cqlkit -n '__fish_seen_subcommand_from tutorial' -a '(__cqlkit_tutorials)'
complete -c cqlkit -n '__fish_seen_subcommand_from cqlsh' -a '(__cqlkit_cqlsh_options)'
complete -c cqlkit -n '__fish_seen_subcommand_from cqlsh' -s f -l file -r -F
complete -c cqlkit -n '__fish_seen_subcommand_from cqlsh' -l cqlshrc -r -F
complete -c cqlkit -n '__fish_seen_subcommand_from cqlsh' -l mode -x -a 'tabular csv json'
