#!/usr/bin/env bash
# Layer check: fails when a module uses one on its own layer or above, or
# when a crate kept to some modules (the camera, the runtime, the window
# toolkit, the database) is used anywhere else.
#
# The rules are not written here: they are the table in src/lib.rs's module
# docs, one line per module, so the docs a newcomer reads and the check CI
# runs cannot drift apart. Only library code is checked: tests may use
# anything (tests/, files named tests.rs, and each item marked `#[cfg(test)]`:
# a one-line item, or a block up to its closing brace at the line's start).
#
# Known blind spots, kept for the sake of a small script: a path that climbs
# out of a module with `super::super::...` is not followed, and in a grouped
# import from the crate root (`use crate::{a::{..}, b}`) only names before the
# first `}` count.
set -euo pipefail
cd "$(dirname "$0")/.."

lib=src/lib.rs
failed=0
fail() {
    echo "layers: $*" >&2
    failed=1
}

rows=$(grep -E '^//! \| *[0-9]+ *\| *`[a-z_]+` *\|' "$lib") ||
    { echo "layers: no layer table in $lib" >&2; exit 1; }

declare -A layer # module -> layer number
declare -A base  # module -> its folder (with a trailing /) or file
declare -A only  # crate -> paths it may be used under, space-separated
while IFS='|' read -r _ num mod _what crates _; do
    num=${num//[[:space:]]/}
    mod=$(tr -d ' `' <<<"$mod")
    if [ -d "src/$mod" ]; then
        base[$mod]="src/$mod/"
    elif [ -f "src/$mod.rs" ]; then
        base[$mod]="src/$mod.rs"
    else
        fail "$lib lists module $mod, but there is no src/$mod.rs or src/$mod/"
        continue
    fi
    layer[$mod]=$num
    IFS=',' read -ra items <<<"$crates"
    for item in "${items[@]}"; do
        crate=$(sed -nE 's/^[^`]*`([A-Za-z0-9_]+)`.*/\1/p' <<<"$item")
        [ -n "$crate" ] || continue
        file=$(sed -nE 's/.*\(`([^`]+)`\).*/\1/p' <<<"$item")
        if [ -n "$file" ]; then
            only[$crate]+="src/$mod/$file "
        else
            only[$crate]+="${base[$mod]} "
        fi
    done
done <<<"$rows"

# Every module is in the table: a new one must say where it sits.
for path in src/*.rs src/*/; do
    mod=$(basename "$path" .rs)
    case "$mod" in lib | main) continue ;; esac
    [ -n "${layer[$mod]:-}" ] || fail "module $mod is missing from the layer table in $lib"
done

# A file without its top-level `#[cfg(test)]` items: the attribute, any
# attributes after it, and the item (through the `}` that closes it at the
# start of a line when the item opens a block). Code after a test module is
# still library code and still checked.
without_tests() {
    awk '
        block { if ($0 ~ /^}/) block = 0; next }
        pending && /^[[:space:]]*#\[/ { next }
        pending { pending = 0; if ($0 ~ /\{[[:space:]]*$/) block = 1; next }
        /^#\[cfg\(test\)\]/ { pending = 1; next }
        { print }
    ' "$1"
}

# Modules a file names through `crate::`, one per line (comment lines skipped,
# so a doc link does not count).
crate_refs() {
    case "$1" in */tests.rs) return ;; esac
    without_tests "$1" | grep -vE '^[[:space:]]*//' | tr '\n' ' ' |
        { grep -oE 'crate::(\{[^}]*|[a-z_][a-z0-9_]*)' || true; } |
        sed -E 's/^crate:://' |
        while read -r ref; do
            if [[ $ref == \{* ]]; then
                { grep -oE '[{,][[:space:]]*[a-z_][a-z0-9_]*' <<<"$ref" || true; } | tr -d '{, '
            else
                echo "$ref"
            fi
        done | sort -u
}

for mod in "${!layer[@]}"; do
    while IFS= read -r file; do
        for dep in $(crate_refs "$file"); do
            [ "$dep" != "$mod" ] && [ -n "${layer[$dep]:-}" ] || continue
            if [ "${layer[$dep]}" -ge "${layer[$mod]}" ]; then
                # The first code line naming it (a grouped import may span lines).
                where=$(grep -nE "\b$dep::" "$file" | grep -vE '^[0-9]+:[[:space:]]*//' |
                    head -n 1 | cut -d: -f1 || true)
                fail "$file:${where:-?}: $mod (layer ${layer[$mod]}) uses $dep (layer ${layer[$dep]}); only lower layers may be used"
            fi
        done
    done < <(find "${base[$mod]}" -name '*.rs' | sort)
done

for crate in "${!only[@]}"; do
    pattern="(^|[^A-Za-z0-9_:])$crate(::|;)"
    while IFS= read -r hit; do
        file=${hit%%:*}
        allowed=0
        for path in ${only[$crate]}; do
            case "$file" in "$path"*) allowed=1 ;; esac
        done
        [ "$allowed" = 1 ] || fail "$hit: $crate may be used only in ${only[$crate]}"
    done < <(grep -rnE --include='*.rs' "$pattern" src | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' || true)
done

if [ "$failed" != 0 ]; then
    echo "layers: see the layer table in $lib" >&2
    exit 1
fi
echo "layers: ok (${#layer[@]} modules, ${#only[@]} confined crates)"
