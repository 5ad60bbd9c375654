#!/usr/bin/env bash
# Write the CLI's outputs on every shipped preset into a folder, one file per command, so that a
# refactoring can be checked to change nothing: run before and after, then `diff -r BEFORE AFTER`.
#   bash scripts/cli_snapshot.sh /tmp/cli-before
set -uo pipefail
out="${1:?usage: cli_snapshot.sh OUT_DIR}"
fm="${FINMODEL:-finmodel}"
mkdir -p "$out"
export COLUMNS=200 NO_COLOR=1 TERM=dumb
for f in assumptions/*.toml; do
  b=$(basename "$f" .toml)
  "$fm" evaluate "$f" >"$out/$b.evaluate.txt" 2>&1
  "$fm" evaluate "$f" --json >"$out/$b.evaluate.json" 2>&1
  "$fm" tornado "$f" >"$out/$b.tornado.txt" 2>&1
  "$fm" tornado "$f" --json >"$out/$b.tornado.json" 2>&1
  "$fm" solve "$f" --target payback_months=24 --vary heavy.price_cny_per_card_hour >"$out/$b.solve.txt" 2>&1
  "$fm" solve "$f" --target heavy.irr=0.3 --vary heavy.occupancy --json >"$out/$b.solve.json" 2>&1
  "$fm" sweep "$f" --grid heavy.occupancy=0.5:1.0:3 --grid heavy.price_cny_per_card_hour=15:30:4 \
    --no-progress >"$out/$b.sweep.txt" 2>&1
  "$fm" sweep "$f" --grid heavy.occupancy=0.5:1.0:3 --json --no-progress >"$out/$b.sweep.json" 2>&1
  "$fm" montecarlo "$f" -n 2000 --seed 7 --no-progress >"$out/$b.montecarlo.txt" 2>&1
  "$fm" montecarlo "$f" -n 2000 --seed 7 --json --no-progress >"$out/$b.montecarlo.json" 2>&1
done
for f in assumptions/demand/*.toml; do
  b=$(basename "$f" .toml)
  "$fm" demand "$f" >"$out/demand.$b.txt" 2>&1
  "$fm" demand "$f" --json >"$out/demand.$b.json" 2>&1
done
"$fm" fields >"$out/fields.txt" 2>&1
"$fm" fields --json >"$out/fields.json" 2>&1
"$fm" gpus >"$out/gpus.txt" 2>&1
# run times are not part of the output's meaning
sed -i -E 's/\([0-9.]+ s\)/(… s)/; s/"seconds": [0-9.e-]+/"seconds": "…"/' "$out"/*
echo "wrote $(ls "$out" | wc -l) files to $out"
