#!/usr/bin/env python3
"""
WhisperEngine database migration runner - after the fix from the review (v1.0.29).

Runs in the db-migrate container before any bot starts. Three cases:

* empty database (QUICKSTART MODE): apply sql/00_init.sql, stamp the baseline,
  upgrade to head, then load sql/01_seed_data.sql
* existing database without alembic_version (pre-Alembic install): stamp a
  revision that matches the schema, then upgrade to head
* Alembic-managed database: alembic upgrade head
"""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg

# Schema shipped with v1.0.6; 00_init.sql creates exactly this revision.
BASELINE_REVISION = "20251011_baseline_v106"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"

MAX_CONNECT_ATTEMPTS = 30


def db_settings() -> dict:
    return {
        "host": os.getenv("POSTGRES_HOST", "postgres"),
        "port": int(os.getenv("POSTGRES_PORT", "5432")),
        "user": os.getenv("POSTGRES_USER", "whisperengine"),
        "password": os.getenv("POSTGRES_PASSWORD", "whisperengine_password"),
        "database": os.getenv("POSTGRES_DB", "whisperengine"),
    }


async def wait_for_postgres() -> asyncpg.Connection:
    """Connect, retrying while the postgres container is still starting."""
    settings = db_settings()
    for attempt in range(1, MAX_CONNECT_ATTEMPTS + 1):
        try:
            conn = await asyncpg.connect(**settings)
            print(f"✅ Connected to PostgreSQL at {settings['host']}:{settings['port']}")
            return conn
        except (OSError, asyncpg.PostgresError) as exc:
            print(f"⏳ Waiting for PostgreSQL ({attempt}/{MAX_CONNECT_ATTEMPTS}): {exc}")
            await asyncio.sleep(2)
    raise RuntimeError("PostgreSQL did not become available")


async def count_tables(conn: asyncpg.Connection) -> int:
    return await conn.fetchval(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
    )


async def alembic_version_exists(conn: asyncpg.Connection) -> bool:
    return await conn.fetchval(
        """
        SELECT EXISTS (
            SELECT 1 FROM information_schema.tables
            WHERE table_schema = 'public' AND table_name = 'alembic_version'
        )
        """
    )


async def apply_sql_file(conn: asyncpg.Connection, path: Path) -> None:
    print(f"📄 Applying {path.name}...")
    await conn.execute(path.read_text(encoding="utf-8"))
    print(f"✅ {path.name} applied")


async def run_migrations() -> int:
    os.chdir(PROJECT_ROOT)  # alembic.ini lives in the project root
    conn = await wait_for_postgres()
    try:
        table_count = await count_tables(conn)
        has_alembic_version = await alembic_version_exists(conn)
        print(f"📊 Found {table_count} tables (alembic_version: {has_alembic_version})")

        # ------------------------------------------------------------------
        # QUICKSTART MODE: brand-new database
        # ------------------------------------------------------------------
        if table_count == 0:
            print("🚀 QUICKSTART MODE: empty database, running full initialization")
            await apply_sql_file(conn, SQL_DIR / "00_init.sql")

            print(f"🏷️  Stamping database with baseline revision {BASELINE_REVISION}...")
            subprocess.run(["alembic", "stamp", BASELINE_REVISION], check=True)

            # without this the fresh install stopped at the baseline until the next restart
            print("🔄 Running Alembic migrations...")
            subprocess.run(["alembic", "upgrade", "head"], check=True)

            seed_file = SQL_DIR / "01_seed_data.sql"
            if seed_file.exists():
                await apply_sql_file(conn, seed_file)
            else:
                print("⚠️  No 01_seed_data.sql found, skipping seed data")

            new_count = await count_tables(conn)
            print(f"🎉 Fresh install complete: {new_count} tables")
            return 0

        # ------------------------------------------------------------------
        # Legacy install: tables but no alembic_version
        # ------------------------------------------------------------------
        if table_count > 0 and not has_alembic_version:
            print("⚠️  Existing database without Alembic version tracking")

            if table_count < 30:
                print(f"ℹ️  Small database ({table_count} tables) - likely true legacy v1.0.6")
                print("🏷️  Stamping with baseline revision to apply incremental updates...")
                stamp_revision = BASELINE_REVISION  # the fix from the review: never "head" here
            elif table_count < 60:
                print(f"ℹ️  Medium database ({table_count} tables) - v1.0.6 schema plus manual changes")
                print(f"🏷️  Stamping with baseline revision {BASELINE_REVISION}...")
                stamp_revision = BASELINE_REVISION
            else:
                print(f"ℹ️  Large database ({table_count} tables) - built from a newer 00_init.sql")
                print("🏷️  Stamping at 20251019_conv_summaries...")
                stamp_revision = "20251019_conv_summaries"

            subprocess.run(["alembic", "stamp", stamp_revision], check=True)
            print(f"✅ Database stamped at {stamp_revision}")

            print("🔄 Running Alembic migrations...")
            subprocess.run(["alembic", "upgrade", "head"], check=True)
            print("✅ Legacy database upgraded")
            return 0

        # ------------------------------------------------------------------
        # Alembic-managed database: apply pending migrations
        # ------------------------------------------------------------------
        current = await conn.fetchval("SELECT version_num FROM alembic_version LIMIT 1")
        print(f"📍 Current Alembic revision: {current}")
        print("🔄 Running Alembic migrations...")
        subprocess.run(["alembic", "upgrade", "head"], check=True)

        result = subprocess.run(
            ["alembic", "current"], check=True, capture_output=True, text=True
        )
        print(f"✅ Migrations complete: {result.stdout.strip()}")
        return 0
    finally:
        await conn.close()


def main() -> None:
    try:
        sys.exit(asyncio.run(run_migrations()))
    except subprocess.CalledProcessError as exc:
        print(f"❌ Alembic command failed: {' '.join(exc.cmd)} (exit {exc.returncode})")
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the container log is all we have
        print(f"❌ Migration failed: {exc}")
        sys.exit(1)


if __name__ == "__main__":
    main()
