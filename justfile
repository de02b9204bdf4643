# glueprint recipes. `just` is optional: every recipe is a plain command you can run yourself.

# List the recipes.
default:
    @just --list

# Plan and apply catalogs/ for the sample lake into the local catalog (the README's main command).
apply:
    cargo run -- apply --yes

# Scan the committed sample lake.
scan:
    cargo run -- scan sample-lake

# The whole test suite (the README's test command).
test:
    cargo test

# What CI runs: fmt, clippy, tests, with a moto server.
ci:
    bash .ci/run

# Regenerate the committed sample lake.
sample:
    rm -rf sample-lake
    cargo run --example synth_lake -- sample-lake

# Benchmarks: scan a generated 10,000-file lake (and 100,000 with `just bench 100000`).
bench files="10000":
    bash bench/run.sh {{files}}

# The catalog page's load time in Chromium for 200 events of 256 properties each.
bench-docs:
    cargo test --release --test docs two_hundred_events -- --nocapture 2>&1 | grep 'catalog page'

# Write the catalog page of the sample lake into glueprint-docs/index.html.
docs:
    cargo run -- docs

# Build the pip wheel (maturin, release), install it into a fresh venv, run it.
wheel-check:
    bash scripts/wheel-check.sh
