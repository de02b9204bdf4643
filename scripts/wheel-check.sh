#!/usr/bin/env bash
# The pip package, checked end to end: builds the wheel with maturin (a release build), installs
# it into a fresh virtual environment, and runs `glueprint --version` and the sample plan from
# there. Needs python3 and the package registries; not part of the test suite (release build).
set -euo pipefail
cd "$(dirname "$0")/.."
work=target/wheel-check
rm -rf "$work" target/wheels
python3 -m venv "$work/build"
"$work/build/bin/pip" install -q 'maturin>=1.9,<2'
"$work/build/bin/maturin" build --release --locked --out target/wheels
wheel=$(ls target/wheels/glueprint-*.whl)
echo "wheel: $wheel, $(du -k "$wheel" | cut -f1) KiB"

python3 -m venv "$work/run"
started=$(date +%s.%N)
"$work/run/bin/pip" install -q "$wheel"
echo "install: $(python3 -c "print(f'{$(date +%s.%N) - $started:.1f} s')")"
"$work/run/bin/glueprint" --version

# The sample plan from a scratch copy, so nothing of this checkout is written.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r catalogs sample-lake "$scratch"
(cd "$scratch" && "$OLDPWD/$work/run/bin/glueprint" plan)
