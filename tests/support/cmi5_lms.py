"""A small cmi5 LMS for the tests: an extracted cmi5 package, its launch and an LRS, over HTTP.

Usage (Playwright sync API)::

    with Cmi5Lms(package_dir) as lms:
        au = lms.units()[0]                        # from cmi5.xml
        launch = lms.launch(au, registration)      # LMS.LaunchData written, a fetch URL made
        page.goto(launch.url)                      # the learner opens the AU
        ...
        lms.statements                             # what the AU sent, in the order stored

``lms.store.slow = {"answered": 0.5}`` makes the LRS take half a second to store a batch
holding an answered statement, as a busy one may.

``Cmi5Lms`` serves, on one origin (stdlib ``http.server``, one thread per request):

* ``/au/<path>`` -- the package's files;
* ``/fetch/<id>`` -- the fetch URL of one launch: its first POST answers ``{"auth-token": ...}``,
  every later one ``{"error-code": "1", ...}`` with status 400 (cmi5: a token is handed out once);
* ``/lrs/statements`` (POST one or a list; GET all), ``/lrs/activities/state`` (GET, PUT, POST,
  DELETE) and ``/lrs/agents/profile`` (GET, PUT; a GET without ``stateId``/``profileId`` lists
  the ids, as xAPI says): each needs the ``Authorization: Basic <token>``
  of a fetched token and the ``X-Experience-API-Version`` header (otherwise 401 or 400, and
  the request is listed in ``refused``). The state is the LMS's: ``LMS.LaunchData`` is written
  by ``launch()`` before the AU opens, and the AU's own documents are kept across launches;
* ``/returned`` -- a page for the returnURL.

Nothing here judges the statements: the tests do.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from lxml import etree

__all__ = ["ACTOR", "AssignableUnit", "Cmi5Lms", "Launch"]

NS = {"c": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}
ACTOR: dict[str, Any] = {
    "objectType": "Agent",
    "name": "Ada Learner",
    "account": {"homePage": "https://lms.example", "name": "ada"},
}
SESSION_ID = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"


@dataclass(frozen=True, slots=True)
class AssignableUnit:
    id: str
    url: str
    move_on: str
    mastery_score: float | None
    launch_method: str


@dataclass(frozen=True, slots=True)
class Launch:
    url: str
    fetch_url: str
    registration: str
    activity_id: str
    session_id: str


@dataclass
class _Store:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statements: list[dict[str, Any]] = field(default_factory=list)
    state: dict[tuple[str, str, str, str], bytes] = field(default_factory=dict)
    profiles: dict[tuple[str, str], bytes] = field(default_factory=dict)
    fetches: dict[str, str] = field(default_factory=dict)  # fetch id -> token
    fetched: set[str] = field(default_factory=set)  # fetch ids already used
    tokens: set[str] = field(default_factory=set)  # tokens handed out
    refused: list[str] = field(default_factory=list)
    fetch_answers: list[tuple[str, int]] = field(default_factory=list)
    slow: dict[str, float] = field(default_factory=dict)  # verb -> seconds before storing


def _agent_key(agent: str | dict[str, Any]) -> str:
    value = json.loads(agent) if isinstance(agent, str) else agent
    ifi = {k: value[k] for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in value}
    return json.dumps(ifi, sort_keys=True)


class Cmi5Lms:
    def __init__(self, package_dir: Path, actor: dict[str, Any] | None = None) -> None:
        self.package_dir = package_dir
        self.actor = actor or ACTOR
        self.store = _Store()
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ the course

    def units(self) -> list[AssignableUnit]:
        tree = etree.parse(str(self.package_dir / "cmi5.xml"))
        units = []
        for au in tree.iterfind("c:au", NS):
            mastery = au.get("masteryScore")
            units.append(
                AssignableUnit(
                    id=str(au.get("id")),
                    url=str(au.findtext("c:url", namespaces=NS)),
                    move_on=str(au.get("moveOn", "NotApplicable")),
                    mastery_score=float(mastery) if mastery is not None else None,
                    launch_method=str(au.get("launchMethod", "AnyWindow")),
                )
            )
        return units

    # ------------------------------------------------------------------ launching

    @property
    def base_url(self) -> str:
        assert self._server is not None, "use Cmi5Lms as a context manager"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def launch(
        self,
        au: AssignableUnit,
        registration: str,
        mode: str = "Normal",
        return_url: str | None = None,
        preferences: dict[str, str] | None = None,
    ) -> Launch:
        """Write LMS.LaunchData (and the learner preferences) and make the AU's launch URL."""
        session_id = str(uuid.uuid4())
        activity_id = au.id
        launch_data: dict[str, Any] = {
            "contextTemplate": {
                "contextActivities": {"grouping": [{"id": au.id, "objectType": "Activity"}]},
                "extensions": {SESSION_ID: session_id},
            },
            "launchMode": mode,
            "launchMethod": au.launch_method,
            "moveOn": au.move_on,
        }
        if au.mastery_score is not None:
            launch_data["masteryScore"] = au.mastery_score
        if return_url is not None:
            launch_data["returnURL"] = return_url
        key = (activity_id, _agent_key(self.actor), registration, "LMS.LaunchData")
        fetch_id = uuid.uuid4().hex
        with self.store.lock:
            self.store.state[key] = json.dumps(launch_data).encode()
            self.store.fetches[fetch_id] = uuid.uuid4().hex
            if preferences is not None:
                profile = (_agent_key(self.actor), "cmi5LearnerPreferences")
                self.store.profiles[profile] = json.dumps(preferences).encode()
        fetch_url = f"{self.base_url}/fetch/{fetch_id}"
        query = urllib.parse.urlencode(
            {
                "endpoint": f"{self.base_url}/lrs/",
                "fetch": fetch_url,
                "actor": json.dumps(self.actor),
                "registration": registration,
                "activityId": activity_id,
            }
        )
        url = f"{self.base_url}/au/{au.url}?{query}"
        return Launch(url, fetch_url, registration, activity_id, session_id)

    # ------------------------------------------------------------------ what the LMS holds

    @property
    def statements(self) -> list[dict[str, Any]]:
        with self.store.lock:
            return json.loads(json.dumps(self.store.statements))  # type: ignore[no-any-return]

    @property
    def refused(self) -> list[str]:
        with self.store.lock:
            return list(self.store.refused)

    @property
    def fetch_answers(self) -> list[tuple[str, int]]:
        """(fetch id, HTTP status) of every POST to a fetch URL, in order."""
        with self.store.lock:
            return list(self.store.fetch_answers)

    def state_document(
        self, activity_id: str, registration: str, state_id: str
    ) -> dict[str, Any] | None:
        key = (activity_id, _agent_key(self.actor), registration, state_id)
        with self.store.lock:
            raw = self.store.state.get(key)
        return None if raw is None else json.loads(raw)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ server

    def __enter__(self) -> Self:
        handler = _handler(self.package_dir, self.store)
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _handler(root: Path, store: _Store) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        # -------------------------------------------------------------- plumbing

        def _reply(self, status: int, body: bytes = b"", kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Experience-API-Version", "1.0.3")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: Any) -> None:
            self._reply(status, json.dumps(value).encode())

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _route(self) -> tuple[str, dict[str, str]]:
            parts = urllib.parse.urlsplit(self.path)
            return parts.path, dict(urllib.parse.parse_qsl(parts.query))

        def _authorized(self, path: str) -> bool:
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Basic ")
            with store.lock:
                known = auth.startswith("Basic ") and token in store.tokens
                if not known:
                    store.refused.append(f"{self.command} {path}: not authorized")
                elif not self.headers.get("X-Experience-API-Version"):
                    store.refused.append(f"{self.command} {path}: no xAPI version header")
                    known = False
            if not known:
                self._json(401, {"error": "unauthorized"})
            return known

        # -------------------------------------------------------------- methods

        def do_GET(self) -> None:
            path, query = self._route()
            if path.startswith("/au/"):
                self.path = path.removeprefix("/au")
                super().do_GET()
            elif path == "/returned":
                self._reply(
                    200, b"<!doctype html><title>LMS</title><p>Back in the LMS", "text/html"
                )
            elif path.startswith("/lrs/") and self._authorized(path):
                self._lrs("GET", path, query, b"")
            elif not path.startswith("/lrs/"):
                self._reply(404)

        def do_POST(self) -> None:
            path, query = self._route()
            body = self._body()
            if path.startswith("/fetch/"):
                self._fetch(path.removeprefix("/fetch/"))
            elif path.startswith("/lrs/") and self._authorized(path):
                self._lrs("POST", path, query, body)
            elif not path.startswith("/lrs/"):
                self._reply(404)

        def do_PUT(self) -> None:
            path, query = self._route()
            body = self._body()
            if path.startswith("/lrs/") and self._authorized(path):
                self._lrs("PUT", path, query, body)

        def do_DELETE(self) -> None:
            path, query = self._route()
            if path.startswith("/lrs/") and self._authorized(path):
                self._lrs("DELETE", path, query, b"")

        def _fetch(self, fetch_id: str) -> None:
            with store.lock:
                token = store.fetches.get(fetch_id)
                first = token is not None and fetch_id not in store.fetched
                if first and token is not None:
                    store.fetched.add(fetch_id)
                    store.tokens.add(token)
                status = 200 if first else 400
                store.fetch_answers.append((fetch_id, status))
            if first:
                self._json(200, {"auth-token": token})
            else:
                self._json(400, {"error-code": "1", "error-text": "already in use"})

        def _lrs(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
            resource = path.removeprefix("/lrs/")
            if resource == "statements":
                self._statements(method, body)
            elif resource == "activities/state":
                key = (
                    query.get("activityId", ""),
                    _agent_key(query.get("agent", "{}")),
                    query.get("registration", ""),
                    query.get("stateId", ""),
                )
                if method == "GET" and not key[3]:
                    self._ids(store.state, key[:3])
                else:
                    self._document(method, store.state, key, body)
            elif resource == "agents/profile":
                profile = (_agent_key(query.get("agent", "{}")), query.get("profileId", ""))
                if method == "GET" and not profile[1]:
                    self._ids(store.profiles, profile[:1])
                else:
                    self._document(method, store.profiles, profile, body)
            else:
                self._reply(404)

        def _statements(self, method: str, body: bytes) -> None:
            if method == "GET":
                with store.lock:
                    self._json(200, {"statements": store.statements})
                return
            if method != "POST":
                self._reply(405)
                return
            value = json.loads(body)
            batch = value if isinstance(value, list) else [value]
            verbs = {s["verb"]["id"].rsplit("/", 1)[-1] for s in batch}
            time.sleep(max((store.slow.get(v, 0.0) for v in verbs), default=0.0))
            with store.lock:
                for statement in batch:
                    statement.setdefault("id", str(uuid.uuid4()))
                    store.statements.append(statement)
            self._json(200, [s["id"] for s in batch])

        def _ids(self, documents: dict[Any, bytes], owner: tuple[str, ...]) -> None:
            """xAPI: a GET without a document id lists the ids of the owner's documents."""
            with store.lock:
                ids = [key[-1] for key in documents if key[:-1] == owner]
            self._json(200, ids)

        def _document(
            self, method: str, documents: dict[Any, bytes], key: Any, body: bytes
        ) -> None:
            with store.lock:
                if method == "GET":
                    found = documents.get(key)
                elif method == "DELETE":
                    documents.pop(key, None)
                    found = None
                elif method == "POST" and key in documents:
                    merged = {**json.loads(documents[key]), **json.loads(body)}
                    documents[key] = json.dumps(merged).encode()
                    found = None
                else:
                    documents[key] = body
                    found = None
            if method == "GET":
                self._reply(200, found) if found is not None else self._reply(404)
            else:
                self._reply(204)

    return Handler
