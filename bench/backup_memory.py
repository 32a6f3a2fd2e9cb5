"""Peak memory of ``backup`` and ``restore`` on a generated site:
``python -m bench.backup_memory --articles 10000``.

Makes a scratch database (SQLite in a temporary folder, or the empty PostgreSQL database
named by ``--database``), migrates it, fills it with ``bench.generate``, writes a signed
backup, then restores it, each command in a process of its own whose peak resident
memory (the kernel's ``ru_maxrss`` of that process alone) is reported with its time and
the archive's size. The restore has to stay in bounded memory: far under 500 MB for a
100,000-article site.

``--from-database URL`` backs up that existing site instead of generating one (the load
benchmark's million: ``bench/run.py``), and restores it into ``--database`` (migrated
first), which is replaced.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(command, env):
    """Run ``command``; returns (seconds, peak resident MB of that process alone)."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode})")
    # ru_maxrss is in kilobytes on Linux.
    return time.monotonic() - started, usage.ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument(
        "--database",
        default="",
        help="an EMPTY scratch PostgreSQL database URL (its content is replaced); "
        "default: SQLite in a temporary folder",
    )
    parser.add_argument(
        "--from-database",
        default="",
        help="back up this existing PostgreSQL site (not changed) instead of generating one; "
        "needs --database",
    )
    args = parser.parse_args(argv)
    if args.from_database and not args.database:
        parser.error("--from-database needs --database (the scratch database to restore into)")
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        env = {
            **os.environ,
            "DATABASE_URL": args.database or f"sqlite:///{folder / 'bench.sqlite3'}",
            "DJANGO_MEDIA_ROOT": str(folder / "media"),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": os.environ.get(
                "DJANGO_SECRET_KEY", "bench-backup-" + "0123456789abcdef" * 3
            ),
            "BACKUP_SIGNING_KEY": os.environ.get(
                "BACKUP_SIGNING_KEY", "bench-backup-signing-key-" + "0123456789abcdef" * 2
            ),
        }
        env.pop("REDIS_URL", None)
        manage = [python, "manage.py"]
        run([*manage, "migrate", "-v0"], env)
        source = env
        if args.from_database:
            source = {**env, "DATABASE_URL": args.from_database}
            run([*manage, "migrate", "-v0"], source)
        else:
            run([python, "-m", "bench.generate", "--articles", str(args.articles)], env)
        archive = folder / "site.tar.gz"
        backup_s, backup_mb = run([*manage, "backup", str(archive)], source)
        size_mb = archive.stat().st_size / 1024 / 1024
        restore_s, restore_mb = run([*manage, "restore", str(archive), "--yes"], env)
    engine = "PostgreSQL" if args.database else "SQLite"
    site = "the site" if args.from_database else f"{args.articles:,} articles"
    print(
        f"{site} on {engine}: archive {size_mb:,.1f} MB; "
        f"backup {backup_s:,.0f} s, peak {backup_mb:,.0f} MB; "
        f"restore {restore_s:,.0f} s, peak {restore_mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()
