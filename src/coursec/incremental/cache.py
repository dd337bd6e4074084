"""`BuildCache`: the one seam between a build and what earlier builds left for it.

A build asks it, in order:

1. `up_to_date()`: is the output folder exactly what this build would write? Then nothing is
   loaded, rendered or written.
2. `module_reuse()`: the module records loading may restore instead of parsing (and that keep
   what it parses); then `loaded(course)` once the course is loaded.
3. `bodies()`: the rendered bodies it already has, by module; `keep_bodies()` the rest.
4. `parts(exporter)`: where an exporter's kept parts (pages, PDF chapters) come from.
5. `commit(staging, ...)`: record what this build read and wrote, beside its outputs.

Where the cache lives
---------------------
Inside the output folder, as ``<out>/.coursec-cache/``: ``manifest.json`` (coursec.incremental.
manifest), ``modules-*.json`` and ``bodies-*.json`` (records and bodies, sharded:
coursec.incremental.shards) and ``parts/`` (coursec.incremental.parts). It is written into the
staging folder with the outputs and swapped in with them in one rename, so it always describes
exactly the folder it sits in, lives and dies with it, and a killed build leaves the previous
output *and its matching cache*. It holds no absolute path, clock reading or timing: two builds of
the same sources give byte-identical output folders, cache included.

What a build is keyed on
------------------------
Every input file by content (course.yml, every module listed, every image, download and module
file a module refers to, reached the way the loader reaches it, and the course's theme folder),
the default theme, coursec itself and the libraries that shape the output
(coursec.incremental.fingerprint), the exporters chosen (entry point and distribution), the
options that change the output, and the source date. A module's body is keyed on its file's
content, ``allow_raw_html``, the URLs its links resolve to, its interface language and
wording, and the same fingerprint.

Nothing is trusted blindly: a manifest that does not parse, or comes from another coursec,
cache format or course, is ignored whole; shards, records and parts are used only if their bytes
match the manifest; an output folder is up to date only when every input hashes as recorded and
every output file (no more, no fewer) does too; a file whose inode has not changed since the
manifest was written is not hashed again (`fingerprint.unchanged_since`: its ctime, which no
one can set back, says so). A build that sees a source change while it runs keeps nothing.
The digests guard against accidents and stale data, not against someone who can write into
the output folder: a manifest forged together with its files would be believed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursec.diagnostics import Diagnostic, Severity
from coursec.export import exporter_identities
from coursec.incremental.fingerprint import digest, environment_key, installation, text_sha256
from coursec.incremental.inputs import (
    InputFile,
    Snapshot,
    changed_input,
    course_inputs,
    source_files,
    theme_material,
)
from coursec.incremental.manifest import (
    CACHE_FORMAT,
    ArtifactRecord,
    CacheError,
    Manifest,
    build_material,
    cache_dir,
    changed_output,
    diagnostics_from_json,
    diagnostics_to_json,
    manifest_stat,
    options_material,
    read_manifest,
    record_outputs,
    recorded_environment,
    write_manifest,
)
from coursec.incremental.parts import PartSource
from coursec.incremental.shards import ShardReader, write_shards
from coursec.outdir import settled_stat
from coursec.source_date import source_date_at

if TYPE_CHECKING:
    from datetime import datetime

    from coursec.incremental.records import ModuleRecords
    from coursec.loading import LoadedModule
    from coursec.model import Course
    from coursec.options import BuildOptions

BODIES = "bodies"  # shards of rendered bodies, by body key
RECORDS = "modules"  # shards of loaded modules (coursec.incremental.records), by record key


@dataclass(slots=True)
class BuildMemory:
    """What a process that builds again and again (`--watch`) keeps from one build to the next:
    module records, the same modules decoded, and rendered bodies, by the same content keys as
    the cache on disk. Like it, an entry is used only under its key."""

    records: dict[str, Any] = field(default_factory=dict)
    decoded: dict[str, LoadedModule] = field(default_factory=dict)
    bodies: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the build that wrote an up-to-date output folder reported."""

    artifacts: list[ArtifactRecord]
    diagnostics: list[Diagnostic]


def body_key(
    module_sha256: str, allow_raw_html: bool, urls: Mapping[str, str], wording: str
) -> str:
    """The cache key of one module's rendered body; `wording`: the language its interface text
    is in, and the course's own wording of it (coursec.body_text)."""
    links = json.dumps([sorted(urls.items()), wording], ensure_ascii=False)
    material = f"body\0{CACHE_FORMAT}\0{environment_key()}\0{module_sha256}\0{allow_raw_html}"
    return text_sha256(f"{material}\0{links}")


