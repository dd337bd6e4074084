"""Generate a synthetic course for benchmarks: a coursec course and the same Markdown as MkDocs.

    python bench/make_course.py OUT [--modules 200] [--seed 1] [--quizzes] [--long]

writes

    OUT/course.yml                  the coursec course
    OUT/modules/NNN-<slug>.md       one module per file: front matter + Markdown body
    OUT/assets/                     small shared SVG and PNG images
    OUT/mkdocs/mkdocs.yml           a MkDocs project over the SAME Markdown bodies
    OUT/mkdocs/docs/modules/*.md    (front matter dropped, nav in course order)
    OUT/mkdocs/docs/assets/         (the images, copied so relative links resolve alike)
    OUT/mkdocs/mkdocs-lean.yml      the same project built lean: no plugins (no search), a
    OUT/mkdocs/lean_theme/main.html one-template theme that writes the page body and title only

The output depends only on the arguments: the same arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

import yaml

MARKER = ".coursec-bench-course"
COURSE_ID = "bench-course"

CONCEPTS = [
    "reward modelling", "tool permissions", "distribution shift", "red teaming",
    "scalable oversight", "interpretability probes", "prompt injection", "audit logging",
    "approval gates", "uncertainty reporting", "goal misgeneralization", "corrigibility",
    "capability evaluation", "data provenance", "model cards", "incident response",
    "sandboxed execution", "rate limiting", "human review queues", "specification gaming",
    "constitutional training", "preference learning", "adversarial robustness",
    "monitoring dashboards", "rollback plans", "access control", "privacy budgets",
    "retrieval grounding", "hallucination detection", "agent memory", "task decomposition",
    "evaluation harnesses", "benchmark contamination", "fine-tuning hygiene", "safety cases",
    "threat modelling", "content filters", "deployment gates", "shadow testing",
    "canary releases", "feedback loops", "reward hacking", "oversight tooling",
]  # fmt: skip
AUDIENCES = [
    "agent builders", "product teams", "safety reviewers", "operators", "researchers",
    "platform engineers", "policy teams", "evaluators",
]  # fmt: skip
SECTION_TITLES = [
    "Why it matters", "The core idea", "A worked example", "Common failure modes",
    "Measuring progress", "Design checklist", "Trade-offs", "Historical context",
    "Practical takeaway", "Signals to watch", "Tooling", "Open questions",
    "Working with stakeholders", "Scaling up", "Edge cases", "Testing the design",
    "Operating in production", "Costs and benefits", "Related ideas", "Further practice",
]  # fmt: skip
VERBS = ["Explain", "Describe", "Apply", "Evaluate", "Compare", "Identify", "Design", "Assess"]
SUBJECTS = [
    "the system", "a capable agent", "the evaluation team", "an operator", "the reviewer",
    "the deployment", "the training process", "a well-designed pipeline", "the model",
    "the organisation", "a careful builder", "the monitoring layer",
]  # fmt: skip
ACTIONS = [
    "should record every decision it takes", "can drift away from the intended goal",
    "needs a clear way to stop or roll back", "benefits from independent checks",
    "must surface uncertainty instead of hiding it", "tends to optimise what is measured",
    "should ask before any irreversible step", "works best with narrow permissions",
    "can be tested against adversarial inputs", "ought to explain its reasoning",
    "will meet situations unlike its training data", "should fail safely and loudly",
]  # fmt: skip
CLAUSES = [
    "especially when the stakes are high", "even if nobody is watching closely",
    "because small errors compound over many steps", "which makes reviews far easier",
    "so that operators keep meaningful control", "before the change reaches real users",
    "as the evidence from past incidents shows", "while keeping the workflow fast enough",
    "unless a human has explicitly approved it", "in every environment it is deployed to",
]  # fmt: skip
OBJECTS = [
    "the approval log", "the rollback plan", "a held-out test set", "the reward signal",
    "the permission matrix", "the incident report", "a checklist", "the escalation path",
]  # fmt: skip
LINKS = [
    ("the NIST AI RMF", "https://www.nist.gov/itl/ai-risk-management-framework"),
    ("an incident database", "https://incidentdatabase.ai/"),
    ("the OWASP LLM Top 10", "https://owasp.org/www-project-top-10-for-large-language-model-applications/"),
]  # fmt: skip
HEROES = ["hero-1.svg", "hero-2.svg", "hero-3.svg", "hero-4.svg"]
DIAGRAMS = ["diagram-1.png", "diagram-2.png", "diagram-3.png", "figure.svg"]


def slugify(text: str) -> str:
    """The slug coursec gives a heading (ASCII text only here)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Writer:
    """Builds one module's text from a seeded random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def sentence(self, concept: str) -> str:
        r = self.rng
        subject = r.choice([*SUBJECTS, f"work on {concept}"])
        text = f"{subject} {r.choice(ACTIONS)}, {r.choice(CLAUSES)}"
        roll = r.random()
        if roll < 0.12:
            text += f", and **{concept}** is where this shows first"
        elif roll < 0.22:
            text += f"; keep *{r.choice(OBJECTS)}* up to date"
        elif roll < 0.30:
            text += f" (see `{slugify(concept).replace('-', '_')}.yaml`)"
        elif roll < 0.34:
            label, url = r.choice(LINKS)
            text += f", as [{label}]({url}) suggests"
        return text[0].upper() + text[1:] + "."

    def paragraph(self, concept: str, extra: str = "") -> str:
        sentences = [self.sentence(concept) for _ in range(self.rng.randint(3, 6))]
        if extra:
            sentences.insert(self.rng.randint(1, len(sentences)), extra)
        return " ".join(sentences)

    def bullets(self, concept: str) -> str:
        items = self.rng.sample(ACTIONS, self.rng.randint(4, 6))
        return "\n".join(f"- {concept.capitalize()} {item}." for item in items)

    def numbered(self) -> str:
        steps = self.rng.sample(OBJECTS, self.rng.randint(3, 5))
        return "\n".join(
            f"{i}. Review {step} {self.rng.choice(CLAUSES)}." for i, step in enumerate(steps, 1)
        )

    def table(self, concept: str) -> str:
        rows = ["| Risk | Signal | Mitigation |", "| --- | --- | --- |"]
        for _ in range(self.rng.randint(3, 5)):
            risk = self.rng.choice(CONCEPTS).capitalize()
            signal = self.rng.choice(OBJECTS)
            rows.append(
                f"| {risk} | changes in {signal} | {concept} with {self.rng.choice(OBJECTS)} |"
            )
        return "\n".join(rows)

    def code(self, concept: str, number: int) -> str:
        name = slugify(concept).replace("-", "_")
        if number % 2:
            limit = self.rng.randint(2, 9)
            return (
                "```python\n"
                f"def check_{name}(action: dict, approvals: set[str]) -> bool:\n"
                f'    """Allow `action` only if it is reversible or approved ({concept})."""\n'
                '    if action.get("reversible", False):\n'
                "        return True\n"
                f'    return action["id"] in approvals and action.get("risk", 0) < {limit}\n'
                "```"
            )
        return (
            "```yaml\n"
            f"{name}:\n"
            f"  owner: {self.rng.choice(AUDIENCES).replace(' ', '-')}\n"
            f"  review_every_days: {self.rng.randint(7, 90)}\n"
            "  gates:\n"
            "    - approval\n"
            "    - rollback\n"
            "```"
        )

    def callout(self, concept: str) -> str:
        lines = [self.sentence(concept) for _ in range(self.rng.randint(2, 3))]
        return f"::: example {concept.capitalize()} in practice\n" + "\\\n".join(lines) + "\n:::"

    def image(self, concept: str, module: int) -> str:
        src = DIAGRAMS[module % len(DIAGRAMS)]
        return f"![Diagram of how {concept} fits into an agent pipeline](../assets/{src})"


def quiz(
    mid: str, title: str, objectives: list[dict[str, Any]], rng: random.Random
) -> dict[str, Any]:
    """A knowledge check of two questions per objective: a single choice and a true/false."""
    questions: list[dict[str, Any]] = []
    for j, objective in enumerate(objectives):
        right, *wrong = rng.sample(ACTIONS, 3)
        questions.append(
            {
                "id": f"{mid}-q{j + 1}-choice",
                "type": "single-choice",
                "prompt": f"Which is true of {title.lower()}?",
                "objectives": [objective["id"]],
                "choices": [
                    {"text": f"It {right}.", "correct": True, "feedback": "Yes."},
                    *(
                        {"text": f"It {w}, but only in testing.", "feedback": "Re-read the module."}
                        for w in wrong
                    ),
                ],
            }
        )
        questions.append(
            {
                "id": f"{mid}-q{j + 1}-true",
                "type": "true-false",
                "prompt": f"One of this module's objectives: {objective['text']}",
                "objectives": [objective["id"]],
                "answer": True,
                "feedback": {"correct": "Right.", "incorrect": "See the module's objectives."},
            }
        )
    return {"title": "Check your understanding", "passing_score": 75, "questions": questions}


def lengthened(body: str, number: int) -> str:
    """`body` twice over (the copy's headings marked "continued"), with five footnoted claims
    and a table nine columns wide: a module of another shape and about twice the text."""
    copy = re.sub(r"^## (.+)$", r"## \1, continued", body, flags=re.M)
    claims = "".join(f"A claim that needs a source.[^n{k}]\n\n" for k in range(1, 6))
    header = "| " + " | ".join(f"Criterion {c}" for c in range(9)) + " |\n" + "|---" * 9 + "|\n"
    rows = "".join(
        "| " + " | ".join(f"value {r}.{c} with some words" for c in range(9)) + " |\n"
        for r in range(6)
    )
    notes = "".join(
        f"\n[^n{k}]: Source {k} for module {number}: a report, a paper, page {k * 7}.\n"
        for k in range(1, 6)
    )
    return f"{body}\n{claims}{copy}\n## Comparison matrix\n\n{header}{rows}{notes}"


def module_text(
    number: int, seed: int, quizzes: bool = False, long: bool = False
) -> tuple[str, str, str, str]:
    """(file name, id, title, full text) of module `number` (1-based), with a knowledge check
    when `quizzes` (the rest of the module is the same either way); `long`: `lengthened`, and
    every fifth module in French."""
    rng = random.Random(f"{seed}:{number}")
    w = Writer(rng)
    concept = CONCEPTS[(number - 1) % len(CONCEPTS)]
    audience = AUDIENCES[(number - 1) // len(CONCEPTS) % len(AUDIENCES)]
    title = f"{concept.capitalize()} for {audience}"
    mid = f"m{number:03d}-{slugify(concept)}"
    headings = rng.sample(SECTION_TITLES, rng.randint(5, 8))
    slugs = [slugify(h) for h in headings]

    others = rng.sample(CONCEPTS, 5)
    shapes = ["leads_to", "means", "statement"]
    shapes += [rng.choice(shapes) for _ in range(rng.randint(0, 2))]
    key_terms: list[dict[str, str]] = []
    for i, shape in enumerate(shapes):
        term = concept if i == 0 else others[i]
        if shape == "leads_to":
            key_terms.append({"term": term, "leads_to": rng.choice(OBJECTS)})
        elif shape == "means":
            key_terms.append({"term": term, "means": rng.choice(ACTIONS)})
        else:
            key_terms.append({"statement": f"{term} {rng.choice(ACTIONS)}"})

    objectives = []
    for j in range(rng.randint(3, 4)):
        verb = VERBS[(number + j) % len(VERBS)]
        covered = sorted(rng.sample(range(len(slugs)), rng.randint(1, 2)))
        objectives.append(
            {
                "id": f"{mid}-{verb.lower()}-{j + 1}",
                "text": f"{verb} how {concept} applies to {others[j]} for {audience}.",
                "sections": [slugs[k] for k in covered],
            }
        )
    front = {
        "id": mid,
        "title": title,
        "summary": f"How {concept} shapes the work of {audience}: " + w.sentence(concept),
        "hero": {
            "src": f"../assets/{HEROES[number % len(HEROES)]}",
            "alt": f"Illustration for {concept}",
            "caption": f"{concept.capitalize()} at a glance",
        },
        "duration_minutes": rng.randint(15, 45),
        "key_terms": key_terms,
        "objectives": objectives,
    }

    # Each of these goes into one section, chosen at random; every section has paragraphs.
    extras = ["bullets", "numbered", "table", "code", "callout", "image"]
    placement = {name: rng.randrange(len(headings)) for name in extras}
    blocks = [w.paragraph(concept)]
    for index, heading in enumerate(headings):
        blocks.append(f"## {heading}")
        link = ""
        if number > 1 and index == 1:
            prev = number - rng.randint(1, min(number - 1, 5))
            prev_name = module_file_name(prev)
            link = f"The [earlier module]({prev_name}) covers the groundwork."
        blocks.append(w.paragraph(concept, link))
        for name in extras:
            if placement[name] != index:
                continue
            if name == "bullets":
                blocks += [f"{concept.capitalize()} in practice means:", w.bullets(concept)]
            elif name == "numbered":
                blocks += ["A review goes in this order:", w.numbered()]
            elif name == "table":
                blocks.append(w.table(concept))
            elif name == "code":
                blocks += ["A minimal sketch:", w.code(concept, number)]
            elif name == "callout":
                blocks.append(w.callout(concept))
            else:
                blocks.append(w.image(concept, number))
        if rng.random() < 0.5:
            blocks.append(w.paragraph(concept))
    body = "\n\n".join(blocks) + "\n"
    if long:
        body = lengthened(body, number)
        if number % 5 == 0:
            front["language"] = "fr"
    if quizzes:
        front["quiz"] = quiz(mid, title, objectives, random.Random(f"{seed}:{number}:quiz"))
    matter = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100)
    return module_file_name(number), mid, title, f"---\n{matter}---\n\n{body}"


def module_file_name(number: int) -> str:
    return f"{number:03d}-{slugify(CONCEPTS[(number - 1) % len(CONCEPTS)])}.md"


def svg(index: int) -> bytes:
    hue = index * 67 % 360
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 160" width="320" height="160">\n'
        f'  <rect width="320" height="160" fill="hsl({hue},45%,92%)"/>\n'
        f'  <circle cx="{80 + index * 40}" cy="80" r="46" fill="hsl({hue},55%,45%)"/>\n'
        f'  <rect x="180" y="50" width="100" height="60" rx="8" fill="hsl({hue},35%,30%)"/>\n'
        "</svg>\n"
    ).encode()


def png(index: int, width: int = 96, height: int = 64) -> bytes:
    """A small gradient PNG (deterministic: fixed compression level, no timestamps)."""
    rows = b"".join(
        b"\x00"
        + bytes(
            v
            for x in range(width)
            for v in ((x * 255 // width) ^ (index * 40), y * 255 // height, 128 + index * 30)
        )
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def assets() -> dict[str, bytes]:
    out = {name: svg(i) for i, name in enumerate(HEROES)}
    out["figure.svg"] = svg(7)
    out.update({f"diagram-{i}.png": png(i) for i in (1, 2, 3)})
    return out


def course_yml(files: list[str], modules: int, seed: int) -> str:
    spec = {
        "id": COURSE_ID,
        "code": "BENCH 100",
        "title": f"Synthetic Benchmark Course ({modules} modules)",
        "subject": "AI Safety & Alignment",
        "language": "en",
        "description": (
            "A generated course for measuring coursec's build speed against its peers "
            f"(seed {seed})."
        ),
        "authors": [{"name": "coursec benchmark", "role": "Generator"}],
        "version": "1.0.0",
        "keywords": ["benchmark", "AI safety", "alignment"],
        "duration_minutes": 30 * modules,
        "modules": [f"modules/{name}" for name in files],
        "completion": "viewed-all",
        "scorm": {"packaging": "multi-sco"},
        "pdf": {"per_module": False},
    }
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)


# The lean peer: MkDocs' bare Markdown and build work, without a theme that puts the whole
# navigation into every page (which grows with the course) and without the search plugin.
LEAN_THEME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ page.title }} - {{ config.site_name }}</title></head>
<body><main>{{ page.content }}</main></body></html>
"""


def mkdocs_yml(
    entries: list[tuple[str, str]], modules: int, lean: bool = False, long: bool = False
) -> str:
    theme: dict[str, Any] = {"name": "mkdocs"}
    if lean:
        theme = {"name": None, "custom_dir": "lean_theme"}
    config = {
        "site_name": f"Synthetic Benchmark Course ({modules} modules)",
        "docs_dir": "docs",
        "theme": theme,
        **({"plugins": []} if lean else {}),
        # Pygments highlighting at build time, as coursec does (mkdocs' default is client-side).
        # (and footnotes, which coursec renders, where the modules have them)
        "markdown_extensions": ["tables", "fenced_code", "codehilite", *(["footnotes"] * long)],
        "nav": [{"Home": "index.md"}, *({title: f"modules/{name}"} for name, title in entries)],
    }
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)


