"""The own-code hotspots of a cProfile file, as a Markdown table.

    python bench/hotspots.py PROFILE [--top 10]

"Own code" is coursec's (src/coursec, exporters/). A function is ranked by the time it is
charged with: its cumulative time (itself and everything it calls) less the cumulative time of
the own-code functions it calls (directly, or through library code only it calls), which are
charged on their own. So `parse_body` is charged with
markdown-it's parsing, and `build` only with what it does itself. Self time is the function's
own lines only.
"""

from __future__ import annotations

import argparse
import pstats
from pathlib import Path

OWN = ("/src/coursec/", "/exporters/")

Func = tuple[str, int, str]


def own(func: Func) -> bool:
    return any(part in func[0] for part in OWN) and "/templates/" not in func[0]


def label(func: Func) -> str:
    path = func[0]
    for part in OWN:
        if part in path:
            path = part.strip("/").split("/")[-1] + "/" + path.split(part, 1)[1]
            break
    return f"{path}:{func[1]} {func[2]}"


def hotspots(profile: Path, top: int) -> str:
    stats = pstats.Stats(str(profile))
    table = stats.stats  # type: ignore[attr-defined]
    total = stats.total_tt  # type: ignore[attr-defined]
    callees: dict[Func, dict[Func, float]] = {}
    for func, (_cc, _nc, _tt, _ct, callers) in table.items():
        for caller, (_c, _n, _t, ct) in callers.items():
            callees.setdefault(caller, {})[func] = ct

    def own_below(func: Func) -> float:
        """Cumulative time of the own-code functions `func` calls, directly or through library
        functions that only it calls (click's dispatch between `cli.main` and a command)."""
        found, stack, seen = 0.0, [func], {func}
        while stack:
            for callee, ct in callees.get(stack.pop(), {}).items():
                if callee in seen:
                    continue
                seen.add(callee)
                if own(callee):
                    found += ct
                elif len(table[callee][4]) == 1:
                    stack.append(callee)
        return found

    rows = []
    for func, (_cc, nc, tt, ct, _callers) in table.items():
        if not own(func):
            continue
        rows.append((max(0.0, ct - own_below(func)), ct, tt, nc, func))
    rows.sort(reverse=True)
    lines = [
        f"Profile total {total:.2f} s (under cProfile).",
        "",
        "| # | function | calls | charged s | % of total | cumulative s | self s |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for i, (charged, ct, tt, nc, func) in enumerate(rows[:top], 1):
        lines.append(
            f"| {i} | `{label(func)}` | {nc} | {charged:.2f} | {100 * charged / total:.1f} "
            f"| {ct:.2f} | {tt:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    print(hotspots(args.profile, args.top))


if __name__ == "__main__":
    main()
