"""Engine benchmark: replies/second and p50/p99 per-reply latency with the shipped packs, with extra
generated term lists (100 / 1,000 / 10,000 terms), and a pure term-list pack next to bare
pyahocorasick and ahocorasick-rs scanning the same terms over the same texts.

Usage: python bench/engine.py [--replies 10000] [--quick]
Prints ratios against the in-run baselines; never asserts on time.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import corpus, random_terms

from tactful.cli.library import shipped_rules
from tactful.compile.compiler import compile_path
from tactful.compile.ruleset import Library, Ruleset
from tactful.engine import check


def measure(fn: Callable[[str], object], texts: list[str], repeat: int = 1) -> dict[str, float]:
    """Per-call latencies in microseconds over all texts (best of `repeat` passes per text)."""
    for t in texts[:200]:  # warm caches and lazy tables
        fn(t)
    lat: list[float] = []
    gc.disable()
    try:
        start = time.perf_counter()
        for t in texts:
            best = float("inf")
            for _ in range(repeat):
                t0 = time.perf_counter_ns()
                fn(t)
                best = min(best, (time.perf_counter_ns() - t0) / 1000)
            lat.append(best)
        wall = time.perf_counter() - start
    finally:
        gc.enable()
    lat.sort()
    return {
        "rps": len(texts) * repeat / wall,
        "mean": statistics.fmean(lat),
        "p50": lat[len(lat) // 2],
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
    }


def with_terms(base: Path, n: int, pure: bool) -> Ruleset:
    """The shipped packs plus a pack with an n-term list (or, if pure, only that list)."""
    tmp = Path(tempfile.mkdtemp(prefix="tactful-bench-"))
    root = tmp / "rules"
    if not pure:
        shutil.copytree(base, root)
    bench = root / "bench"
    bench.mkdir(parents=True)
    (bench / "terms.txt").write_text("\n".join(random_terms(n)), encoding="utf-8")
    extends = 'extends "zh"' if not pure else ""
    (bench / "pack.tact").write_text(
        f'pack "bench" {{ version "1" locale zh-Hans {extends} normalize [nfkc, width, casefold, t2s] }}\n'
        'list terms from "terms.txt"\n'
        'rule bench_terms { category slang severity info message "term {match}" when @terms\n'
        '  example bad "TERM" example good "-" }\n'.replace("TERM", random_terms(n)[0]),
        encoding="utf-8",
    )
    try:
        return compile_path(root).get("bench")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def row(name: str, stats: dict[str, float], base: dict[str, float] | None = None) -> str:
    ratio = f"{stats['mean'] / base['mean']:6.2f}x" if base else "      "
    return (
        f"{name:46} {stats['rps']:10,.0f}/s  mean {stats['mean']:7.1f} µs  p50 {stats['p50']:7.1f} µs  p99 {stats['p99']:7.1f} µs  {ratio}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replies", type=int, default=10_000)
    ap.add_argument("--quick", action="store_true", help="1,000 replies (smoke run)")
    a = ap.parse_args()
    n = 1000 if a.quick else a.replies
    texts = corpus(n)
    short = [t for t in texts if len(t) <= 300]
    library: Library = compile_path(shipped_rules())
    rulesets = {name: library.get(name) for name in library.leaves}
    lengths = sorted(map(len, texts))
    print(f"corpus: {len(texts)} generated replies, {lengths[0]}-{lengths[-1]} chars, median {lengths[len(lengths) // 2]}")
    print(f"shipped rulesets: {', '.join(f'{k} ({len(v.rules)} rules)' for k, v in rulesets.items())}\n")

    print("== engine with the shipped packs (each reply routed by script, like the CLI default)")
    shipped = measure(lambda t: check(library.select(None, None, t), t), texts)
    print(row("shipped packs, all replies", shipped))
    print(row("shipped packs, replies <= 300 chars", measure(lambda t: check(library.select(None, None, t), t), short)))
    print("   targets: p50 <= 50 µs, p99 <= 250 µs per reply of <= 300 characters\n")

    import ahocorasick
    import ahocorasick_rs

    zh = [t for t in texts if library.select(None, None, t).locale == "zh-Hans"]
    print("== shipped zh pack + an extra generated term list (ratio vs 100 terms)")
    base100: dict[str, float] | None = None
    for size in (100, 1_000, 10_000):
        rs = with_terms(shipped_rules(), size, pure=False)
        stats = measure(lambda t, rs=rs: check(rs, t), zh)
        base100 = base100 or stats
        print(row(f"zh + {size:,} terms", stats, base100))
    print("   target: 10,000 terms cost at most 1.5x what 100 terms cost\n")

    print("== pure term-list pack vs bare automata on the same terms and texts (ratio vs pyahocorasick)")
    for size in (100, 1_000, 10_000):
        terms = random_terms(size)
        auto = ahocorasick.Automaton()
        for i, term in enumerate(terms):
            auto.add_word(term, i)
        auto.make_automaton()
        rs_ac = ahocorasick_rs.AhoCorasick(terms)
        py = measure(lambda t, auto=auto: list(auto.iter(t)), zh)
        rust = measure(lambda t, ac=rs_ac: ac.find_matches_as_indexes(t, overlapping=True), zh)
        pack = with_terms(shipped_rules(), size, pure=True)
        eng = measure(lambda t, rs=pack: check(rs, t), zh)
        print(row(f"{size:>6,} terms: bare pyahocorasick", py, py))
        print(row(f"{size:>6,} terms: bare ahocorasick-rs", rust, py))
        print(row(f"{size:>6,} terms: tactful engine (pure list pack)", eng, py))
    print("   target: engine on a pure term-list pack at most 5x bare pyahocorasick")


if __name__ == "__main__":
    main()
