"""A tiny test LMS: serve an extracted SCORM package next to a scorm-again player page.

Usage (Playwright sync API)::

    with LmsServer(package_dir) as server:
        session = LmsSession(page, server.base_url, "2004", "module-a/index.html")
        frame = session.launch()              # the SCO's frame, after the SCO called Initialize
        ...                                   # drive the SCO through `frame`
        final = session.unload()              # pagehide in the SCO -> Terminate; final CMI
        again = LmsSession(page, server.base_url, "2004", "module-a/index.html",
                           cmi=next_launch_cmi("2004", final))

``LmsServer`` serves the package directory plus, on the same origin (so the SCO can reach the
API object through ``window.parent``):

* ``/__lms__.html`` -- the player page (generated here, nothing is written to the package);
* ``/__lms__/scorm-again.js`` -- scorm-again's browser bundle from ``tests/js/node_modules``,
  which defines the globals ``Scorm12API`` and ``Scorm2004API``.

The player page defines ``window.__startLms(config)``, which creates ``window.API`` (1.2) or
``window.API_1484_11`` (2004) with ``autocommit: false``, seeds it with a previous session's CMI
(``loadFromJSON``), sets ``cmi.core.entry``/``cmi.entry`` (``ab-initio`` on a first launch), wraps
every API method so that each call lands in ``window.__calls`` as ``{method, args, result, error,
t}`` (``error`` is the API's last error code right after the call, ``null`` for the error
methods themselves), records scorm-again events (``Sequence*``, ``Commit*``) in
``window.__events`` and its log in ``window.__log``, then loads the SCO in
``<iframe id="sco">`` (or, with ``popup=True``, in a window opened with ``window.open`` so the SCO
must find the API through ``top.opener``).

A SCORM 2004 session may play a *sequencing* LMS: ``sequencing=Sequencing.of(package_dir,
launch)`` hands scorm-again the package's activity tree (items and control modes from
``imsmanifest.xml``), starts the course and delivers the SCO's activity, so that
``adl.nav.request_valid.*`` and ``adl.nav.request`` are answered by scorm-again's sequencing engine.
Without it, ``adl.nav.request_valid.continue``/``previous`` answer "unknown" (or what ``nav_valid``
pre-sets).
"""

from __future__ import annotations

import copy
import http.server
import json
import posixpath
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from lxml import etree
from playwright.sync_api import Frame, Page

