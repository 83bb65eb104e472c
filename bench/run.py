"""All the benchmarks in one go: `python -m bench.run` (what `make bench` calls).

`BENCH_SCALE=small` (the default) generates a small region (50,000 cases, 5 municipalities, 2 years) into
its own PostgreSQL database and runs every benchmark at a small size — well under 10 minutes on a 2-core
machine; `BENCH_SCALE=full` uses the full sizes of issue #12 (1,000,000 cases, 30 municipalities, 5
years; 100,000 imported rows; 200 inbox requests; HTTP load for 30 s), generating the region only when
the database does not hold it yet.

The database: `BENCH_DATABASE_URL`, by default postgres://postgres@127.0.0.1:5432/otklik_bench_small (small)
or …/otklik_bench (full); it is created and migrated when missing. Never the installation's own database:
the generator refuses a database that already holds other cases.

Each benchmark runs as its own process with DATABASE_URL pointing there; its JSON line (its last line of
output) is collected. The lines go to stdout as they come, and all of them, with the machine, the date and
the scale, to `var/bench/<date>-<scale>.json` (for bench/RESULTS.md).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

SCALES: dict[str, dict[str, Any]] = {
    "small": {
        "database": "otklik_bench_small",
        "generate": ["--cases", "50000", "--municipalities", "5", "--years", "2"],
        "cases": 50_000,
        "steps": [
            ("intake", ["--rows", "5000"]),
            ("inbox", ["--requests", "200"]),
            ("dashboard", ["--requests", "60"]),
            ("reports", ["--format", "xlsx"]),
            ("http", ["--seconds", "15", "--workers", "3"]),
        ],
    },
    "full": {
        "database": "otklik_bench",
        "generate": ["--cases", "1000000", "--municipalities", "30", "--years", "5"],
        "cases": 1_000_000,
        "steps": [
            ("intake", ["--rows", "100000"]),
            ("inbox", ["--requests", "200"]),
            ("dashboard", ["--requests", "120"]),
            ("reports", ["--format", "xlsx"]),
            ("reports", ["--format", "pdf"]),
            ("http", ["--seconds", "30", "--workers", "3"]),
        ],
    },
}


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base.replace("postgres://", "postgresql://") + "/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            _say(f"создаю базу {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def _run(args: list[str], env: dict[str, str], *, capture: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, text=True, capture_output=capture, check=False
    )


def _case_count(env: dict[str, str]) -> int:
    code = "from otklik.cases.models import Case; print(Case.objects.count())"
    done = _run(["-c", f"import django; django.setup(); {code}"], env)
    return int(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else -1


def main() -> int:
    scale = os.environ.get("BENCH_SCALE", "small")
    if scale not in SCALES:
        print(f"BENCH_SCALE должен быть small или full, а не «{scale}».", file=sys.stderr)
        return 2
    plan = SCALES[scale]
    url = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{plan['database']}")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "otklik.settings"}
    started = time.monotonic()
    _ensure_database(url)
    migrate = subprocess.run(
        [str(Path(sys.executable).with_name("otklik")), "migrate"], cwd=ROOT, env=env, check=False
    )
    if migrate.returncode:
        return migrate.returncode
    results: list[dict[str, Any]] = []
    have = _case_count(env)
    if have < plan["cases"] * 0.9:
        _say(f"в базе {have} обращений: генерирую регион ({' '.join(plan['generate'])})")
        extra = ["--wipe"] if have > 0 else []
        generated = _run(["-m", "bench.generate", *plan["generate"], *extra], env, capture=False)
        if generated.returncode:
            return generated.returncode
    failures = 0
    for name, args in plan["steps"]:
        _say(f"{name} {' '.join(args)}")
        done = _run(["-m", f"bench.{name}", *args], env)
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
        if done.returncode or not lines:
            failures += 1
            _say(f"{name}: ошибка (код {done.returncode})\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
            continue
        for line in done.stdout.splitlines():
            if not line.startswith("{"):
                _say(f"  {line}")
        figures = json.loads(lines[-1])
        figures.setdefault("bench", name)
        results.append(figures)
        print(json.dumps(figures, ensure_ascii=False), flush=True)
    record = {
        "scale": scale,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average": os.getloadavg(),
        },
        "seconds": round(time.monotonic() - started, 1),
        "results": results,
    }
    out = ROOT / "var" / "bench" / f"{datetime.now(UTC):%Y-%m-%d}-{scale}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    _say(f"готово за {record['seconds']:.0f} с; результаты: {out.relative_to(ROOT)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
