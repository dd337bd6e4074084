"""What `coursec build` shows on the terminal: live progress while it runs, a summary after.

Part of the command line (coursec.cli): the library itself never prints.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from coursec.build import BuildEvent, BuildResult


_STAGE_TITLES = {
    "check": "Checking the output",
    "load": "Loading the course",
    "render": "Rendering modules",
    "write": "Writing the output",
}


class BuildReporter:
    """Build progress on stderr: a live rich display on a terminal, else plain lines.

    The display is refreshed from the build's own events (no refresh thread), so the build may
    still fork its worker processes safely.
    """

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.live: Any = None
        self.tasks: dict[str, Any] = {}
        if not quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            console = Console(stderr=True)
            if console.is_terminal and not console.is_dumb_terminal:
                self.live = Progress(
                    SpinnerColumn(finished_text="[green]✓"),
                    TextColumn("{task.description:<24}"),
                    BarColumn(bar_width=30),
                    MofNCompleteColumn(),
                    TextColumn("[dim]{task.fields[detail]}"),
                    TimeElapsedColumn(),
                    console=console,
                    auto_refresh=False,
                    transient=True,
                )
                self.live.start()

    def event(self, event: BuildEvent) -> None:
        if self.quiet:
            return
        if self.live is not None:
            self._live_event(event)
        elif event.kind == "finish":
            self._plain_event(event)

    def _live_event(self, event: BuildEvent) -> None:
        key = event.name or event.stage
        if event.kind == "start":
            title = f"Exporting {event.name}" if event.stage == "export" else _STAGE_TITLES[key]
            self.tasks[key] = self.live.add_task(title, total=event.total, detail="")
        elif event.kind == "advance" and key in self.tasks:
            self.live.advance(self.tasks[key], event.count)
        elif event.kind == "finish" and key in self.tasks:
            task = self.tasks[key]
            total = self.live.tasks[task].total
            done = total if total is not None else 1
            self.live.update(task, total=done, completed=done, detail=event.detail)
        self.live.refresh()

    @staticmethod
    def _plain_event(event: BuildEvent) -> None:
        label = event.name or event.stage
        seconds = f"{event.seconds:.2f}s" if event.seconds else ""
        line = f"{label:<10} {event.detail or 'done'}"
        click.echo(f"{line:<60} {seconds}".rstrip(), err=True)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


def _size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def build_summary(result: BuildResult) -> None:
    """Each artifact with its size and the time it took, then one line on the build."""
    out = result.out_dir or Path()
    rows = [
        (
            str(out / report.path),
            report.exporter,
            _size_text(report.size),
            "-" if result.up_to_date else f"{report.seconds:.2f}s",
        )
        for report in result.artifacts
    ]
    if result.up_to_date:
        footer = f"{out} is up to date: nothing to do ({result.seconds:.2f}s)"
    else:
        modules = len(result.rendered) + len(result.reused)
        how = f"{result.workers} worker processes" if result.workers else "no worker process"
        footer = (
            f"built {out} in {result.seconds:.2f}s ({how}): "
            f"{len(result.rendered)} of {modules} modules rendered, {len(result.reused)} from cache"
        )
    headers = ("artifact", "format", "size", "time")
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(*headers, box=None, header_style="bold", pad_edge=False)
        table.columns[2].justify = table.columns[3].justify = "right"
        for row in rows:
            table.add_row(*row)
        console = Console()
        console.print(table)
        console.print(footer, style="green" if result.up_to_date else None, highlight=False)
        return
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(4)]
    for row in [headers, *rows]:
        click.echo(
            f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  "
            f"{row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}"
        )
    click.echo(footer)