__all__ = [
    "SCORM_AGAIN_DIST",
    "LmsServer",
    "LmsSession",
    "Sequencing",
    "next_launch_cmi",
    "serve_lms",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
SCORM_AGAIN_DIST = REPO_ROOT / "tests" / "js" / "node_modules" / "scorm-again" / "dist"
SCORM_AGAIN_BUNDLE = "scorm-again.js"  # both APIs; window.Scorm12API / window.Scorm2004API

Edition = Literal["1.2", "2004"]

LMS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coursec test LMS</title>
<style>
  html, body { margin: 0; height: 100%; }
  #sco { display: block; width: 100%; height: 600px; border: 0; }
</style>
<script src="/__lms__/scorm-again.js"></script>
</head><body>
<main><h1>Test LMS</h1><div id="player"></div></main>
<script>
(function () {
  "use strict";
  window.__calls = [];
  window.__events = [];
  window.__log = [];
  window.__lmsReady = false;
  var METHODS = {
    "1.2": ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit",
            "LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"],
    "2004": ["Initialize", "Terminate", "GetValue", "SetValue", "Commit",
             "GetLastError", "GetErrorString", "GetDiagnostic"]
  };
  var EVENTS = ["SequenceNext", "SequencePrevious", "SequenceChoice", "SequenceJump",
                "SequenceExit", "SequenceExitAll", "SequenceAbandon", "SequenceAbandonAll",
                "CommitSuccess", "CommitError"];

  function clone(v) {
    try { return JSON.parse(JSON.stringify(v)); } catch (e) { return String(v); }
  }

  window.__startLms = function (cfg) {
    var is2004 = cfg.edition === "2004";
    var settings = Object.assign({
      autocommit: false,
      logLevel: cfg.logLevel,
      onLogMessage: function (level, message) {
        window.__log.push({level: String(level), message: String(message)});
      }
    }, cfg.settings || {});
    var api = is2004 ? new window.Scorm2004API(settings) : new window.Scorm12API(settings);
    if (cfg.deliver) {
      // a sequencing LMS: start the course, then deliver the SCO under test
      api.processNavigationRequest("start");
      var current = (api.getSequencingState() || {}).currentActivity;
      if (!current || current.id !== cfg.deliver) {
        api.processNavigationRequest("choice", cfg.deliver);
      }
    }
    if (cfg.cmi) api.loadFromJSON(cfg.cmi);
    if (cfg.entry !== null) {
      if (is2004) api.cmi.entry = cfg.entry; else api.cmi.core.entry = cfg.entry;
    }
    Object.keys(cfg.navValid || {}).forEach(function (k) {
      api.adl.nav.request_valid[k] = cfg.navValid[k];
    });
    var names = METHODS[cfg.edition];
    var lastError = is2004 ? "GetLastError" : "LMSGetLastError";
    var originals = {};
    names.forEach(function (name) {
      originals[name] = api[name].bind(api);
    });
    names.forEach(function (name) {
      api[name] = function () {
        var args = Array.prototype.slice.call(arguments);
        var result = originals[name].apply(null, args);
        var error = /GetLastError|GetErrorString|GetDiagnostic/.test(name)
          ? null : String(originals[lastError]());
        window.__calls.push({method: name, args: clone(args), result: clone(result),
                             error: error, t: performance.now()});
        return result;
      };
    });
    EVENTS.forEach(function (ev) {
      api.on(ev, function () {
        window.__events.push({event: ev, args: clone(Array.prototype.slice.call(arguments))});
      });
    });
    window.__api = api;
    if (is2004) window.API_1484_11 = api; else window.API = api;
    window.__lmsReady = true;
    if (cfg.popup) {
      window.__popup = window.open(cfg.launch, "sco", "width=900,height=700");
    } else {
      var frame = document.createElement("iframe");
      frame.id = "sco";
      frame.title = "Course content";
      frame.src = cfg.launch;
      document.getElementById("player").appendChild(frame);
    }
  };

  window.__cmi = function () {
    var out = window.__api.renderCMIToJSONObject();
    return out && out.cmi ? out.cmi : out;
  };
  window.__currentActivity = function () {
    var state = window.__api.getSequencingState ? window.__api.getSequencingState() : null;
    return state && state.currentActivity ? state.currentActivity.id : null;
  };
  window.__totalTime = function () {
    try { return window.__api.getCurrentTotalTime(); } catch (e) { return null; }
  };
})();
</script>
</body></html>
"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the package root, the generated player page and the scorm-again bundle."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        if path == "/__lms__.html":
            body = LMS_PAGE.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def translate_path(self, path: str) -> str:
        clean = posixpath.normpath(urllib.parse.unquote(urllib.parse.urlsplit(path).path))
        if clean.startswith("/__lms__/"):
            name = clean[len("/__lms__/") :]
            if name == "scorm-again.js":
                return str(SCORM_AGAIN_DIST / SCORM_AGAIN_BUNDLE)
            return str(SCORM_AGAIN_DIST / "__missing__")
        return super().translate_path(path)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class LmsServer:
    """Threaded HTTP server on 127.0.0.1 (ephemeral port) for one package directory."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        if not (SCORM_AGAIN_DIST / SCORM_AGAIN_BUNDLE).is_file():
            raise FileNotFoundError(f"scorm-again bundle missing: {SCORM_AGAIN_DIST}")
        root_dir = str(self.root)

        class Handler(_Handler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=root_dir, **kwargs)

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._started = False

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        if not self._started:
            self._thread.start()
            self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._started = False
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve_lms(root: Path | str) -> LmsServer:
    """Start an :class:`LmsServer` for ``root`` (call ``.stop()`` or use it as a context)."""
    return LmsServer(root).start()


_WRITE_ONLY = {
    "1.2": ("core.session_time", "core.exit", "core.entry"),
    "2004": ("session_time", "exit", "entry"),
}


def next_launch_cmi(edition: Edition, final_cmi: Mapping[str, Any]) -> dict[str, Any]:
    """The CMI an LMS would hand the next launch of the same SCO after ``final_cmi``.

    Write-only and per-session elements (``session_time``, ``exit``, ``entry``) are dropped and
    ``entry`` is derived from the previous ``exit`` the way scorm-again's
    ``determineEntryValue`` does (``suspend`` -> ``resume``; ``time-out`` with suspend data ->
    ``resume``; ``logout``/``normal`` -> ``""``; nothing -> ``ab-initio``). ``total_time`` is
    left as it was (the tests do not depend on it).
    """
    cmi = copy.deepcopy(dict(final_cmi))
    core = cmi.get("core", {}) if edition == "1.2" else cmi
    previous_exit = str(core.get("exit", "") or "").strip()
    has_suspend = bool(cmi.get("suspend_data"))
    for dotted in _WRITE_ONLY[edition]:
        parent: dict[str, Any] = cmi
        *heads, last = dotted.split(".")
        for head in heads:
            parent = parent.get(head, {})
        parent.pop(last, None)
    if previous_exit == "suspend" or (previous_exit == "time-out" and has_suspend):
        entry = "resume"
    elif previous_exit == "":
        entry = "ab-initio"
    else:
        entry = ""
    if edition == "1.2":
        cmi.setdefault("core", {})["entry"] = entry
    else:
        cmi["entry"] = entry
    return cmi


# imsss:controlMode attribute -> scorm-again sequencingControls key, with the IMS SS default
_CONTROL_MODE = {"choice": True, "choiceExit": True, "flow": False, "forwardOnly": False}


@dataclass(frozen=True, slots=True)
class Sequencing:
    """What a sequencing LMS reads from a SCORM 2004 manifest to deliver one of its SCOs."""

    activity_tree: dict[str, Any]  # scorm-again's settings.sequencing.activityTree
    deliver: str  # the identifier of the item whose SCO is launched

    @classmethod
    def of(cls, package_dir: Path, launch: str) -> Sequencing:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        manifest = etree.parse(str(package_dir / "imsmanifest.xml"), parser).getroot()
        launches = {
            r.get("identifier"): r.get("href")
            for r in manifest.iterfind("{*}resources/{*}resource")
        }
        organizations = manifest.find("{*}organizations")
        assert organizations is not None
        default = organizations.get("default")
        [organization] = [
            o for o in organizations.iterfind("{*}organization") if o.get("identifier") == default
        ]
        deliver = [
            str(item.get("identifier"))
            for item in organization.iter("{*}item")
            if launches.get(item.get("identifierref")) == launch
        ]
        assert len(deliver) == 1, f"no single item launches {launch}"
        return cls(_activity(organization), deliver[0])


def _activity(element: etree._Element) -> dict[str, Any]:
    mode = element.find("{*}sequencing/{*}controlMode")
    controls = {
        key: (mode.get(key, str(default)).lower() == "true") if mode is not None else default
        for key, default in _CONTROL_MODE.items()
    }
    activity: dict[str, Any] = {
        "id": element.get("identifier"),
        "title": element.findtext("{*}title") or "",
        "sequencingControls": controls,
    }
    children = [_activity(child) for child in element.iterfind("{*}item")]
    if children:
        activity["children"] = children
    return activity


class LmsSession:
    """One launch of one SCO in the test LMS page, driven through a Playwright ``page``.

    ``cmi`` seeds the API before ``Initialize`` (a previous session's CMI, usually from
    :func:`next_launch_cmi`; its ``entry`` is honoured). Without it the launch is a first one
    (``entry`` = ``ab-initio``). ``nav_valid`` pre-sets ``adl.nav.request_valid.*`` (2004),
    e.g. ``{"continue": "true"}``, as a sequencing LMS would; ``sequencing`` makes scorm-again's
    own sequencing engine answer them (see the module docstring).
    """

    def __init__(
        self,
        page: Page,
        base_url: str,
        edition: Edition,
        launch: str,
        cmi: Mapping[str, Any] | None = None,
        *,
        nav_valid: Mapping[str, str] | None = None,
        log_level: int = 4,
        settings: Mapping[str, Any] | None = None,
        popup: bool = False,
        sequencing: Sequencing | None = None,
    ) -> None:
        if edition not in ("1.2", "2004"):
            raise ValueError(f"unknown SCORM edition {edition!r}")
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.edition: Edition = edition
        self.launch_path = launch.lstrip("/")
        self.seed = copy.deepcopy(dict(cmi)) if cmi is not None else None
        self.nav_valid = dict(nav_valid or {})
        self.log_level = log_level
        self.settings = dict(settings or {})
        self.sequencing = sequencing
        if sequencing is not None:
            self.settings["sequencing"] = {"activityTree": sequencing.activity_tree}
        self.popup = popup
        self._popup_page: Page | None = None
        self.final_cmi: dict[str, Any] | None = None

    # -- launching -----------------------------------------------------------------------------

    @property
    def init_method(self) -> str:
        return "Initialize" if self.edition == "2004" else "LMSInitialize"

    @property
    def finish_method(self) -> str:
        return "Terminate" if self.edition == "2004" else "LMSFinish"

    def _entry(self) -> str | None:
        if self.seed is None:
            return "ab-initio"
        holder = self.seed.get("core", {}) if self.edition == "1.2" else self.seed
        entry = holder.get("entry")
        return None if entry is None else str(entry)

    def _seed_for_load(self) -> dict[str, Any] | None:
        if self.seed is None:
            return None
        seed = copy.deepcopy(self.seed)
        (seed.get("core", {}) if self.edition == "1.2" else seed).pop("entry", None)
        return seed

    def launch(self, *, wait_initialized: bool = True, timeout: float = 10_000) -> Frame:
        """Open the player page, create the API and load the SCO; return the SCO's frame."""
        self.page.goto(f"{self.base_url}/__lms__.html")
        self.page.wait_for_function("typeof window.__startLms === 'function'")
        config = {
            "edition": self.edition,
            "launch": f"{self.base_url}/{self.launch_path}",
            "cmi": self._seed_for_load(),
            "entry": self._entry(),
            "navValid": self.nav_valid,
            "logLevel": self.log_level,
            "settings": self.settings,
            "popup": self.popup,
            "deliver": self.sequencing.deliver if self.sequencing is not None else None,
        }
        if self.popup:
            with self.page.context.expect_page(timeout=timeout) as info:
                self.page.evaluate("cfg => window.__startLms(cfg)", config)
            self._popup_page = info.value
            self._popup_page.wait_for_load_state("load", timeout=timeout)
        else:
            self.page.evaluate("cfg => window.__startLms(cfg)", config)
            self.page.wait_for_function(
                "() => { const f = document.getElementById('sco');"
                " return f && f.contentDocument && f.contentDocument.readyState === 'complete'"
                " && f.contentWindow.location.href !== 'about:blank'; }",
                timeout=timeout,
            )
        if wait_initialized:
            self.wait_for_call(self.init_method, timeout=timeout)
        return self.sco_frame

    @property
    def sco_frame(self) -> Frame:
        """The frame the SCO runs in (the popup's main frame for popup launches)."""
        if self._popup_page is not None:
            return self._popup_page.main_frame
        handle = self.page.query_selector("#sco")
        frame = handle.content_frame() if handle is not None else None
        if frame is None:
            raise RuntimeError("the SCO frame is not loaded")
        return frame

    # -- inspecting ----------------------------------------------------------------------------

    def calls(self) -> list[dict[str, Any]]:
        """Every API call so far: ``{method, args, result, error, t}`` in call order."""
        result: list[dict[str, Any]] = self.page.evaluate("() => window.__calls")
        return result

    def events(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.page.evaluate("() => window.__events")
        return result

    def log(self) -> list[dict[str, str]]:
        """scorm-again's own log messages (at ``log_level`` or above)."""
        result: list[dict[str, str]] = self.page.evaluate("() => window.__log")
        return result

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c for c in self.calls() if c["method"] == method]

    def errors(self) -> list[dict[str, Any]]:
        """Calls whose error code afterwards was not ``"0"``."""
        return [c for c in self.calls() if c["error"] not in (None, "0")]

    def set_values(self) -> dict[str, str]:
        """The last value the SCO set for each element (successful SetValue calls only)."""
        setter = "SetValue" if self.edition == "2004" else "LMSSetValue"
        values: dict[str, str] = {}
        for call in self.calls():
            if call["method"] == setter and call["result"] == "true":
                values[str(call["args"][0])] = str(call["args"][1])
        return values

    def cmi(self) -> dict[str, Any]:
        """The API's CMI (``renderCMIToJSONObject()["cmi"]``) as nested dicts."""
        result: dict[str, Any] = self.page.evaluate("() => window.__cmi()")
        return result

    def lifecycle_problems(self) -> list[str]:
        """What breaks the SCO's lifecycle: anything before the one Initialize/LMSInitialize, a
        second one, more than one Terminate/LMSFinish, or any call after it."""
        names = [c["method"] for c in self.calls()]
        problems = []
        if not names or names[0] != self.init_method:
            problems.append(f"the first call is {names[:1]}, not {self.init_method}")
        if names.count(self.init_method) > 1:
            problems.append(f"{self.init_method} called {names.count(self.init_method)} times")
        if names.count(self.finish_method) > 1:
            problems.append(f"{self.finish_method} called {names.count(self.finish_method)} times")
        if self.finish_method in names:
            after = names[names.index(self.finish_method) + 1 :]
            if after:
                problems.append(f"called after {self.finish_method}: {after}")
        return problems

    def current_activity(self) -> str | None:
        """The item a sequencing LMS has delivered (it moves on a navigation request)."""
        result: str | None = self.page.evaluate("() => window.__currentActivity()")
        return result

    def wait_for_call(self, method: str, *, count: int = 1, timeout: float = 10_000) -> None:
        self.page.wait_for_function(
            "([m, n]) => window.__calls.filter(c => c.method === m).length >= n",
            arg=[method, count],
            timeout=timeout,
        )

    # -- ending --------------------------------------------------------------------------------

    def unload(
        self, how: Literal["navigate", "remove"] = "navigate", *, timeout: float = 10_000
    ) -> dict[str, Any]:
        """End the SCO's page so ``pagehide`` fires, wait for Terminate/LMSFinish, return CMI.

        ``navigate`` points the frame (or popup) at ``about:blank``; ``remove`` detaches the
        iframe. If the SCO never finishes, this times out.
        """
        if self._popup_page is not None:
            if how == "remove":
                self._popup_page.close(run_before_unload=False)
            else:
                self._popup_page.goto("about:blank")
        elif how == "remove":
            self.page.evaluate("() => document.getElementById('sco').remove()")
        else:
            self.page.evaluate("() => { document.getElementById('sco').src = 'about:blank'; }")
        self.wait_for_call(self.finish_method, timeout=timeout)
        self.final_cmi = self.cmi()
        return self.final_cmi

    def next_launch_cmi(self) -> dict[str, Any]:
        """The seed for the next launch of this SCO (after :meth:`unload`)."""
        final = self.final_cmi if self.final_cmi is not None else self.cmi()
        return next_launch_cmi(self.edition, final)

    def dump(self) -> str:
        """Calls and events as JSON, for assertion messages."""
        return json.dumps({"calls": self.calls(), "events": self.events()}, indent=1)
