/*! coursec cmi5 runtime: an assignable unit's side of cmi5 (xAPI 1.0.3). MIT licence. */
/*
 * Loaded on every AU page of a coursec cmi5 package, before the SCORM runtime
 * (static/coursec-scorm.js), which keeps all the progress and knowledge-check logic: sections
 * reached, time, the completion rule, the bookmark and resume prompt, knowledge-check attempts,
 * scores and interactions.  This script is its LMS: it answers the SCORM 2004 data model the
 * SCORM runtime tracks with (window.coursecLmsAdapter.api) and says it in cmi5 to the LMS's LRS.
 *
 * Launch.  The LMS opens the page with ?endpoint=&fetch=&actor=&registration=&activityId=.  Once
 * per session (the fetch URL is new for each launch) this script POSTs to the fetch URL for the
 * auth token and keeps it in sessionStorage with the session's own record (whether initialized
 * and terminated were sent); a reload of the page takes the token from there and never fetches
 * again.  It then reads the State document LMS.LaunchData (contextTemplate, launchMode,
 * moveOn, masteryScore, returnURL) and the learner preferences (Agent Profile
 * cmi5LearnerPreferences), and its own State document (STATE_ID: bookmark, resume state, and
 * which verdicts this registration already has).  window.coursecLmsAdapter.ready settles when
 * all that is done; the SCORM and quiz runtimes start then.
 *
 * Statements, each with the contextTemplate (session id, publisher id), the registration, a
 * UUID and a timestamp, POSTed in order:
 *   initialized  first, once per session (Initialize);
 *   answered     one per knowledge-check question of a checked attempt (cmi.interactions.n),
 *                with its xAPI interaction definition (cmi5 allowed: no cmi5 category);
 *   completed    once per registration, when the module's completion rule is met
 *                (cmi.completion_status = completed);
 *   passed       once per registration, with the score, when a checked attempt reaches the pass
 *                mark (LMS.LaunchData's masteryScore decides when it gives one);
 *   failed       at most once per session, never after passed;
 *   terminated   last (Terminate: leaving the page, or the exit button).
 * completed, passed and failed carry the cmi5 and moveOn categories and result.duration;
 * passed and failed the masteryScore extension when the LMS gave one.  In Browse and Review
 * launch modes only initialized and terminated are sent, and nothing is saved.  A module with
 * no knowledge check whose moveOn asks for Passed is passed when it is completed.
 *
 * State (STATE_ID, JSON): {location, suspendData, completed, passed}: the bookmark and the
 * SCORM runtime's resume state (its format: exporters/scorm/state.py), PUT on each Commit.
 *
 * Exit.  With a returnURL, an "Exit" button in the page header ends the session (terminated)
 * and goes there.
 *
 * Public surface (for tests and debugging only): window.coursecCmi5.
 */
