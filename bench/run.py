"""Measure coursec's build against its peers, side by side, in one run.

    python bench/run.py [--modules 200] [--sizes 50,200,800] [--repeat 3] [--out bench/out]

Every figure is a child process: its wall time (best of the runs), its CPU time (user + system)
and its peak memory (max RSS), both from `os.wait4`. Cold builds start from a fresh output
folder; rebuilds run the same command again into the same --out. Runs of two tools being
compared are interleaved (A, B, A, B, ...) so that load from other work hits both alike.
Prints Markdown tables and writes <out>/results.json and <out>/results.md.
See bench/README.md for what each figure means and the targets it is held against.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import make_course  # noqa: E402 - the generator beside this file

GROWTH_KEYS = {  # wall and CPU time keys of the growth table, per tool
    "html": ("html_s", "html_cpu_s"),
    "mkdocs": ("mkdocs_s", "mkdocs_cpu_s"),
    "full": ("full_s", "full_cpu_s"),
}
FULL_FORMATS = "html,scorm12,scorm2004,pdf"
NO_PDF_FORMATS = "html,scorm12,scorm2004"
MKDOCS_VENV = BENCH / ".venv-mkdocs"
TARGETS = {
    "html_vs_mkdocs": 1.0,  # coursec HTML build time / mkdocs build time
    "pdf_vs_weasyprint": 1.10,  # coursec PDF export time / WeasyPrint alone on the same HTML
    "noop_vs_cold": 0.05,
    "one_module_vs_cold": 0.10,
}
# WeasyPrint alone, with the options coursec's PDF exporter passes (PDF/UA-1, tagged), reading
# the HTML and its resources from disk through WeasyPrint's default fetcher.
WEASYPRINT_SCRIPT = """
import hashlib, sys, weasyprint
html_path, pdf_path = sys.argv[1], sys.argv[2]
with open(html_path, "rb") as f:
    ident = hashlib.sha256(f.read()).hexdigest()[:32].encode()
options = {"pdf_variant": "pdf/ua-1", "pdf_tags": True, "pdf_identifier": ident,
           "optimize_images": False, "uncompressed_pdf": False}
known = getattr(weasyprint, "DEFAULT_OPTIONS", options)
options = {k: v for k, v in options.items() if k in known}
doc = weasyprint.HTML(filename=html_path, base_url=html_path, media_type="print")
doc.write_pdf(pdf_path, **options)
"""
# Rebuilds in a warm process, as `coursec build --watch` does them (without its polling delay):
# one build, then each run edits one module and times `build()` with the session's BuildMemory.
WATCH_SCRIPT = """
import json, sys, time
from pathlib import Path
from coursec.build import BuildMemory, build
from coursec.options import BuildOptions
course, out, module, repeat, formats = sys.argv[1:6]
module = Path(module)
options = BuildOptions(formats=tuple(formats.split(",")), out_dir=Path(out))
try:  # as `coursec build --watch`, which runs in `coursec`'s main
    from coursec.collector import defer_frees, free_deferred
except ImportError:  # a revision from before them
    defer_frees = free_deferred = lambda: None
defer_frees()
memory = BuildMemory()
assert build(Path(course), options, None, memory).ok
free_deferred()
original, times = module.read_bytes(), []
try:
    for i in range(int(repeat)):
        module.write_bytes(original + f"\\nWatch edit number {i + 1}.\\n".encode())
        started = time.perf_counter()
        result = build(Path(course), options, None, memory)
        times.append(time.perf_counter() - started)
        free_deferred()  # as `watch` does once the build is reported
        assert result.ok and len(result.rendered) == 1, result.rendered
finally:
    module.write_bytes(original)
