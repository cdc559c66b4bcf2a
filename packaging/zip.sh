# Sourced by the packaging scripts: reproducible zip archives (the same files give the same
# bytes). Every input of the archive is fixed: the file list is sorted, every file gets the same
# time (SOURCE_DATE_EPOCH, default 2000-01-01, in UTC since zip stores local time) and mode 644,
# zip -X drops owner ids and extra timestamps, -D leaves out folder entries.
#
#   reproducible_zip DIR FILE    zips DIR's files (paths relative to DIR) into FILE, replacing it
command -v zip >/dev/null || { echo "needs zip (apt-get install zip)" >&2; exit 1; }

reproducible_zip() {
    local dir=$1 file=$2 epoch=${SOURCE_DATE_EPOCH:-946684800}
    find "$dir" -type f -exec chmod 644 {} + -exec touch -h -d "@$epoch" {} +
    rm -f "$file"
    (cd "$dir" && find . -type f | sed 's#^\./##' | LC_ALL=C sort |
        TZ=UTC zip -q -X -D -9 "$file" -@)
}
