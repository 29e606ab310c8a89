# Benchmarks (bench/README.md). Needs PostgreSQL, Redis and Debian's wrk; .venv from `python3 dev.py test`.
PYTHON ?= .venv/bin/python
# Full size: seed_bench's 1M tickets, kept between runs (seeded only when no bench tenant exists).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/helpdesk_bench
# Tiny data, re-seeded on every run: never point this at the full-size database.
SMOKE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/helpdesk_bench_smoke
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
BENCH_SECONDS ?= 20
SMOKE_OUT ?= data/bench-smoke

.PHONY: bench bench-pages bench-jobs bench-smoke

bench: bench-pages bench-jobs

bench-pages:
	$(PYTHON) -m bench.pages --database-url "$(BENCH_DATABASE_URL)" --redis-url "$(BENCH_REDIS_URL)" \
	  --prepare full --duration $(BENCH_SECONDS)

# The job benchmark writes its own section of docs/performance.{json,md} through bench.report.
bench-jobs:
	$(PYTHON) -m bench.jobs --database-url "$(BENCH_DATABASE_URL)"

# Seconds, not minutes: tiny data, one second of wrk a page; results under $(SMOKE_OUT).
bench-smoke:
	$(PYTHON) -m bench.pages --database-url "$(SMOKE_DATABASE_URL)" --redis-url "$(BENCH_REDIS_URL)" \
	  --prepare tiny --duration 1 --warmup 3 \
	  --json "$(SMOKE_OUT)/performance.json" --markdown "$(SMOKE_OUT)/performance.md"