class BuildCache:
    """What earlier builds of `out_dir` left that this build may reuse, and what it leaves.

    `out_dir` is the output folder this build writes (None when it is not known yet: course.yml
    has no readable id; the build then fails at loading). `memory` is what this process kept
    from its previous build (`--watch`). `reason` says why the output is not up to date.
    """

    def __init__(
        self,
        course_dir: Path,
        out_dir: Path | None,
        course_id: str | None,
        options: BuildOptions,
        memory: BuildMemory | None = None,
    ) -> None:
        self.root = course_dir.resolve()
        self.course_dir = course_dir
        self.out_dir = out_dir
        self.course_id = course_id  # as course.yml says, read cheaply: None if unknown
        self.options = options
        self.memory = memory
        self.warm = memory is not None and not options.clean
        self.reason = "--clean: built from scratch" if options.clean else ""
        self.previous: Manifest | None = None  # the previous build's manifest, if usable
        self.checked = False  # up_to_date() read the manifest (or found why it cannot)
        self.reader = ShardReader(None, {})
        self.snapshot: Snapshot | None = None
        self.records: ModuleRecords | None = None
        self.inputs: list[InputFile] | None = None
        self.keys: list[str | None] = []
        self.bodies_kept: list[str | None] = []
        self.theme: dict[str, str | None] = {}

    # --- 1. is it up to date? -----------------------------------------------------------------

    def up_to_date(self) -> Recorded | None:
        """The previous build's report if `out_dir` is exactly what this build would write."""
        if self.options.clean:
            return None
        if self.out_dir is None:
            self.reason = "course.yml has no readable id"
            return None
        self.checked = True
        written, settled = manifest_stat(self.out_dir), settled_stat(self.out_dir)
        try:
            manifest = read_manifest(self.out_dir, self.course_id)
        except CacheError as exc:
            self.reason = str(exc)
            return None
        self.previous = manifest
        self.reason = self._differs(manifest, written, settled) or "up to date"
        if self.reason != "up to date":
            return None
        try:
            recorded = diagnostics_from_json(manifest.diagnostics, self.root)
        except CacheError as exc:
            self.previous, self.reason = None, str(exc)
            return None
        return Recorded(manifest.artifacts, sorted(recorded, key=Diagnostic.sort_key))

    def _differs(
        self, manifest: Manifest, written: os.stat_result | None, settled: os.stat_result | None
    ) -> str | None:
        """Why building would not give exactly the recorded output folder, or None; `written`:
        the manifest's stat (inputs unchanged since are not hashed again), `settled` the output
        marker's (outputs unchanged since are not)."""
        assert self.out_dir is not None
        changed = changed_input(self.course_dir, manifest.inputs, written)
        if changed is not None:
            return f"{changed} changed"
        recorded = recorded_environment(manifest.material, manifest.installation)
        libraries, exporters = recorded or (None, exporter_identities(self.options.formats))
        if exporters is None:
            return "an output format is not installed"
        try:
            when = source_date_at(self.course_dir, source_files(self.course_dir, manifest.inputs))
        except (OSError, ValueError):
            return "the source date cannot be determined"
        theme = theme_material(self.course_dir)
        material = build_material(
            manifest.course_id, self.options, when, manifest.inputs, theme, exporters, libraries
        )
        if digest(material) != manifest.key:
            return _what_differs(manifest.material, material)
        if self.options.strict and any(
            d.get("severity") == Severity.WARNING.value for d in manifest.diagnostics
        ):
            return "--strict and the last build had warnings"
        changed = changed_output(self.out_dir, manifest.outputs, settled)
        return f"output {changed}" if changed is not None else None

    # --- 2. loading ---------------------------------------------------------------------------

    def module_reuse(self) -> ModuleRecords:
        """The module records loading may restore (and that keep what it parses). Takes the
        snapshot of the course folder first: a source edited from now on is noticed."""
        from coursec.incremental.records import ModuleRecords

        self.snapshot = Snapshot.take(self.root, skip=[p for p in (self.out_dir,) if p])
        if not self.checked and not self.options.clean and self.out_dir is not None:
            try:
                self.previous = read_manifest(self.out_dir, self.course_id)
            except CacheError as exc:
                self.reason = self.reason or str(exc)
        if self.previous is not None and self.out_dir is not None:
            self.reader = ShardReader(cache_dir(self.out_dir), self.previous.shards)
        memory = self.memory if self.warm else None
        if memory is not None and memory.records:
            previous: dict[str, Any] = dict(memory.records)
        else:
            previous = self.reader.everything(RECORDS)
        self.records = ModuleRecords(self.root, previous, memory.decoded if memory else None)
        return self.records

    def loaded(self, course: Course | None) -> None:
        """Loading ended (`course` None: with errors): remember its modules, and what the
        course was built from."""
        assert self.records is not None and self.snapshot is not None
        if self.memory is not None:
            self.memory.records, self.memory.decoded = self.records.kept, self.records.decoded
        if course is None:
            return
        self.inputs = course_inputs(course, self.snapshot)
        if self.inputs is None:
            self.reason = "a source file changed while the build read it: nothing reused"
        elif self.previous is not None and self.previous.course_id != course.id:
            self.reason = f'the cache belongs to course "{self.previous.course_id}"'
        else:
            return
        self.previous, self.reader = None, ShardReader(None, {})

    # --- 3. bodies ----------------------------------------------------------------------------

    def bodies(self, course: Course) -> list[str | None]:
        """Each published module's rendered body, if this process or the cache has it."""
        from coursec.render import resolved_urls

        published = course.published_modules
        known = self.memory.bodies if self.memory is not None and self.warm else {}
        if self.inputs is None:
            self.keys = [None] * len(published)
        else:
            digests = {i.resolved: i.sha256 for i in self.inputs}
            self.keys = []
            for module in published:
                sha = digests.get(module.path.relative_to(course.root).as_posix())
                urls = resolved_urls(course, module)
                allow_html = course.spec.allow_raw_html
                wording = json.dumps(
                    [course.language_of(module), course.spec.interface], sort_keys=True
                )
                self.keys.append(body_key(sha, allow_html, urls, wording) if sha else None)
        found: list[str | None] = []
        for key in self.keys:
            body = None if key is None else known.get(key) or self.reader.get(BODIES, key)
            found.append(body if isinstance(body, str) else None)
        return found

    def keep_bodies(self, bodies: Sequence[str | None]) -> None:
        """The bodies of this build, in the order `bodies()` gave them, kept for the next."""
        self.bodies_kept = list(bodies)
        if self.memory is not None:
            self.memory.bodies = {
                k: b for k, b in zip(self.keys, bodies, strict=True) if k is not None and b
            }

    # --- 4. parts -----------------------------------------------------------------------------

    def parts(self, exporter: str) -> PartSource | None:
        """Where `exporter`'s parts come from; None: it keeps nothing this build (a source
        changed while the build ran)."""
        if self.inputs is None:
            return None
        if not self.theme:
            self.theme = theme_material(self.course_dir)
        course_yml = next(i.sha256 for i in self.inputs if i.role == "course")
        salt = digest(
            {
                "parts": CACHE_FORMAT,
                "environment": environment_key(),
                "theme": self.theme,
                "options": options_material(self.options),
                "course": course_yml,
            }
        )
        previous = self.previous
        return PartSource(
            digest([salt, exporter]),
            previous.parts if previous else {},
            self.out_dir if previous else None,
        )

    # --- 5. commit ----------------------------------------------------------------------------

    def commit(
        self,
        staging: Path,
        course: Course,
        source_date: datetime,
        artifacts: Sequence[ArtifactRecord],
        diagnostics: Sequence[Diagnostic],
        kept_parts: Mapping[str, str],
    ) -> None:
        """Write the cache of the outputs in `staging`: what this build read and wrote."""
        inputs = self.inputs
        if inputs is None or self.records is None or self.snapshot is None:
            return
        if not self.snapshot.still_holds(course.root / i.path for i in inputs):
            self.reason = "a source file changed while the build ran: nothing kept for next time"
            return
        exporters = exporter_identities(self.options.formats)
        if exporters is None:
            return
        if not self.theme:
            self.theme = theme_material(self.course_dir)
        material = build_material(
            course.id, self.options, source_date, inputs, self.theme, exporters
        )
        bodies = {
            k: b for k, b in zip(self.keys, self.bodies_kept, strict=True) if k and b is not None
        }
        folder = cache_dir(staging)
        records = self.records
        shards = write_shards(folder, BODIES, bodies, self.reader)
        shards |= write_shards(folder, RECORDS, records.kept, self.reader, records.fresh)
        manifest = Manifest(
            course_id=course.id,
            key=digest(material),
            material=material,
            inputs=inputs,
            outputs=record_outputs(staging),
            artifacts=list(artifacts),
            diagnostics=diagnostics_to_json(diagnostics, course.root),
            shards=shards,
            parts=dict(sorted(kept_parts.items())),
            installation=installation(),
        )
        write_manifest(staging, manifest)


_MATERIAL_NAMES = {
    "environment": "coursec or a library it uses changed",
    "options": "the build options changed",
    "source_date": "the source date changed",
    "theme": "the theme changed",
    "exporters": "the output formats changed",
    "course": "another course",
    "inputs": "the inputs changed",
}


def _what_differs(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    for name, reason in _MATERIAL_NAMES.items():
        if old.get(name) != new.get(name):
            return reason
    return "the build key changed"
