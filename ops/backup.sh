#!/usr/bin/env bash
# Back up the taizhang database to one timestamped file, and print its path.
#
#   ops/backup.sh [-o DIR] [DATABASE_URL]
#
# DATABASE_URL defaults to $TAIZHANG_DATABASE_URL (then $DATABASE_URL), in the form the service
# takes: postgresql://user@host:port/db[?schema=NAME] or sqlite:///path.
#   PostgreSQL: pg_dump -Fc of the database, or only of the schema when ?schema= is given.
#               The dump carries the event log, the read models, the token table, the triggers
#               that keep the log append-only, owners and grants. Roles are cluster-wide and not
#               in the dump; ops/restore.sh creates them.
#   SQLite:     an online copy through SQLite's backup API (consistent while the service runs).
# DIR defaults to $TAIZHANG_BACKUP_DIR, then ./backups. Files are named
#   taizhang-<database>[-<schema>]-<UTC timestamp>.dump    (PostgreSQL, custom format)
#   taizhang-<file name>-<UTC timestamp>.sqlite            (SQLite)
set -euo pipefail

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

out_dir="${TAIZHANG_BACKUP_DIR:-./backups}"
while getopts "o:h" opt; do
    case "$opt" in
        o) out_dir="$OPTARG" ;;
        h) usage 0 ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))
url="${1:-${TAIZHANG_DATABASE_URL:-${DATABASE_URL:-}}}"
[ -n "$url" ] || { echo "backup.sh: no database: pass DATABASE_URL or set TAIZHANG_DATABASE_URL" >&2; exit 2; }

mkdir -p "$out_dir"
target=""
trap '[ -n "$target" ] && rm -f "$target.partial"' EXIT
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
python="${TAIZHANG_PYTHON:-$(dirname "$0")/../.venv/bin/python}"
[ -x "$python" ] || python=python3

case "$url" in
    sqlite:///*)
        source_file="${url#sqlite:///}"
        [ -f "$source_file" ] || { echo "backup.sh: no SQLite file at $source_file" >&2; exit 1; }
        name="$(basename "$source_file")"
        target="$out_dir/taizhang-${name%.*}-$stamp.sqlite"
        "$python" - "$source_file" "$target.partial" <<'PY'
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2])
source.backup(target)
target.close()
source.close()
PY
        ;;
    postgres://*|postgresql://*)
        base="${url%%\?*}"
        base="postgresql://${base#*://}"
        query=""
        [ "$base" != "postgresql://${url#*://}" ] && query="${url#*\?}"
        schema=""
        case "$query" in
            schema=*) schema="${query#schema=}" ;;
            "") ;;
            *) echo "backup.sh: unsupported URL parameters: $query (only schema=)" >&2; exit 2 ;;
        esac
        database="${base##*/}"
        target="$out_dir/taizhang-$database${schema:+-$schema}-$stamp.dump"
        # Written under a temporary name: a half-written dump must never look like a backup.
        pg_dump --format=custom --file="$target.partial" ${schema:+--schema="$schema"} \
            --dbname="$base"
        ;;
    *)
        echo "backup.sh: not a PostgreSQL or SQLite URL: ${url%%@*}…" >&2
        exit 2
        ;;
esac
mv "$target.partial" "$target"
echo "$target"