(() => {
  "use strict";

  if (window.coursecCmi5) return;

  const XAPI_VERSION = "1.0.3";
  const ADL = "http://adlnet.gov/expapi/verbs/";
  const CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
  const MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon";
  const MASTERY_SCORE = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore";
  const INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction";
  const LAUNCH_DATA = "LMS.LaunchData";
  const PREFERENCES = "cmi5LearnerPreferences";
  const STATE_ID = "https://w3id.org/coursec/cmi5/state"; // this runtime's own State document
  const SESSION_PREFIX = "coursec-cmi5:";
  const MODES = { Normal: "normal", Browse: "browse", Review: "review" };
  const NEEDS_PASS = ["Passed", "CompletedAndPassed"];

  const REUSED = "session already terminated"; // the launch failure a reload of the page meets

  /* What the runtime says, in the page's language: the JSON in #coursec-text, from coursec's
     catalogs (coursec.site.CMI5_MESSAGES), which every page with an SCO carries. */
  const TEXT = (() => {
    const blob = document.getElementById("coursec-text");
    return blob ? JSON.parse(blob.textContent) : {};
  })();

  const LANG = document.documentElement.lang || "und"; // the course's language
  const params = new URLSearchParams(window.location.search);
  const launch = {
    endpoint: params.get("endpoint") || "",
    fetch: params.get("fetch") || "",
    actor: params.get("actor") || "",
    registration: params.get("registration") || "",
    activityId: params.get("activityId") || "",
  };

  const S = {
    ok: false,
    failure: "",
    token: "",
    actor: null,
    launchData: null,
    preferences: null,
    doc: { location: "", suspendData: "", completed: false, passed: false },
    session: null,
    values: {}, // the rest of the data model, for this session only
    answered: 0, // interactions already sent
    verdict: "", // passed/failed the SCORM runtime last wrote, not yet sent
    completedPending: false,
    failedThisSession: false,
    dirty: false,
    sent: [], // every statement sent, in order (tests and debugging)
    errors: [],
    queue: Promise.resolve(),
    closing: null,
    exiting: false, // Exit was pressed: the page waits for the last statements
  };

  /* ------------------------------------------------------------------ helpers */

  function uuid() {
    const b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => (x < 16 ? "0" : "") + x.toString(16)).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" +
      h.slice(16, 20) + "-" + h.slice(20);
  }

  function clone(value) {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  }

  /** An ISO 8601 duration, as the SCORM runtime writes cmi.session_time (xAPI's format too). */
  function duration(ms) {
    return window.coursecScorm.formatSessionTime2004(ms);
  }

  function endpointUrl(resource, query) {
    const base = launch.endpoint.replace(/\/?$/, "/");
    const search = new URLSearchParams(query).toString();
    return base + resource + (search ? "?" + search : "");
  }

  function stateQuery(stateId) {
    return {
      stateId: stateId,
      activityId: launch.activityId,
      agent: JSON.stringify(S.actor),
      registration: launch.registration,
    };
  }

  function headers(json) {
    const h = {
      Authorization: "Basic " + S.token,
      "X-Experience-API-Version": XAPI_VERSION,
    };
    if (json) h["Content-Type"] = "application/json";
    return h;
  }

  function recordError(what, detail) {
    if (S.errors.length < 50) S.errors.push({ op: what, detail: String(detail) });
  }

  /** GET a JSON document; null when there is none (404). */
  function getDocument(url) {
    return fetch(url, { headers: headers(false), cache: "no-store" }).then((r) => {
      if (r.status === 404) return null;
      if (!r.ok) throw new Error("GET " + url + ": " + r.status);
      return r.text().then((t) => (t ? JSON.parse(t) : null));
    });
  }

  /**
   * GET a document that may not be there yet (the AU's own state, the learner preferences):
   * the list of the resource's ids first (xAPI: the same GET without `idKey`), then the
   * document if it is listed, so that a missing one is not a 404, which browsers log as an
   * error.  An LRS that cannot list is asked for the document itself.
   */
  function getOptionalDocument(resource, query, idKey) {
    const list = Object.assign({}, query);
    delete list[idKey];
    const direct = () => getDocument(endpointUrl(resource, query));
    return getDocument(endpointUrl(resource, list)).then(
      (ids) => (Array.isArray(ids) && !ids.includes(query[idKey]) ? null : direct()),
      direct,
    );
  }

  /**
   * Send, after what was queued before; `now`: at once (the page is going away and a request
   * still waiting for an earlier one would never start).  keepalive: it outlives the page.
   */
  function send(method, url, body, now) {
    const request = () => fetch(url, {
      method: method,
      headers: headers(true),
      body: JSON.stringify(body),
      keepalive: true,
    }).then((r) => {
      if (!r.ok) recordError(method + " " + url.split("?")[0], r.status);
    }, (e) => recordError(method + " " + url.split("?")[0], e));
    S.queue = now ? Promise.all([S.queue, request()]) : S.queue.then(request, request);
    return S.queue;
  }

  /* ------------------------------------------------------------------ session record */

  function sessionKey() {
    return SESSION_PREFIX + launch.fetch;
  }

  function loadSession() {
    try {
      const raw = window.sessionStorage.getItem(sessionKey());
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function saveSession() {
    try {
      window.sessionStorage.setItem(sessionKey(), JSON.stringify(S.session));
    } catch (e) {
      // storage refused: a reload of this page would have to fetch again, and be refused
    }
  }

  /** The auth token: from this session's record, else from one POST to the fetch URL. */
  function authToken() {
    const kept = loadSession();
    if (kept && kept.token) {
      S.session = kept;
      return Promise.resolve(kept.token);
    }
    return fetch(launch.fetch, { method: "POST" })
      .then((r) => r.json().then((body) => ({ ok: r.ok, body: body })))
      .then((answer) => {
        const token = answer.body && answer.body["auth-token"];
        if (!answer.ok || !token) {
          throw new Error("fetch URL: " + JSON.stringify(answer.body));
        }
        S.session = { token: token, initialized: false, terminated: false, startedAt: 0 };
        saveSession();
        return token;
      });
  }

  /* ------------------------------------------------------------------ statements */

  function mode() {
    return (S.launchData && S.launchData.launchMode) || "Normal";
  }

  function judging() {
    return mode() === "Normal";
  }

  function masteryScore() {
    const m = S.launchData && S.launchData.masteryScore;
    return typeof m === "number" && m >= 0 && m <= 1 ? m : null;
  }

  function statement(verb, options) {
    const o = options || {};
    const context = clone(S.launchData.contextTemplate) || {};
    context.registration = launch.registration;
    const activities = context.contextActivities || {};
    if (o.categories) {
      activities.category = (activities.category || []).concat(
        o.categories.map((id) => ({ id: id, objectType: "Activity" })),
      );
    }
    if (o.parent) activities.parent = (activities.parent || []).concat([o.parent]);
    if (Object.keys(activities).length) context.contextActivities = activities;
    if (o.extensions) context.extensions = Object.assign(context.extensions || {}, o.extensions);
    const st = {
      id: uuid(),
      timestamp: new Date().toISOString(),
      actor: S.actor,
      verb: { id: ADL + verb, display: { "en-US": verb } },
      object: o.object || { objectType: "Activity", id: launch.activityId },
      context: context,
    };
    if (o.result) st.result = o.result;
    return st;
  }

  function cmi5Statement(verb, result, moveOn) {
    const categories = moveOn ? [CMI5_CATEGORY, MOVEON_CATEGORY] : [CMI5_CATEGORY];
    const options = { categories: categories, result: result };
    if ((verb === "passed" || verb === "failed") && masteryScore() !== null) {
      options.extensions = {};
      options.extensions[MASTERY_SCORE] = masteryScore();
    }
    return statement(verb, options);
  }

  function sessionMs() {
    return Math.max(0, Date.now() - (S.session.startedAt || Date.now()));
  }

  function score() {
    const v = S.values;
    const out = {};
    ["scaled", "raw", "min", "max"].forEach((k) => {
      const n = parseFloat(v["cmi.score." + k]);
      if (isFinite(n)) out[k] = n;
    });
    return Object.keys(out).length ? out : null;
  }

  function plain(node) {
    return node ? (node.textContent || "").replace(/\s+/g, " ").trim() : "";
  }

  function component(id, text) {
    const description = {};
    description[LANG] = text || id;
    return { id: String(id), description: description };
  }

  /** What the learner chose from, as the question's controls show it (xAPI's interaction
   * components): choices for choice and sequencing, source and target for matching. */
  function components(questionId, type) {
    const field = Array.from(document.querySelectorAll("fieldset[data-question]"))
      .find((f) => f.getAttribute("data-question") === questionId);
    if (!field) return {};
    const labelOf = (el) => plain(field.querySelector('label[for="' + el.id + '"]'));
    const options = (select) => Array.from(select ? select.options : [])
      .filter((o) => o.value)
      .map((o) => component(o.value, plain(o)));
    if (type === "choice") {
      const inputs = field.querySelectorAll("input[type=radio], input[type=checkbox]");
      return { choices: Array.from(inputs, (i) => component(i.value, labelOf(i))) };
    }
    if (type === "sequencing") return { choices: options(field.querySelector("select")) };
    if (type === "matching") {
      const lefts = field.querySelectorAll("select[data-left]");
      return {
        source: Array.from(lefts, (s) => component(s.getAttribute("data-left"), labelOf(s))),
        target: options(lefts[0]),
      };
    }
    return {};
  }

  function interactionStatement(n) {
    const v = (name) => S.values["cmi.interactions." + n + "." + name];
    const id = v("id");
    if (!id) return null;
    const definition = {
      type: INTERACTION,
      interactionType: v("type") || "other",
    };
    const text = v("description");
    if (text) {
      definition.name = {};
      definition.name[LANG] = text;
      definition.description = clone(definition.name);
    }
    Object.assign(definition, components(id, definition.interactionType));
    const patterns = [];
    for (let k = 0; v("correct_responses." + k + ".pattern") !== undefined; k += 1) {
      patterns.push(v("correct_responses." + k + ".pattern"));
    }
    if (patterns.length) definition.correctResponsesPattern = patterns;
    const result = { success: v("result") === "correct" };
    if (v("learner_response")) result.response = v("learner_response");
    if (v("latency")) result.duration = v("latency");
    const activity = { objectType: "Activity", id: launch.activityId };
    return statement("answered", {
      object: {
        objectType: "Activity",
        id: launch.activityId + "/interactions/" + encodeURIComponent(id),
        definition: definition,
      },
      parent: activity,
      result: result,
    });
  }

  /** What the SCORM runtime has written since the last Commit, as statements, in order. */
  function pendingStatements() {
    const out = [];
    if (!judging()) return out;
    const count = countOf("cmi.interactions");
    for (; S.answered < count; S.answered += 1) {
      const st = interactionStatement(S.answered);
      if (st) out.push(st);
    }
    if (S.completedPending && !S.doc.completed) {
      out.push(cmi5Statement("completed", { completion: true, duration: duration(sessionMs()) }, true));
      S.doc.completed = true;
      S.dirty = true;
    }
    S.completedPending = false;
    let verdict = S.verdict;
    const sc = score();
    if (verdict && sc && typeof sc.scaled === "number" && masteryScore() !== null) {
      verdict = sc.scaled >= masteryScore() ? "passed" : "failed";
    }
    const hasCheck = !!document.querySelector("section.cs-quiz");
    if (!verdict && !hasCheck && S.doc.completed && NEEDS_PASS.indexOf(S.launchData.moveOn) >= 0) {
      verdict = "passed"; // nothing to score: completing the module is passing it
    }
    S.verdict = "";
    const result = { duration: duration(sessionMs()) };
    if (sc) result.score = sc;
    if (verdict === "passed" && !S.doc.passed) {
      result.success = true;
      out.push(cmi5Statement("passed", result, true));
      S.doc.passed = true;
      S.dirty = true;
    } else if (verdict === "failed" && !S.doc.passed && !S.failedThisSession) {
      result.success = false;
      out.push(cmi5Statement("failed", result, true));
      S.failedThisSession = true;
    }
    return out;
  }

  function postStatements(list, now) {
    if (!list.length) return S.queue;
    S.sent = S.sent.concat(list);
    return send("POST", endpointUrl("statements"), list, now);
  }

  function saveDocument(now) {
    if (!S.dirty || !judging()) return S.queue;
    S.dirty = false;
    return send("PUT", endpointUrl("activities/state", stateQuery(STATE_ID)), S.doc, now);
  }

  /* ------------------------------------------------------------------ the data model */

  function countOf(prefix) {
    let n = 0;
    while (S.values[prefix + "." + n + ".id"] !== undefined) n += 1;
    return n;
  }

  /** An earlier session of this registration left a bookmark or resume state. */
  function resuming() {
    return !!(S.doc.location || S.doc.suspendData);
  }

  function getValue(element) {
    switch (element) {
      case "cmi.completion_status":
        if (S.doc.completed) return "completed";
        return S.values[element] || (resuming() ? "incomplete" : "not attempted");
      case "cmi.success_status":
        return S.doc.passed ? "passed" : S.values[element] || "unknown";
      case "cmi.entry":
        return resuming() ? "resume" : "ab-initio";
      case "cmi.mode":
        return MODES[mode()] || "normal";
      case "cmi.location":
        return S.doc.location || "";
      case "cmi.suspend_data":
        return S.doc.suspendData || "";
      case "cmi.objectives._count":
        return String(countOf("cmi.objectives"));
      case "cmi.interactions._count":
        return String(countOf("cmi.interactions"));
      default:
        if (element.indexOf("adl.nav.request_valid.") === 0) return "false"; // no sequencing
        return S.values[element] === undefined ? "" : String(S.values[element]);
    }
  }

  function setValue(element, value) {
    const v = String(value);
    if (element === "cmi.location" || element === "cmi.suspend_data") {
      const key = element === "cmi.location" ? "location" : "suspendData";
      if (S.doc[key] !== v) {
        S.doc[key] = v;
        S.dirty = true;
      }
    } else if (element === "cmi.completion_status" && v === "completed") {
      S.completedPending = true;
    } else if (element === "cmi.success_status" && (v === "passed" || v === "failed")) {
      S.verdict = v;
    }
    S.values[element] = v;
    return "true";
  }

  function commit() {
    postStatements(pendingStatements());
    return saveDocument();
  }

  /**
   * The last statements.  Leaving the page, they go at once (a request queued behind another
   * would never start); with Exit the page waits for them, so they go after the rest and
   * terminated is the last statement the LRS stores.
   */
  function terminate() {
    if (S.session.terminated) return S.closing;
    const list = pendingStatements();
    list.push(cmi5Statement("terminated", { duration: duration(sessionMs()) }, false));
    S.session.terminated = true;
    saveSession();
    const now = !S.exiting;
    postStatements(list, now);
    S.closing = saveDocument(now);
    return S.closing;
  }

  const api = {
    Initialize() {
      if (!S.ok) return "false";
      if (!S.session.initialized) {
        S.session.initialized = true;
        S.session.startedAt = Date.now();
        saveSession();
        postStatements([cmi5Statement("initialized", null, false)]);
      }
      return "true";
    },
    Terminate() {
      if (!S.ok) return "false";
      terminate();
      return "true";
    },
    GetValue: (element) => (S.ok ? getValue(String(element)) : ""),
    SetValue: (element, value) => (S.ok ? setValue(String(element), value) : "false"),
    Commit() {
      if (!S.ok) return "false";
      commit();
      return "true";
    },
    GetLastError: () => "0",
    GetErrorString: () => "",
    GetDiagnostic: () => S.failure,
  };

  /* ------------------------------------------------------------------ launch */

  function applyPreferences() {
    const prefs = S.preferences || {};
    if (prefs.audioPreference === "off") {
      document.querySelectorAll("audio, video").forEach((media) => {
        media.muted = true;
      });
    }
  }

  /** LMS.LaunchData's returnURL, if it is a web address (never a script). */
  function returnUrl() {
    const raw = S.launchData && S.launchData.returnURL;
    if (!raw) return "";
    try {
      const url = new URL(String(raw), window.location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
    } catch (e) {
      return "";
    }
  }

  function offerExit() {
    const target = returnUrl();
    if (!target) return;
    // in the page header, where a learner looks for a way out; else with the status notices
    const box = document.querySelector(".cs-header__inner") ||
      document.getElementById("coursec-status");
    if (!box || document.querySelector("[data-coursec-exit]")) return;
    const p = document.createElement("p");
    p.className = "cs-exit";
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("data-coursec-exit", "");
    button.textContent = TEXT.cmi5Exit || "";
    button.addEventListener("click", () => {
      button.disabled = true;
      S.exiting = true;
      window.coursecScorm.finish(); // Terminate: the last statements
      const done = S.closing || S.queue;
      done.then(() => window.location.assign(target));
    });
    p.appendChild(button);
    box.appendChild(p);
  }

  function setUp() {
    try {
      S.actor = JSON.parse(launch.actor);
    } catch (e) {
      return Promise.reject(new Error("actor is not JSON"));
    }
    return authToken()
      .then((token) => {
        S.token = token;
        if (S.session.terminated) throw new Error(REUSED);
        return Promise.all([
          getDocument(endpointUrl("activities/state", stateQuery(LAUNCH_DATA))),
          getOptionalDocument("agents/profile", {
            agent: JSON.stringify(S.actor), profileId: PREFERENCES,
          }, "profileId").catch(() => null),
          getOptionalDocument("activities/state", stateQuery(STATE_ID), "stateId"),
        ]);
      })
      .then(([launchData, preferences, doc]) => {
        if (!launchData || !launchData.contextTemplate) throw new Error("no LMS.LaunchData");
        S.launchData = launchData;
        S.preferences = preferences;
        if (doc && typeof doc === "object") Object.assign(S.doc, doc);
        S.ok = true;
      });
  }

  function started() {
    applyPreferences();
    offerExit();
  }

  const launched = Object.keys(launch).every((k) => launch[k]);
  if (launched) {
    const ready = setUp().catch((e) => {
      S.failure = String(e && e.message ? e.message : e);
      recordError("launch", S.failure);
    });
    window.coursecLmsAdapter = { api: api, edition: "2004", ready: ready };
    const afterRuntime = () => {
      if (S.ok) started();
      else if (S.failure === REUSED) {
        const notice = document.querySelector("#coursec-status .cs-notice");
        // more useful than "did not accept"
        if (notice && TEXT.cmi5Reused) notice.textContent = TEXT.cmi5Reused;
      }
    };
    ready.then(() => {
      // the SCORM runtime starts on the same promise, once the document is parsed: after it
      const later = () => setTimeout(afterRuntime, 0);
      if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", later);
      } else later();
    });
  }

  window.coursecCmi5 = {
    state() {
      return {
        launched: launched,
        ok: S.ok,
        failure: S.failure,
        launchMode: S.launchData ? mode() : null,
        moveOn: S.launchData ? S.launchData.moveOn : null,
        masteryScore: S.launchData ? masteryScore() : null,
        preferences: clone(S.preferences),
        session: clone(S.session),
        document: clone(S.doc),
        sent: clone(S.sent),
        errors: S.errors.slice(),
      };
    },
    settled: () => S.queue,
  };
})();
