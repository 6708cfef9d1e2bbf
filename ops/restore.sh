#!/usr/bin/env bash
# Restore a backup made by ops/backup.sh into a fresh database, then rebuild the views.
#
#   ops/restore.sh BACKUP_FILE TARGET_URL
#
# TARGET_URL is the URL the restored service will use:
#   postgresql://user@host:port/NEWDB[?schema=NAME]  NEWDB is created when missing and must
#       hold no event log yet. A schema-only backup restores into the same schema name, so give
#       ?schema= the schema that was backed up.
#   sqlite:///NEW/PATH                               the file must not exist yet.
# Steps: create the roles the dump's owners and grants name (cluster-wide; kept if present:
# $TAIZHANG_OWNER_ROLE, default taizhang_owner, NOLOGIN; $TAIZHANG_SERVICE_ROLE, default
# taizhang_app, LOGIN), pg_restore in one transaction (all or nothing), `taizhang migrate`,
# then `taizhang rebuild` so that every view is folded again from the restored log.
set -euo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
[ "${1:-}" = "-h" ] && usage 0
[ $# -eq 2 ] || usage
backup="$1"
url="$2"
[ -f "$backup" ] || { echo "restore.sh: no backup file at $backup" >&2; exit 1; }

root="$(cd "$(dirname "$0")/.." && pwd)"
python="${TAIZHANG_PYTHON:-$root/.venv/bin/python}"
[ -x "$python" ] || python=python3
schema=""
owner_role="${TAIZHANG_OWNER_ROLE:-taizhang_owner}"
service_role="${TAIZHANG_SERVICE_ROLE:-taizhang_app}"

taizhang() {
    # Run from the project root so the migrations package is found wherever this is called.
    (cd "$root" && TAIZHANG_DATABASE_URL="$url" "$python" -m taizhang.cli "$@")
}

case "$url" in
    sqlite:///*)
        target_file="${url#sqlite:///}"
        case "$target_file" in /*) ;; *) target_file="$PWD/$target_file"; url="sqlite:///$target_file" ;; esac
        [ ! -e "$target_file" ] || { echo "restore.sh: $target_file exists; restore needs a fresh file" >&2; exit 1; }
        mkdir -p "$(dirname "$target_file")"
        "$python" - "$backup" "$target_file.partial" <<'PY'
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
problems = source.execute("PRAGMA integrity_check").fetchall()
if problems != [("ok",)]:
    sys.exit(f"restore.sh: the backup fails SQLite's integrity check: {problems[:5]}")
target = sqlite3.connect(sys.argv[2])
source.backup(target)
target.close()
source.close()
PY
        mv "$target_file.partial" "$target_file"
        ;;
    postgres://*|postgresql://*)
        base="${url%%\?*}"
        base="postgresql://${base#*://}"
        database="${base##*/}"
        server="${base%/*}"
        schema=""
        case "$url" in *\?schema=*) schema="${url#*\?schema=}" ;; esac
        exists="$(psql "$server/postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = '${database//\'/}'")"
        if [ -z "$exists" ]; then
            psql "$server/postgres" -qc "CREATE DATABASE \"$database\""
        else
            found="$(psql "$base" -Atqc "SELECT count(*) FROM pg_tables WHERE tablename = 'ledger_events'")"
            [ "$found" = "0" ] || { echo "restore.sh: database $database already holds an event log; restore needs a fresh one" >&2; exit 1; }
        fi
        psql "$base" -q -v ON_ERROR_STOP=1 <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$owner_role') THEN
        CREATE ROLE "$owner_role" NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$service_role') THEN
        CREATE ROLE "$service_role" LOGIN;
    END IF;
END
\$\$;
SQL
        pg_restore --exit-on-error --single-transaction --dbname="$base" "$backup"
        if [ -n "$schema" ]; then
            restored="$(psql "$base" -Atqc "SELECT count(*) FROM pg_namespace WHERE nspname = '${schema//\'/}'")"
            [ "$restored" = "1" ] || { echo "restore.sh: the backup holds no schema $schema" >&2; exit 1; }
        fi
        ;;
    *)
        echo "restore.sh: not a PostgreSQL or SQLite URL: ${url%%@*}…" >&2
        exit 2
        ;;
esac

taizhang migrate
taizhang rebuild
echo "restore.sh: restored $backup into ${url%%\?*}${schema:+ (schema $schema)}; views rebuilt" >&2