def _prepare(out: Path) -> None:
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        sys.exit(f"{out} is not empty and was not made by make_course.py; refusing to overwrite")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("generated by bench/make_course.py; safe to delete\n")


def generate(
    out: Path,
    modules: int = 200,
    seed: int = 1,
    mkdocs: bool = True,
    quizzes: bool = False,
    long: bool = False,
) -> Path:
    """Write the course (and the MkDocs twin) into `out`; returns `out`."""
    _prepare(out)
    images = assets()
    asset_dirs = [out / "assets"]
    if mkdocs:
        asset_dirs.append(out / "mkdocs" / "docs" / "assets")
    for folder in asset_dirs:
        folder.mkdir(parents=True)
        for name, data in images.items():
            (folder / name).write_bytes(data)
    (out / "modules").mkdir()
    if mkdocs:
        (out / "mkdocs" / "docs" / "modules").mkdir()
    entries: list[tuple[str, str]] = []
    for number in range(1, modules + 1):
        name, _mid, title, text = module_text(number, seed, quizzes, long)
        (out / "modules" / name).write_text(text, encoding="utf-8")
        entries.append((name, title))
        if mkdocs:
            body = text.split("\n---\n", 1)[1].lstrip("\n")
            (out / "mkdocs" / "docs" / "modules" / name).write_text(body, encoding="utf-8")
    (out / "course.yml").write_text(
        course_yml([name for name, _ in entries], modules, seed), encoding="utf-8"
    )
    if mkdocs:
        full = mkdocs_yml(entries, modules, long=long)
        (out / "mkdocs" / "mkdocs.yml").write_text(full, encoding="utf-8")
        lean = mkdocs_yml(entries, modules, lean=True, long=long)
        (out / "mkdocs" / "mkdocs-lean.yml").write_text(lean, encoding="utf-8")
        (out / "mkdocs" / "lean_theme").mkdir()
        (out / "mkdocs" / "lean_theme" / "main.html").write_text(LEAN_THEME, encoding="utf-8")
        (out / "mkdocs" / "docs" / "index.md").write_text(
            f"# Synthetic Benchmark Course\n\n{modules} generated modules (seed {seed}).\n",
            encoding="utf-8",
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write (replaced if made by this tool)")
    parser.add_argument("--modules", type=int, default=200, help="number of modules (200)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--no-mkdocs", action="store_true", help="skip the MkDocs twin")
    parser.add_argument(
        "--quizzes", action="store_true", help="a knowledge check in every module (none)"
    )
    parser.add_argument(
        "--long",
        action="store_true",
        help="modules of twice the text, with footnotes and a wide table; a fifth in French",
    )
    args = parser.parse_args(argv)
    if args.modules < 1:
        parser.error("--modules must be at least 1")
    generate(
        args.out,
        args.modules,
        args.seed,
        mkdocs=not args.no_mkdocs,
        quizzes=args.quizzes,
        long=args.long,
    )
    print(f"wrote {args.modules} modules to {args.out}")


if __name__ == "__main__":
    main()
