#!/usr/bin/env bash
# Prints the attack × fallback-mode matrix measured by tests/attacks.rs for
# one target (default: native). Run as root. Each cell is
# "<cached handle>/<unmasked handle>": the handle kind (P private instance,
# D detached clone, H host /proc) and the outcome (g: the genuine procfs
# object, r: refused with EXDEV), or X: Handle::open itself refused (a
# safety violation).
# Usage: scripts/attack-matrix.sh [--write-docs] [TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
# --write-docs: run as usual, and put the output into docs/attacks.md too.
[ "${1:-}" != --write-docs ] || { shift; exec bash scripts/write-doc.sh --run docs/attacks.md attacks "$0" "$@"; }
target=${1:-$(rustc -vV | sed -n 's/^host: //p')}
cargo test -q --target "$target" --features __fault_injection --test attacks -- --nocapture 2>&1 |
  grep -o 'MATRIX |.*' | python3 -c '
import sys, collections
from itertools import count
modes, cells = [], collections.defaultdict(dict)
def cell(s):
    s = s.split(":", 1)[1].strip()
    if s.startswith("Handle::open refused"):
        return "X"
    kind, outcome = s.split()[:2]
    return kind[0] + ("g" if outcome == "Genuine" else "r")
for line in sys.stdin:
    _, attack, mode, cached, unmasked = [p.strip() for p in line.split("|")[:5]]
    if mode not in modes:
        modes.append(mode)
    cells[attack][mode] = cell(cached) + "/" + cell(unmasked)
order = sorted(modes, key=lambda m: (m.split(",")[0] != "private", m.split(",")[0] != "detached", m))
for i, m in enumerate(order, 1):
    print(f"- M{i}: {m}")
print()
print("| attack | " + " | ".join(f"M{i}" for i in range(1, len(order) + 1)) + " |")
print("|---|" + "---|" * len(order))
for a in sorted(cells):
    print(f"| {a} | " + " | ".join(cells[a].get(m, "?") for m in order) + " |")
'