print(json.dumps(times))
"""


# --- running and timing child processes ------------------------------------------------------


@dataclass
class Run:
    seconds: float  # wall
    cpu_seconds: float  # user + system, of the child and its waited-for descendants
    max_rss_mib: float  # the largest single process of the tree (wait4's ru_maxrss)
    returncode: int
    load_before: float  # 1-minute load average when the run started
    tree_pss_mib: float | None = None  # peak of the whole process tree's PSS, if sampled
    error: str = ""


def tree_pss_mib(root: int) -> float:
    """The summed PSS of `root` and its descendants (PSS: shared pages are counted once)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total_kib, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack += children.get(pid, [])
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total_kib += int(line.split()[1])
                break
    return total_kib / 1024


class TreeSampler:
    """Samples a process tree's PSS every `interval` seconds, in a thread, keeping the peak."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, tree_pss_mib(self.pid))
            self.stop.wait(self.interval)

    def finish(self) -> float:
        self.stop.set()
        self.thread.join()
        return self.peak


@dataclass
class Measure:
    """Repeated runs of one command. `before(i)` runs untimed ahead of run i."""

    name: str
    command: list[str]
    before: Callable[[int], None] | None = None
    sample_memory: bool = False  # sample the process tree's PSS (a little overhead)
    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.returncode == 0 for r in self.runs)

    def _best(self, key: Callable[[Run], float]) -> float | None:
        return min(key(r) for r in self.runs) if self.ok else None

    @property
    def best(self) -> float | None:
        return self._best(lambda r: r.seconds)

    @property
    def best_cpu(self) -> float | None:
        return self._best(lambda r: r.cpu_seconds)

    @property
    def peak_mib(self) -> float | None:
        return max(r.max_rss_mib for r in self.runs) if self.ok else None

    @property
    def peak_tree_mib(self) -> float | None:
        sampled = [r.tree_pss_mib for r in self.runs if r.tree_pss_mib is not None]
        return max(sampled) if sampled and self.ok else None

    def summary(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "ok": self.ok,
            "best_s": self.best,
            "best_cpu_s": self.best_cpu,
            "peak_rss_mib": self.peak_mib,
            "peak_tree_pss_mib": self.peak_tree_mib,
            "runs": [asdict(r) for r in self.runs],
        }


def run_once(
    command: Sequence[str],
    log: Path | None = None,
    sample: bool = False,
    env: dict[str, str] | None = None,
) -> Run:
    """Run `command` (with `env` over this process's environment), output to `log`; wall time,
    CPU time and max RSS (via wait4)."""
    load = os.getloadavg()[0]
    out_path = log or Path(os.devnull)
    with out_path.open("wb") as sink:
        started = time.perf_counter()
        environment = os.environ | env if env else None
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=environment)
        sampler = TreeSampler(proc.pid) if sample else None
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        tree = sampler.finish() if sampler else None
    proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen quiet
    error = ""
    if proc.returncode != 0 and log is not None:
        lines = log.read_text(errors="replace").splitlines()
        error = "\n".join(x for x in lines if "CS406" not in x and "hint:" not in x)[-1500:]
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, cpu, usage.ru_maxrss / 1024, proc.returncode, load, tree, error)


def measure(measures: Sequence[Measure], repeat: int, log_dir: Path) -> None:
    """Run each measure `repeat` times, interleaved; a measure stops at its first failure."""
    for i in range(repeat):
        for m in measures:
            if m.runs and not m.ok:
                continue
            if m.before is not None:
                m.before(i)
            run = run_once(m.command, log_dir / f"{m.name}.log", m.sample_memory)
            m.runs.append(run)
            tree = f" (tree {run.tree_pss_mib:.0f})" if run.tree_pss_mib is not None else ""
            print(
                f"  {m.name:<30} {i + 1}/{repeat}: {run.seconds:7.2f} s wall "
                f"{run.cpu_seconds:7.2f} s cpu {run.max_rss_mib:6.0f} MiB{tree}  "
                f"(load {run.load_before:.1f})",
                flush=True,
            )
            if run.returncode != 0:
                print(f"  {m.name} FAILED (exit {run.returncode}):\n{run.error}", flush=True)


def fresh(path: Path) -> Callable[[int], None]:
    def clear(_i: int) -> None:
        shutil.rmtree(path, ignore_errors=True)

    return clear


# --- the tools under test ----------------------------------------------------------------------


# Python keeps the bytecode of what it imports, unless PYTHONDONTWRITEBYTECODE is set (as on
# some CI and container images, and this machine); pip compiles what it installs either way. So
# the peers start from bytecode while an editable coursec, or a copy by PYTHONPATH, would be
# compiled again at every start (0.1-0.2 s of CPU a build): compiled once before the runs.
COMPILE_SCRIPT = """
import compileall, coursec, coursec.exporters
for package in (coursec, coursec.exporters):
    for folder in package.__path__:
        compileall.compile_dir(folder, quiet=1)
"""


def compile_coursec(env: dict[str, str] | None = None) -> None:
    """Compile the coursec that `env` (over this process's environment) imports, as pip would."""
    environment = os.environ | env if env else None
    subprocess.run([sys.executable, "-c", COMPILE_SCRIPT], check=True, env=environment)


def coursec_command() -> list[str]:
    script = Path(sys.executable).with_name("coursec")
    return [str(script)] if script.exists() else [sys.executable, "-m", "coursec"]


def build_args(course: Path, formats: str, out: Path) -> list[str]:
    return ["build", str(course), "--format", formats, "--out", str(out), "-q"]


def ensure_mkdocs(explicit: str | None) -> tuple[Path | None, str]:
    """The mkdocs executable: --mkdocs, else bench/.venv-mkdocs (created with pip if missing)."""
    if explicit:
        return Path(explicit), "given with --mkdocs"
    exe = MKDOCS_VENV / "bin" / "mkdocs"
    if not exe.exists():
        print(f"creating {MKDOCS_VENV} with mkdocs (pip) ...", flush=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(MKDOCS_VENV)], check=True)
            pip = MKDOCS_VENV / "bin" / "pip"
            subprocess.run([str(pip), "install", "-q", "mkdocs", "pygments"], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            return None, f"mkdocs comparison skipped: could not install mkdocs: {exc}"
    return exe, "bench/.venv-mkdocs"


def first_line(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    except OSError:
        return "unknown"
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[0] if lines else ""


def dump_print_html(course_dir: Path, dest: Path) -> Path:
    """Write the handout HTML that the PDF exporter hands WeasyPrint, with the files it loads.

    Calls the exporter's own functions (load → render → `handout_html`, `build_files`), so the
    HTML is the very document `coursec build --format pdf` lays out; the resources it references
    go beside it at the same relative paths, where WeasyPrint's default fetcher finds them.
    """
    from coursec.exporters.pdf import handout as pdf
    from coursec.exporters.pdf.fetch import build_files
    from coursec.loading import load_course
    from coursec.render import render

    loaded = load_course(course_dir)
    if loaded.course is None:
        raise RuntimeError(f"{course_dir} does not load")
    plan = render(loaded.course)
    wanted = {"whole": True, "review": False, "answers": True}  # as `coursec build` calls it
    accepted = inspect.signature(pdf.handout_html).parameters
    html = pdf.handout_html(
        plan, plan.modules, **{k: v for k, v in wanted.items() if k in accepted}
    )
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for rel, source in build_files(plan).items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source if isinstance(source, bytes) else source.read_bytes())
    page = dest / "handout.html"
    page.write_text(html, encoding="utf-8")
    return page


# --- the benchmark -----------------------------------------------------------------------------


@dataclass
class Bench:
    args: argparse.Namespace
    root: Path
    mkdocs: Path | None
    measures: dict[str, Measure] = field(default_factory=dict)

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def course(self, size: int) -> Path:
        return self.root / "courses" / f"n{size}"

    def work(self, size: int, what: str) -> Path:
        return self.root / "work" / f"n{size}" / what

    def new(
        self,
        name: str,
        command: list[str],
        before: Callable[[int], None] | None = None,
        sample_memory: bool = False,
    ) -> Measure:
        m = Measure(name, command, before, sample_memory)
        self.measures[name] = m
        return m

    def coursec(self, size: int, formats: str, label: str, sample_memory: bool = False) -> Measure:
        """A cold coursec build into a fresh work/n<size>/<label>/ (left there afterwards)."""
        out = self.work(size, label)
        command = coursec_command() + build_args(self.course(size), formats, out)
        return self.new(f"n{size}-coursec-{label}", command, fresh(out), sample_memory)

    def mkdocs_build(self, size: int) -> Measure | None:
        if self.mkdocs is None:
            return None
        site = self.work(size, "mkdocs-site")
        config = self.course(size) / "mkdocs" / "mkdocs.yml"
        command = [str(self.mkdocs), "build", "-q", "-f", str(config), "-d", str(site)]
        return self.new(f"n{size}-mkdocs", command, fresh(site))

    def run(self, measures: Sequence[Measure | None], repeat: int) -> None:
        measure([m for m in measures if m is not None], repeat, self.logs)

    def rebuilds(self, cold: Measure, size: int, repeat: int) -> dict[str, Any]:
        """No-op and one-module-changed rebuilds into the output `cold` left in place."""
        label = cold.name.removeprefix(f"n{size}-coursec-")
        noop = self.new(f"n{size}-{label}-noop", cold.command)
        self.run([noop], repeat)
        module = sorted((self.course(size) / "modules").glob("*.md"))[size // 2]
        original = module.read_bytes()

        def edit(i: int) -> None:  # a different sentence each time: always a real change
            module.write_bytes(original + f"\nBenchmark edit number {i + 1}.\n".encode())

        changed = self.new(f"n{size}-{label}-one-module", cold.command, edit)
        try:
            self.run([changed], repeat)
        finally:
            module.write_bytes(original)
        watched = self.watch_rebuilds(cold, size, module, repeat)
        return {
            "cold_s": cold.best,
            "noop_s": noop.best,
            "one_module_s": changed.best,
            "noop_ratio": ratio(noop.best, cold.best),
            "one_module_ratio": ratio(changed.best, cold.best),
            "noop_cpu_ratio": ratio(noop.best_cpu, cold.best_cpu),
            "one_module_cpu_ratio": ratio(changed.best_cpu, cold.best_cpu),
            "watch_one_module_s": min(watched) if watched else None,
            "watch_one_module_ratio": ratio(min(watched) if watched else None, cold.best),
            "watch_runs_s": watched,
            "changed_file": module.name,
        }

    def watch_rebuilds(self, cold: Measure, size: int, module: Path, repeat: int) -> list[float]:
        """One-module rebuilds inside one process (`--watch`), timed by that process."""
        label = cold.name.removeprefix(f"n{size}-coursec-")
        out = Path(cold.command[cold.command.index("--out") + 1])
        formats = cold.command[cold.command.index("--format") + 1]
        command = [sys.executable, "-c", WATCH_SCRIPT, str(self.course(size)), str(out)]
        command += [str(module), str(repeat), formats]
        log = self.logs / f"n{size}-{label}-watch.log"
        run = run_once(command, log)
        if run.returncode != 0:
            print(f"  watch rebuilds FAILED:\n{run.error}", flush=True)
            return []
        times: list[float] = json.loads(log.read_text().strip().splitlines()[-1])
        print(f"  n{size}-{label}-watch: one-module rebuilds {times}", flush=True)
        return times

    def pdf_pair(self, size: int) -> dict[str, Any]:
        """coursec --format pdf vs WeasyPrint alone on the same handout HTML, interleaved."""
        ours = self.coursec(size, "pdf", "pdf")
        result: dict[str, Any] = {"modules": size}
        try:
            page = dump_print_html(self.course(size), self.work(size, "print-html"))
        except Exception as exc:  # noqa: BLE001 - the exporter is young: report, don't crash
            result["error"] = f"could not produce the handout HTML: {type(exc).__name__}: {exc}"
            print(f"  {result['error']}", flush=True)
            self.run([ours], self.args.pdf_repeat)
            alone = None
        else:
            target = self.work(size, "weasyprint.pdf")
            command = [sys.executable, "-c", WEASYPRINT_SCRIPT, str(page), str(target)]
            alone = self.new(f"n{size}-weasyprint-alone", command)
            self.run([ours, alone], self.args.pdf_repeat)
            ours_pdf = self.work(size, "pdf") / f"{make_course.COURSE_ID}.pdf"
            result["html_bytes"] = page.stat().st_size
            result["pdf_bytes"] = {
                "coursec": ours_pdf.stat().st_size if ours_pdf.exists() else None,
                "weasyprint": target.stat().st_size if target.exists() else None,
            }
        result |= {
            "ok": ours.ok,
            "coursec_s": ours.best,
            "weasyprint_s": alone.best if alone else None,
            "ratio": ratio(ours.best, alone.best if alone else None),
            "cpu_ratio": ratio(ours.best_cpu, alone.best_cpu if alone else None),
            "coursec_peak_mib": ours.peak_mib,
            "weasyprint_peak_mib": alone.peak_mib if alone else None,
        }
        return result

    def profile_html(self, size: int) -> Path:
        out = self.work(size, "profile-html")
        shutil.rmtree(out, ignore_errors=True)
        prof = self.root / "html.prof"
        command = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "coursec"]
        command += build_args(self.course(size), "html", out)
        # --jobs 1: everything in one process, so that the profile sees all of the work
        if run_once([*command, "--jobs", "1"], self.logs / "profile.log").returncode != 0:
            shutil.rmtree(out, ignore_errors=True)
            run_once(command, self.logs / "profile.log")
        text = self.root / "profile.txt"
        with text.open("w") as stream:
            stats = pstats.Stats(str(prof), stream=stream)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(30)
        return text


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def linear_fit(points: list[tuple[int, float]]) -> dict[str, float] | None:
    """Least squares t = a + b·n, with R² (1.0 by construction for two points)."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if not sxx:
        return None
    b = sum((x - mx) * (y - my) for x, y in points) / sxx
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for _, y in points)
    ss_res = sum((y - (a + b * x)) ** 2 for x, y in points)
    return {"intercept_s": a, "ms_per_module": b * 1000, "r2": 1 - ss_res / ss_tot if ss_tot else 1}


# --- reporting ---------------------------------------------------------------------------------


def fmt_s(value: float | None) -> str:
    return f"{value:.2f} s" if value is not None else "—"


def fmt_x(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "—"


def fmt_pct(value: float | None) -> str:
    return f"{value * 100:.0f} %" if value is not None else "—"


def fmt_mib(value: float | None) -> str:
    return f"{value:,.0f} MiB" if value is not None else "—"


def verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "n/a"
    return "met" if value <= limit else "**missed**"


def report(s: dict[str, Any]) -> str:
    n, h, p = s["modules"], s["html"], s["pdf"]
    cores = s["machine"]["cpus"]
    rows = [
        f"### Results ({cores} cores; wall time, best of runs; CPU = user+sys of the child)",
        "",
        "| measure | modules | coursec | baseline | ratio (wall) | ratio (CPU) | target | |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
        f"| HTML build, cold | {n} | {fmt_s(h['coursec_s'])} | mkdocs {fmt_s(h['mkdocs_s'])} "
        f"| {fmt_x(h['ratio'])} | {fmt_x(h['cpu_ratio'])} | ≤ 1.00x "
        f"| {verdict(h['ratio'], TARGETS['html_vs_mkdocs'])} |",
    ]
    if p:
        rows.append(
            f"| PDF export, cold | {p['modules']} | {fmt_s(p['coursec_s'])} "
            f"| WeasyPrint alone {fmt_s(p['weasyprint_s'])} | {fmt_x(p['ratio'])} "
            f"| {fmt_x(p['cpu_ratio'])} | ≤ 1.10x "
            f"| {verdict(p['ratio'], TARGETS['pdf_vs_weasyprint'])} |"
        )
    for label, rb in s["rebuilds"].items():
        size, cold = rb["modules"], fmt_s(rb["cold_s"])
        rows += [
            f"| {label}: no-op rebuild | {size} | {fmt_s(rb['noop_s'])} | cold {cold} "
            f"| {fmt_pct(rb['noop_ratio'])} | {fmt_pct(rb['noop_cpu_ratio'])} | < 5 % "
            f"| {verdict(rb['noop_ratio'], TARGETS['noop_vs_cold'])} |",
            f"| {label}: one module changed | {size} | {fmt_s(rb['one_module_s'])} | cold {cold} "
            f"| {fmt_pct(rb['one_module_ratio'])} | {fmt_pct(rb['one_module_cpu_ratio'])} "
            f"| < 10 % | {verdict(rb['one_module_ratio'], TARGETS['one_module_vs_cold'])} |",
            f"| {label}: one module changed, `--watch` | {size} "
            f"| {fmt_s(rb['watch_one_module_s'])} | cold {cold} "
            f"| {fmt_pct(rb['watch_one_module_ratio'])} | | < 10 % "
            f"| {verdict(rb['watch_one_module_ratio'], TARGETS['one_module_vs_cold'])} |",
        ]
    for mem in s["memory"]:
        rows.append(
            f"| peak memory, full build | {mem['modules']} "
            f"| {fmt_mib(mem['peak_tree_pss_mib'])} all processes, "
            f"{fmt_mib(mem['peak_mib'])} largest (build took {fmt_s(mem['seconds'])}) "
            f"| mkdocs {fmt_mib(mem['mkdocs_peak_mib'])} | | | | |"
        )
    rows += [
        "",
        "### Growth (cold builds, best of runs: wall / CPU time, and ms per module of each)",
        "",
        "| modules | coursec HTML | ms/module | mkdocs | ms/module | coursec full | ms/module "
        "| peak MiB: HTML (largest process) / full (all processes) "
        "| HTML no-op / one module / one module, `--watch` (of cold) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for g in s["growth"]["sizes"]:
        size = g["modules"]
        cells = [str(size)]
        for wall_key, cpu_key in GROWTH_KEYS.values():
            wall, cpu = g.get(wall_key), g.get(cpu_key)
            if wall is None or cpu is None:
                cells += ["—", "—"]
            else:
                cells += [
                    f"{wall:.2f} / {cpu:.2f} s",
                    f"{wall / size * 1000:.1f} / {cpu / size * 1000:.1f}",
                ]
        html_mib = f"{g['html_peak_mib']:.0f}" if g["html_peak_mib"] else "—"
        full_mib = f"{g['full_peak_mib']:.0f}" if g["full_peak_mib"] else "—"
        cells.append(f"{html_mib} / {full_mib}")
        keys = ("noop_ratio", "one_module_ratio", "watch_one_module_ratio")
        cells.append(" / ".join(fmt_pct(g.get(k)) for k in keys))
        rows.append("| " + " | ".join(cells) + " |")
    rows.append("")
    labels = {"html": "coursec HTML", "mkdocs": "mkdocs", "full": "coursec full"}
    for tool, keys in GROWTH_KEYS.items():
        fits = [
            (kind, s["growth"].get(f"{key}_fit"))
            for kind, key in zip(("wall", "CPU"), keys, strict=True)
        ]
        shown = [
            f"{kind} t = {f['intercept_s']:.2f} s + {f['ms_per_module']:.1f} ms x modules "
            f"(R² = {f['r2']:.3f})"
            for kind, f in fits
            if f
        ]
        if shown:
            rows.append(f"- linear fit, {labels[tool]}: " + "; ".join(shown))
    rows += [f"- note: {note}" for note in s["notes"]]
    return "\n".join(rows) + "\n"


# --- main --------------------------------------------------------------------------------------


def machine_info(mkdocs: Path | None) -> dict[str, Any]:
    def dist(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "coursec": dist("coursec"),
        "weasyprint": dist("weasyprint"),
        "markdown-it-py": dist("markdown-it-py"),
        "mkdocs": first_line([str(mkdocs), "--version"]) if mkdocs else "not available",
        "coursec_source": source_state(),
        "load_average_at_start": os.getloadavg(),
    }


def source_state() -> str:
    """The commit coursec was measured at, and whether its work tree had local changes."""
    repo = BENCH.parent
    commit = first_line(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"])
    dirty = first_line(["git", "-C", str(repo), "status", "--porcelain", "--", "src", "exporters"])
    return f"{commit}{' + uncommitted changes' if dirty else ''}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--modules", type=int, default=200, help="course size for HTML comparison and rebuilds")
    add("--sizes", default="50,200,800", help="course sizes for the growth table")
    add("--repeat", type=int, default=3, help="runs per HTML/mkdocs figure (best is kept)")
    add("--pdf-modules", type=int, default=50, help="course size for PDF vs WeasyPrint")
    add("--pdf-repeat", type=int, default=2, help="runs per PDF-vs-WeasyPrint figure")
    add("--full-repeat", type=int, default=1, help="runs per full-build figure")
    add("--full-max", type=int, default=200, help="largest size to time the full build at")
    add("--out", type=Path, default=BENCH / "out", help="results and work files")
    add("--seed", type=int, default=1, help="course generator seed")
    add("--mkdocs", help="mkdocs executable (default: bench/.venv-mkdocs, made if missing)")
    add("--no-pdf", action="store_true", help="skip the PDF exporter (full build without pdf)")
    add("--profile", action="store_true", help="cProfile one HTML build (<out>/profile.txt)")
    args = parser.parse_args(argv)
    args.sizes = sorted({int(x) for x in args.sizes.split(",") if x.strip()})
    if min(args.modules, args.pdf_modules, *args.sizes) < 2:
        parser.error("course sizes must be at least 2")
    if min(args.repeat, args.pdf_repeat, args.full_repeat) < 1:
        parser.error("--repeat, --pdf-repeat and --full-repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    root = args.out.resolve()
    (root / "logs").mkdir(parents=True, exist_ok=True)
    mkdocs, mkdocs_how = ensure_mkdocs(args.mkdocs)
    bench = Bench(args, root, mkdocs)
    compile_coursec()
    notes: list[str] = [] if mkdocs else [mkdocs_how]
    n, p = args.modules, args.pdf_modules
    for size in sorted({*args.sizes, n, p}):
        print(f"generating a {size}-module course (seed {args.seed}) ...", flush=True)
        make_course.generate(bench.course(size), size, args.seed)
    summary: dict[str, Any] = {
        "modules": n,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine_info(mkdocs),
        "targets": TARGETS,
    }

    print(f"\n== HTML: coursec vs mkdocs, {n} modules ==", flush=True)
    html, mk = bench.coursec(n, "html", "html"), bench.mkdocs_build(n)
    bench.run([html, mk], args.repeat)
    summary["html"] = {
        "coursec_s": html.best,
        "mkdocs_s": mk.best if mk else None,
        "ratio": ratio(html.best, mk.best if mk else None),
        "cpu_ratio": ratio(html.best_cpu, mk.best_cpu if mk else None),
    }
    print(f"\n== HTML rebuilds, {n} modules ==", flush=True)
    rebuilds = {"HTML": {"modules": n, "formats": "html", **bench.rebuilds(html, n, args.repeat)}}

    formats = NO_PDF_FORMATS if args.no_pdf else FULL_FORMATS
    summary["pdf"] = {}
    if args.no_pdf:
        notes.append("--no-pdf: no PDF comparison; full builds without pdf")
    else:
        print(f"\n== PDF: coursec vs WeasyPrint alone, {p} modules ==", flush=True)
        summary["pdf"] = bench.pdf_pair(p)
        if "error" in summary["pdf"]:
            notes.append(summary["pdf"]["error"])
        if not summary["pdf"]["ok"]:
            formats = NO_PDF_FORMATS
            notes.append("the PDF exporter failed: full builds measured without pdf")

    print(f"\n== full build ({formats}) ==", flush=True)
    full: dict[int, Measure] = {}
    for size in sorted({p, *(x for x in (n, *args.sizes) if x <= args.full_max)}):
        full[size] = bench.coursec(size, formats, "full", sample_memory=True)
        bench.run([full[size]], args.full_repeat)
        if size == p and full[size].ok:
            rebuilds["full"] = {
                "modules": p,
                "formats": formats,
                **bench.rebuilds(full[size], p, args.full_repeat),
            }
    summary["rebuilds"] = rebuilds
    summary["memory"] = [
        {
            "modules": size,
            "formats": formats,
            "seconds": full[size].best,
            "peak_mib": full[size].peak_mib,
            "peak_tree_pss_mib": full[size].peak_tree_mib,
            "mkdocs_peak_mib": bench.measures.get(f"n{size}-mkdocs", Measure("", [])).peak_mib,
        }
        for size in sorted({x for x in (n, p) if x in full})
    ]

    print("\n== growth: cold HTML builds ==", flush=True)
    growth: list[dict[str, Any]] = []
    for size in args.sizes:
        if size == n:
            g_html, g_mk = html, mk
            g_rebuilds = rebuilds["HTML"]
        else:
            g_html, g_mk = bench.coursec(size, "html", "html"), bench.mkdocs_build(size)
            bench.run([g_html, g_mk], args.repeat)
            g_rebuilds = bench.rebuilds(g_html, size, args.repeat) if g_html.ok else {}
        g_full = full.get(size)
        growth.append(
            {
                "modules": size,
                "html_s": g_html.best,
                "mkdocs_s": g_mk.best if g_mk else None,
                "full_s": g_full.best if g_full else None,
                "html_cpu_s": g_html.best_cpu,
                "mkdocs_cpu_s": g_mk.best_cpu if g_mk else None,
                "full_cpu_s": g_full.best_cpu if g_full else None,
                "html_peak_mib": g_html.peak_mib,
                "full_peak_mib": (g_full.peak_tree_mib or g_full.peak_mib) if g_full else None,
                "noop_ratio": g_rebuilds.get("noop_ratio"),
                "one_module_ratio": g_rebuilds.get("one_module_ratio"),
                "watch_one_module_ratio": g_rebuilds.get("watch_one_module_ratio"),
            }
        )

    def fit(key: str) -> dict[str, float] | None:
        return linear_fit([(g["modules"], g[key]) for g in growth if g[key] is not None])

    summary["growth"] = {"sizes": growth} | {
        f"{key}_fit": fit(key) for tool in ("html", "mkdocs", "full") for key in GROWTH_KEYS[tool]
    }
    if args.profile:
        notes.append(f"cProfile of one {n}-module HTML build: {bench.profile_html(n)}")
    loads = [r.load_before for m in bench.measures.values() for r in m.runs]
    if loads and max(loads) > (os.cpu_count() or 1) * 1.5:  # the benchmark itself makes ~1-2
        notes.append(
            f"other work was running (load average up to {max(loads):.1f} on "
            f"{os.cpu_count()} cores): wall times are inflated; the CPU ratios are steadier"
        )
    summary["notes"] = notes
    summary["measures"] = {k: m.summary() for k, m in bench.measures.items()}
    summary["total_seconds"] = time.perf_counter() - started
    (root / "results.json").write_text(json.dumps(summary, indent=2) + "\n")
    table = report(summary)
    (root / "results.md").write_text(table)
    print("\n" + table)
    print(
        f"results: {root / 'results.json'}  (the benchmark took {summary['total_seconds']:.0f} s)"
    )


if __name__ == "__main__":
    main()
