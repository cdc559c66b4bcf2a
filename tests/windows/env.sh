# Sourced by the Windows suite and its wrappers: the Windows toolchain (Debian's rustc-web with
# std built from source, mingw-w64's linker) and a Wine prefix of the project's own.
#   windows_cargo ARGS…    cargo for x86_64-pc-windows-gnu in target/windows
#   windows_cargo_env CMD… CMD in that toolchain's environment (e.g. Debian's cargo-clippy)
#   wine_ready             creates the prefix once (wineboot) and installs the test-only
#                          bcryptprimitives.dll stand-in (see bcryptprimitives.c)
#   WINE                   the wine64 loader (Debian leaves it off PATH)
MYNAKEY_ROOT=${MYNAKEY_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export WINEPREFIX=${WINEPREFIX:-$MYNAKEY_ROOT/target/windows/wine}
export WINEDEBUG=${WINEDEBUG:--all}
# No Mono/Gecko download prompts (there is no network to fetch them from).
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
WINE=${WINE:-/usr/lib/wine/wine64}
WINESERVER=${WINESERVER:-/usr/lib/wine/wineserver}
WINDOWS_TARGET=x86_64-pc-windows-gnu
WINDOWS_TARGET_DIR=$MYNAKEY_ROOT/target/windows

windows_cargo() {
    windows_cargo_env /usr/bin/cargo "$@"
}
# Runs a command in the Windows toolchain's environment: Debian's compiler (rustup cannot
# download Windows' std here) whose std sources (rust-web-src) are built for the target, once
# per target directory.
windows_cargo_env() {
    env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_DIR="$WINDOWS_TARGET_DIR" \
        CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
        "$@"
}

wine_ready() {
    local system32=$WINEPREFIX/drive_c/windows/system32
    if [[ ! -f $system32/kernel32.dll ]]; then
        mkdir -p "$WINEPREFIX" && "$WINE" wineboot -i >/dev/null 2>&1
        "$WINESERVER" -w
    fi
    [[ -f $system32/kernel32.dll ]] || { echo "wineboot did not create $WINEPREFIX" >&2; return 1; }
    if [[ ! -f $system32/bcryptprimitives.dll ]]; then
        x86_64-w64-mingw32-gcc -O2 -shared -s -o "$system32/bcryptprimitives.dll" \
            "$MYNAKEY_ROOT/tests/windows/bcryptprimitives.c" \
            "$MYNAKEY_ROOT/tests/windows/bcryptprimitives.def" -ladvapi32 || return 1
    fi
}
