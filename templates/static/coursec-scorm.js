/*! coursec SCORM runtime: SCORM 1.2 and SCORM 2004 4th edition. MIT licence. */
/*
 * Loaded at the end of every SCO page the coursec SCORM exporters emit.  It reads the page's
 * <script type="application/json" id="coursec-sco"> block, finds the LMS API, and reports
 * completion, objectives, a bookmark, resume state and session time.  Without an LMS the page
 * works as a plain web page and says so once in #coursec-status.
 *
 * With the completion rule "viewed-all" a section is viewed once the viewport has reached it
 * (see markReached).  Moving to another SCO is left to the LMS (see "navigation between SCOs").
 *
 * Knowledge checks (static/coursec-quiz.js, loaded after this script) keep their attempts and
 * answers in suspend_data through window.coursecScorm.quizStore(quizId), and report each checked
 * attempt with a bubbling "coursec:quiz-submitted" event, which this runtime records: the score
 * (1.2: percent, cmi.core.score.raw/min/max; 2004: points, cmi.score.raw/min/max/scaled), then
 * passed/failed (1.2 cmi.core.lesson_status, 2004 cmi.success_status), one cmi.interactions.n
 * per question (appended: a journal of every attempt) and each assessed objective's score and
 * status.  With the completion rule "quiz" the SCO is complete once every check on it is passed
 * or has no attempt left.
 *
 * Resume state (cmi.suspend_data) -- the same format is described and budgeted at build time in
 * exporters/scorm/state.py (coursec.exporters.scorm.state); change both together:
 *
 *     1~<stateKey>~<viewed>~<seconds>[~<quiz>][~<later fields>]
 *
 *   1          format version; any other version is dropped silently
 *   stateKey   the page's 8 hex chars (changes when the SCO's sections/questions change); a
 *              different key means the saved state describes another build: dropped silently
 *   viewed     bitset of viewed sections, lower-case hex, exactly ceil(n/4) digits; section i is
 *              bit (i % 4) (value 1 << (i % 4)) of digit floor(i / 4), digits in section order
 *   seconds    whole seconds the learner has had the SCO visible, all sessions, decimal,
 *              capped at 99999999
 *   quiz       only when the config lists knowledge checks ("quiz"): one segment per check, in
 *              that order, joined with "|"; a segment is the quiz runtime's own string (see
 *              coursec-quiz.js) and holds no "~" or "|"
 *   later      reserved; kept verbatim when the rest is valid
 *
 * Bookmark (cmi.core.lesson_location / cmi.location): the current section's id, or "#<index>"
 * when the id is longer than the element allows (255 chars in 1.2, 1000 in 2004).
 *
 * In a cmi5 AU the LMS is static/coursec-cmi5.js, loaded before this script: it sets
 * window.coursecLmsAdapter = {api, edition: "2004", ready}, an API answering the SCORM 2004 data
 * model over xAPI; this runtime starts once `ready` settles and uses that API, found nowhere else.
 *
 * Public surface (for tests and debugging only): window.coursecScorm.
 */
(() => {
  "use strict";

  if (window.coursecScorm) return; // loaded twice: the first copy owns the session

  const FORMAT_VERSION = "1";
  const SEP = "~";
  const MAX_SECONDS = 99999999;
  const BOOKMARK_COMMIT_DELAY_MS = 1000;
  const QUIZ_SAVE_DELAY_MS = 300;
  const QUIZ_SEP = "|";
  const INTERACTION_LIMIT_12 = 255; // CMIFeedback / CMIString255 in SCORM 1.2
  const HEARTBEAT_MS = 60000;
  // cmi.exit at the end of every session, complete or not.  "suspend" keeps the attempt open, so
  // the next launch gets entry=resume plus the bookmark and suspend_data back.  With ""/"normal"
  // the LMS ends the attempt and may start the next launch with empty location and suspend_data,
  // so a learner who completed the module would lose their place and accumulated time.  Completion
  // and objective statuses are kept by the LMS either way, so suspending costs nothing.
  const EXIT_VALUE = "suspend";

  const DATA_MODEL = {
    "1.2": {
      apiName: "API",
      searchCap: 7,
      fn: {
        init: "LMSInitialize", finish: "LMSFinish", get: "LMSGetValue", set: "LMSSetValue",
        commit: "LMSCommit", error: "LMSGetLastError",
      },
      status: "cmi.core.lesson_status",
      entry: "cmi.core.entry",
      mode: "cmi.core.lesson_mode",
      location: "cmi.core.lesson_location",
      exit: "cmi.core.exit",
      sessionTime: "cmi.core.session_time",
      suspend: "cmi.suspend_data",
      score: "cmi.core.score",
      locationMax: 255,
      suspendMax: 4096,
    },
    "2004": {
      apiName: "API_1484_11",
      searchCap: 500,
      fn: {
        init: "Initialize", finish: "Terminate", get: "GetValue", set: "SetValue",
        commit: "Commit", error: "GetLastError",
      },
      status: "cmi.completion_status",
      success: "cmi.success_status",
      progress: "cmi.progress_measure",
      entry: "cmi.entry",
      mode: "cmi.mode",
      location: "cmi.location",
      exit: "cmi.exit",
      sessionTime: "cmi.session_time",
      suspend: "cmi.suspend_data",
      score: "cmi.score",
      locationMax: 1000,
      suspendMax: 64000,
    },
  };

  /* What the runtime says, in the page's language: the JSON in #coursec-text, from coursec's
     catalogs (coursec.site.SCORM_MESSAGES); `%(name)s` is filled in by `fill`. */
  const TEXT = (() => {
    const blob = document.getElementById("coursec-text");
    return blob ? JSON.parse(blob.textContent) : {};
  })();

  function fill(message, values) {
    return String(message || "").replace(/%\((\w+)\)s|%%/g, (m, k) => (k ? String(values[k]) : "%"));
  }

  /* ------------------------------------------------------------------ pure helpers */

  function pad2(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function toCentiseconds(ms) {
    const n = Number(ms);
    if (!isFinite(n) || n <= 0) return 0;
    return Math.round(n / 10);
  }

  function splitCentiseconds(cs) {
    return {
      h: Math.floor(cs / 360000),
      m: Math.floor(cs / 6000) % 60,
      s: Math.floor(cs / 100) % 60,
      f: cs % 100,
    };
  }

  function fraction(f) {
    // 1-2 decimals, no trailing zero: 50 -> "5", 5 -> "05", 25 -> "25"
    return (f < 10 ? "0" + f : String(f)).replace(/0$/, "");
  }

  /** SCORM 1.2 CMITimespan HHHH:MM:SS.SS (2-4 hour digits, 0-2 decimals), capped at 9999 h. */
  function formatSessionTime12(ms) {
    const max = ((9999 * 60 + 59) * 60 + 59) * 100 + 99;
    const t = splitCentiseconds(Math.min(toCentiseconds(ms), max));
    let out = pad2(t.h) + ":" + pad2(t.m) + ":" + pad2(t.s);
    if (t.f) out += "." + fraction(t.f);
    return out;
  }

  /** SCORM 2004 timeinterval (ISO 8601 duration): PT1H5M3.25S; PT0S for zero. */
  function formatSessionTime2004(ms) {
    const cs = toCentiseconds(ms);
    if (!cs) return "PT0S";
    const t = splitCentiseconds(cs);
    let out = "PT";
    if (t.h) out += t.h + "H";
    if (t.m) out += t.m + "M";
    if (t.s || t.f) out += t.s + (t.f ? "." + fraction(t.f) : "") + "S";
    return out;
  }

  /** A 0..1 real as a string with '.' decimals and at most 4 of them (never an exponent). */
  function formatMeasure(x) {
    let n = Number(x);
    if (!isFinite(n) || n < 0) n = 0;
    if (n > 1) n = 1;
    const fixed = (Math.round(n * 10000) / 10000).toFixed(4);
    return fixed.replace(/\.?0+$/, "") || "0";
  }

  /** floor(x) to 4 decimals as a string: never rounds up across a pass mark. */
  function floorMeasure(num, den) {
    if (!(den > 0)) return "1";
    const tenThousandths = Math.floor((Math.max(0, Math.min(num, den)) * 10000) / den);
    return formatMeasure(tenThousandths / 10000);
  }

  /** raw/max as a percentage (0..100, at most 2 decimals, rounded down), for SCORM 1.2. */
  function floorPercent(num, den) {
    if (!(den > 0)) return "100";
    const hundredths = Math.floor((Math.max(0, Math.min(num, den)) * 10000) / den);
    return String(hundredths / 100);
  }

  /** SCORM 1.2 CMITime (time of day): HH:MM:SS, local time. */
  function formatTime12(ms) {
    const d = new Date(ms);
    return pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
  }

  /**
   * SCORM 2004 time, local with its offset: 2026-11-27T04:30:17.0+01:00 (the format allows an
   * offset only after fractional seconds).
   */
  function formatTimestamp2004(ms) {
    const d = new Date(ms);
    const off = -d.getTimezoneOffset();
    const sign = off < 0 ? "-" : "+";
    const abs = Math.abs(off);
    return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + "T" +
      pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds()) + "." +
      Math.floor(d.getMilliseconds() / 100) + sign + pad2(Math.floor(abs / 60)) + ":" +
      pad2(abs % 60);
  }

  /**
   * value cut to at most limit characters without breaking it: a list ("a,b,c", "1.a,2.b") loses
   * whole items after the last sep that fits; other text is cut between UTF-16 surrogates.
   */
  function clip(value, limit, sep) {
    let v = String(value);
    if (v.length <= limit) return v;
    if (sep) {
      const cut = v.lastIndexOf(sep, limit);
      return cut > 0 ? v.slice(0, cut) : "";
    }
    v = v.slice(0, limit);
    const last = v.charCodeAt(v.length - 1);
    return last >= 0xd800 && last <= 0xdbff ? v.slice(0, -1) : v;
  }

  function encodeViewed(viewed) {
    let out = "";
    for (let d = 0; d * 4 < viewed.length; d += 1) {
      let digit = 0;
      for (let b = 0; b < 4; b += 1) {
        if (viewed[d * 4 + b]) digit |= 1 << b;
      }
      out += digit.toString(16);
    }
    return out;
  }

  /**
   * Build the suspend_data string.  obj = {key, viewed: boolean[], seconds, extra?: string[]}.
   * Only the version this runtime writes ("1") exists so far.
   */
  function encodeState(obj) {
    const o = obj || {};
    const key = String(o.key || "").toLowerCase();
    const viewed = Array.isArray(o.viewed) ? o.viewed : [];
    let seconds = Math.floor(Number(o.seconds) || 0);
    if (seconds < 0) seconds = 0;
    if (seconds > MAX_SECONDS) seconds = MAX_SECONDS;
    const fields = [FORMAT_VERSION, key, encodeViewed(viewed), String(seconds)];
    (Array.isArray(o.extra) ? o.extra : []).forEach((field) => {
      fields.push(String(field).split(SEP).join(""));
    });
    return fields.join(SEP);
  }

  /**
   * Parse suspend_data.  Returns {version, key, viewed: boolean[], seconds, extra: string[]} or
   * null when the string is not valid version-1 state.  With sectionCount the viewed field must
   * have exactly ceil(sectionCount / 4) digits and no bit at or beyond sectionCount; viewed then
   * has sectionCount entries.  The caller compares key with its own stateKey.
   */
  function decodeState(str, sectionCount) {
    if (typeof str !== "string" || !str) return null;
    const fields = str.split(SEP);
    if (fields.length < 4 || fields[0] !== FORMAT_VERSION) return null;
    const key = fields[1];
    const hex = fields[2];
    const secs = fields[3];
    if (!/^[0-9a-f]{8}$/.test(key) || !/^[0-9a-f]*$/.test(hex) || !/^[0-9]{1,8}$/.test(secs)) {
      return null;
    }
    const haveCount = typeof sectionCount === "number" && sectionCount >= 0;
    const n = haveCount ? Math.floor(sectionCount) : hex.length * 4;
    if (hex.length !== Math.ceil(n / 4)) return null;
    const viewed = [];
    for (let i = 0; i < hex.length * 4; i += 1) {
      const on = (parseInt(hex.charAt(Math.floor(i / 4)), 16) & (1 << (i % 4))) !== 0;
      if (i < n) viewed.push(on);
      else if (on) return null;
    }
    return {
      version: 1,
      key: key,
      viewed: viewed,
      seconds: parseInt(secs, 10),
      extra: fields.slice(4),
    };
  }

  /* ------------------------------------------------------------------ API discovery */

  function readApi(win, name) {
    try {
      const candidate = win[name];
      const fnName = DATA_MODEL[name === "API" ? "1.2" : "2004"].fn.init;
      if (candidate && typeof candidate[fnName] === "function") return candidate;
    } catch (e) {
      // cross-origin window: SecurityError
    }
    return null;
  }

  function climb(start, name, cap) {
    let win = start;
    for (let i = 0; win && i <= cap; i += 1) {
      const found = readApi(win, name);
      if (found) return found;
      let parent = null;
      try {
        parent = win.parent;
      } catch (e) {
        return null;
      }
      if (!parent || parent === win) return null;
      win = parent;
    }
    return null;
  }

  function findApiNamed(name, cap) {
    const own = climb(window, name, cap);
    if (own) return own;
    let opener = null;
    try {
      opener = window.top ? window.top.opener : null;
    } catch (e) {
      opener = null;
    }
    return opener ? climb(opener, name, cap) : null;
  }

  /** Look for the API of the preferred edition first, then the other one. */
  function findApi(preferred) {
    const order = preferred === "2004" ? ["2004", "1.2"] : ["1.2", "2004"];
    for (let i = 0; i < order.length; i += 1) {
      const dm = DATA_MODEL[order[i]];
      const api = findApiNamed(dm.apiName, dm.searchCap);
      if (api) return { api: api, edition: order[i] };
    }
    return null;
  }

  /* ------------------------------------------------------------------ runtime state */

  const S = {
    config: null,
    edition: null,
    dm: null,
    api: null,
    connected: false,
    finishing: false,
    finished: false,
    ids: [],
    elements: [],
    viewed: [],
    current: -1,
    location: "",
    bookmarkIndex: -1,
    entry: "",
    reviewMode: false,
    completed: false,
    statusWritten: "",
    restored: false,
    dropped: "",
    restoredSeconds: 0,
    extraFields: [],
    activeMs: 0,
    visibleSince: null,
    startedAt: 0,
    objectiveIndex: [],
    lastSuspend: null,
    lastProgress: null,
    commitTimer: null,
    heartbeat: null,
    ticker: null,
    reached: -1,
    rafPending: false,
    errors: [],
    calls: 0,
    quizIds: [],
    quizSegments: [],
    quizResults: {},
    quizTimer: null,
    interactions: 0,
  };

  function now() {
    return (window.performance && performance.now) ? performance.now() : Date.now();
  }

  function recordError(op, element, code) {
    if (S.errors.length < 50) S.errors.push({ op: op, element: element, code: String(code) });
  }

  function callApi(fnKey, args) {
    if (!S.api) return "false";
    try {
      S.calls += 1;
      const result = S.api[S.dm.fn[fnKey]].apply(S.api, args);
      return result === undefined || result === null ? "" : String(result);
    } catch (e) {
      recordError(fnKey, args[0] || "", "exception");
      return "false";
    }
  }

  function lastError() {
    return callApi("error", []);
  }

  function live() {
    return S.connected && !S.finished;
  }

  function getValue(element) {
    if (!live()) return "";
    return callApi("get", [element]);
  }

  function setValue(element, value) {
    if (!live()) return false;
    const ok = callApi("set", [element, String(value)]) === "true";
    if (!ok) recordError("set", element, lastError());
    return ok;
  }

  function commitNow() {
    if (S.commitTimer) {
      clearTimeout(S.commitTimer);
      S.commitTimer = null;
    }
    if (!live() || S.finishing) return false;
    const ok = callApi("commit", [""]) === "true";
    if (!ok) recordError("commit", "", lastError());
    return ok;
  }

  function scheduleCommit(delay) {
    if (!live() || S.commitTimer) return;
    S.commitTimer = setTimeout(() => {
      S.commitTimer = null;
      commitNow();
    }, delay);
  }

  /* ------------------------------------------------------------------ status element */

  function statusElement() {
    let el = document.getElementById("coursec-status");
    if (!el) {
      el = document.createElement("div");
      el.id = "coursec-status";
      el.setAttribute("role", "status");
      el.setAttribute("aria-live", "polite");
      document.body.appendChild(el);
    }
    return el;
  }

  function setNotice(text) {
    const box = statusElement();
    let p = box.querySelector(".cs-notice");
    if (!p) {
      p = document.createElement("p");
      p.className = "cs-notice";
      box.appendChild(p);
    }
    p.textContent = text;
  }

  function injectStyle() {
    // Zero-specificity defaults so the course theme can restyle the banner freely.
    if (document.getElementById("coursec-scorm-style")) return;
    const style = document.createElement("style");
    style.id = "coursec-scorm-style";
    style.textContent =
      ":where(#coursec-status .cs-resume){position:fixed;z-index:1000;left:1rem;right:1rem;" +
      "bottom:1rem;max-width:40rem;margin:0 auto;padding:.75rem 1rem;border:1px solid;" +
      "border-radius:.5rem;background:Canvas;color:CanvasText;" +
      "box-shadow:0 .25rem 1rem rgba(0,0,0,.25)}" +
      ":where(#coursec-status .cs-resume p){margin:0 0 .5rem}" +
      ":where(#coursec-status .cs-resume button){margin-right:.5rem}";
    (document.head || document.body).appendChild(style);
  }

  /* ------------------------------------------------------------------ sections */

  function headingOf(el) {
    return el.querySelector("h1, h2, h3, h4, h5, h6") || el;
  }

  function focusQuietly(el) {
    if (!el) return;
    if (!el.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) {
      el.setAttribute("tabindex", "-1");
    }
    try {
      el.focus({ preventScroll: true });
    } catch (e) {
      el.focus();
    }
  }

  function viewportHeight() {
    return window.innerHeight || document.documentElement.clientHeight || 0;
  }

  function viewedCount() {
    return S.viewed.filter(Boolean).length;
  }

  /**
   * Count as viewed every section the learner's viewport has reached: those whose top has come
   * above the viewport's bottom edge, however the page got there (scrolling at any speed, the End
   * key, a link to an anchor, resuming).  Sections follow each other down the page, so the
   * furthest one reached stands for all those before it.  Nothing is sampled or timed: every
   * scroll, resize, hashchange and the load event look at where the viewport is now.
   */
  function markReached() {
    if (S.finished) return;
    const vh = viewportHeight();
    for (let i = S.reached + 1; i < S.elements.length; i += 1) {
      const el = S.elements[i];
      if (el && el.getBoundingClientRect().top >= vh) break;
      S.reached = i;
    }
    let changed = false;
    for (let i = 0; i <= S.reached; i += 1) {
      if (!S.viewed[i]) {
        S.viewed[i] = true;
        changed = true;
      }
    }
    if (changed) onViewedChanged();
  }

  function computeCurrent() {
    const vh = viewportHeight();
    const line = vh * 0.3;
    const doc = document.documentElement;
    const atBottom = window.innerHeight + (window.pageYOffset || doc.scrollTop) >=
      doc.scrollHeight - 2;
    let current = -1;
    for (let i = 0; i < S.elements.length; i += 1) {
      const el = S.elements[i];
      if (!el) continue;
      const top = el.getBoundingClientRect().top;
      if (top <= line || (atBottom && top < vh)) current = i;
      if (current === -1) current = i; // the first present section until one passes the line
    }
    return current;
  }

  function onBookmarkFrame() {
    S.rafPending = false;
    if (S.finished) return;
    const current = computeCurrent();
    if (current !== S.current) {
      S.current = current;
      setBookmark(current);
    }
  }

  function onScroll() {
    markReached();
    if (S.rafPending) return;
    S.rafPending = true;
    (window.requestAnimationFrame || ((cb) => setTimeout(cb, 16)))(onBookmarkFrame);
  }

  function startTracking() {
    ["scroll", "resize", "hashchange"].forEach((type) => {
      window.addEventListener(type, onScroll, { passive: true });
    });
    // Until the page has loaded, images without a size have none yet and the sections sit
    // higher than they will: the first look at the viewport waits for the load event.
    if (document.readyState === "complete") markReached();
    else window.addEventListener("load", onScroll, { once: true });
    S.current = computeCurrent(); // initial position is not a bookmark
  }

  function stopTracking() {
    ["scroll", "resize", "hashchange", "load"].forEach((type) => {
      window.removeEventListener(type, onScroll);
    });
  }

  /* ------------------------------------------------------------------ bookmark */

  function locationFor(i) {
    const id = S.ids[i];
    return id.length <= S.dm.locationMax ? id : "#" + i;
  }

  function resolveLocation(loc) {
    if (!loc) return -1;
    const m = /^#([0-9]+)$/.exec(loc);
    if (m) {
      const i = parseInt(m[1], 10);
      return i < S.ids.length ? i : -1;
    }
    return S.ids.indexOf(loc);
  }

  function setBookmark(i) {
    if (i < 0 || !live()) return;
    const loc = locationFor(i);
    if (loc === S.location) return;
    if (setValue(S.dm.location, loc)) {
      S.location = loc;
      scheduleCommit(BOOKMARK_COMMIT_DELAY_MS);
    }
  }

  /* ------------------------------------------------------------------ time & progress */

  function activeMs() {
    return S.activeMs + (S.visibleSince === null ? 0 : now() - S.visibleSince);
  }

  function secondsOnSco() {
    return Math.min(MAX_SECONDS, S.restoredSeconds + Math.floor(activeMs() / 1000));
  }

  function quizFinishedCount() {
    return S.quizIds.filter((id) => S.quizResults[id] && S.quizResults[id].finished).length;
  }

  function progress() {
    const rule = S.config.completion || {};
    if (rule.rule === "quiz" && S.quizIds.length) {
      return quizFinishedCount() / S.quizIds.length;
    }
    if (rule.rule === "time") {
      const need = Number(rule.seconds) || 0;
      return need <= 0 ? 1 : Math.min(1, secondsOnSco() / need);
    }
    return S.ids.length ? viewedCount() / S.ids.length : 1;
  }

  function ruleMet() {
    return progress() >= 1;
  }

  function writeSuspend() {
    if (!live()) return;
    const value = encodeState({
      key: S.config.stateKey,
      viewed: S.viewed,
      seconds: secondsOnSco(),
      extra: S.extraFields,
    });
    if (value === S.lastSuspend) return;
    if (value.length > S.dm.suspendMax) {
      recordError("set", S.dm.suspend, "too-long");
      return;
    }
    if (setValue(S.dm.suspend, value)) S.lastSuspend = value;
  }

  function writeProgress() {
    if (!live() || !S.dm.progress || S.reviewMode) return;
    const value = formatMeasure(S.completed ? Math.max(progress(), 1) : progress());
    if (value === S.lastProgress) return;
    if (setValue(S.dm.progress, value)) S.lastProgress = value;
  }

  /* ------------------------------------------------------------------ status & objectives */

  function setObjectiveStatuses(completed) {
    const is2004 = S.edition === "2004";
    S.objectiveIndex.forEach((n) => {
      const base = "cmi.objectives." + n + ".";
      if (is2004) {
        if (completed) {
          if (getValue(base + "completion_status") !== "completed") {
            setValue(base + "completion_status", "completed");
          }
        } else {
          setValue(base + "completion_status", "incomplete");
          setValue(base + "success_status", "unknown");
        }
      } else if (completed) {
        // keep a passed/failed a knowledge check may have written
        const current = getValue(base + "status");
        if (current !== "passed" && current !== "failed" && current !== "completed") {
          setValue(base + "status", "completed");
        }
      } else {
        setValue(base + "status", "incomplete");
      }
    });
  }

  function setupObjectives() {
    const ids = Array.isArray(S.config.objectives) ? S.config.objectives : [];
    if (!ids.length) return false;
    let count = parseInt(getValue("cmi.objectives._count"), 10);
    if (!isFinite(count) || count < 0) count = 0;
    const existing = {};
    for (let n = 0; n < count; n += 1) existing[getValue("cmi.objectives." + n + ".id")] = n;
    const fresh = [];
    S.objectiveIndex = ids.map((id) => {
      if (Object.prototype.hasOwnProperty.call(existing, id)) return existing[id];
      const n = count;
      count += 1;
      setValue("cmi.objectives." + n + ".id", id); // id first
      fresh.push(n);
      return n;
    });
    if (!fresh.length) return false;
    const all = S.objectiveIndex;
    S.objectiveIndex = fresh;
    setObjectiveStatuses(false);
    S.objectiveIndex = all;
    return true;
  }

  function markComplete() {
    if (S.completed) return;
    S.completed = true;
    if (S.ticker) {
      clearInterval(S.ticker);
      S.ticker = null;
    }
    if (!live()) return;
    writeSuspend();
    if (S.reviewMode) return;
    writeProgress();
    const status = getValue(S.dm.status);
    if (S.edition === "2004") {
      if (status !== "completed") setValue(S.dm.status, "completed");
    } else if (status !== "passed" && status !== "failed" && status !== "completed") {
      setValue(S.dm.status, "completed");
    }
    S.statusWritten = getValue(S.dm.status) || "completed";
    setObjectiveStatuses(true);
    commitNow();
    offerNavigation(); // the LMS's sequencing may allow more moves now
  }

  function checkCompletion() {
    if (!S.completed && ruleMet()) markComplete();
  }

  function onViewedChanged() {
    if (live()) {
      writeSuspend();
      if (!S.completed) writeProgress();
    }
    checkCompletion(); // tracked without an LMS too (state() reports it)
    scheduleCommit(BOOKMARK_COMMIT_DELAY_MS);
  }

  /* ------------------------------------------------------------------ knowledge checks */

  function restoreQuizSegments() {
    if (!S.quizIds.length) return;
    const field = typeof S.extraFields[0] === "string" ? S.extraFields[0] : "";
    const parts = field ? field.split(QUIZ_SEP) : [];
    S.quizSegments = S.quizIds.map((_, i) => (parts.length === S.quizIds.length ? parts[i] : ""));
  }

  function flushQuizState() {
    if (S.quizTimer) {
      clearTimeout(S.quizTimer);
      S.quizTimer = null;
    }
    if (!S.quizIds.length) return;
    const field = S.quizSegments.join(QUIZ_SEP);
    if (S.extraFields[0] === field) return;
    S.extraFields = S.extraFields.slice();
    S.extraFields[0] = field;
    if (live() && !S.reviewMode) {
      writeSuspend();
      scheduleCommit(BOOKMARK_COMMIT_DELAY_MS);
    }
  }

  /** The suspend_data slot of one knowledge check, for coursec-quiz.js; null without an LMS. */
  function quizStore(quizId) {
    const i = S.quizIds.indexOf(String(quizId));
    if (i < 0 || !live()) return null;
    return {
      load: () => S.quizSegments[i] || "",
      save: (segment) => {
        if (S.reviewMode || !live()) return;
        S.quizSegments[i] = String(segment).split(SEP).join("").split(QUIZ_SEP).join("");
        if (!S.quizTimer) S.quizTimer = setTimeout(flushQuizState, QUIZ_SAVE_DELAY_MS);
      },
    };
  }

  function recordInteractions(d) {
    const v12 = S.edition === "1.2";
    const ed = v12 ? "1.2" : "2004";
    let n = parseInt(getValue("cmi.interactions._count"), 10);
    if (!isFinite(n) || n < 0) n = 0;
    (d.questions || []).forEach((q) => {
      const base = "cmi.interactions." + n + ".";
      const type = (q.interactionType || {})[ed] || "other";
      const sep = type === "fill-in" || type === "long-fill-in" ? "" : v12 ? "," : "[,]";
      if (!setValue(base + "id", clip(q.id, v12 ? INTERACTION_LIMIT_12 : 4000, ""))) return;
      setValue(base + "type", type);
      (q.objectives || []).forEach((id, k) => setValue(base + "objectives." + k + ".id", id));
      if (v12) setValue(base + "time", formatTime12(d.startedAt));
      else setValue(base + "timestamp", formatTimestamp2004(d.startedAt));
      ((q.correctResponses || {})[ed] || []).forEach((pattern, k) => {
        const value = v12 ? clip(pattern, INTERACTION_LIMIT_12, sep) : pattern;
        setValue(base + "correct_responses." + k + ".pattern", value);
      });
      setValue(base + "weighting", String(Number(q.weighting) || 0));
      const response = ((q.response || {})[ed]) || "";
      if (response) {
        if (v12) setValue(base + "student_response", clip(response, INTERACTION_LIMIT_12, sep));
        else setValue(base + "learner_response", response);
      }
      setValue(base + "result", q.correct ? "correct" : v12 ? "wrong" : "incorrect");
      setValue(base + "latency", v12
        ? formatSessionTime12(q.latencyMs)
        : formatSessionTime2004(q.latencyMs));
      if (!v12 && q.description) {
        const text = String(q.description).replace(/\s+/g, " ").replace(/^[\s{]+/, "");
        setValue(base + "description", clip(text, 250, ""));
      }
      n += 1;
      S.interactions += 1;
    });
  }

  function recordObjectives(d) {
    const ids = Array.isArray(S.config.objectives) ? S.config.objectives : [];
    (d.objectives || []).forEach((o) => {
      const n = S.objectiveIndex[ids.indexOf(o.id)];
      if (n === undefined || !(o.max > 0)) return;
      const base = "cmi.objectives." + n + ".";
      if (S.edition === "1.2") {
        setValue(base + "score.raw", floorPercent(o.raw, o.max));
        setValue(base + "score.min", "0");
        setValue(base + "score.max", "100");
        setValue(base + "status", o.passed ? "passed" : "failed");
      } else {
        setValue(base + "score.scaled", floorMeasure(o.raw, o.max));
        setValue(base + "score.raw", String(o.raw));
        setValue(base + "score.min", "0");
        setValue(base + "score.max", String(o.max));
        setValue(base + "success_status", o.passed ? "passed" : "failed");
      }
    });
  }

  /** The SCO's score and success over its checks: passed when each is, failed when one is. */
  function recordScoreAndSuccess() {
    const results = S.quizIds.map((id) => S.quizResults[id]).filter(Boolean);
    if (!results.length) return;
    const raw = results.reduce((sum, r) => sum + r.raw, 0);
    const max = results.reduce((sum, r) => sum + r.max, 0);
    const score = S.dm.score;
    if (S.edition === "1.2") {
      setValue(score + ".raw", floorPercent(raw, max));
      setValue(score + ".min", "0");
      setValue(score + ".max", "100");
    } else {
      setValue(score + ".scaled", floorMeasure(raw, max));
      setValue(score + ".raw", String(raw));
      setValue(score + ".min", "0");
      setValue(score + ".max", String(max));
    }
    let success = "";
    if (results.some((r) => !r.passed)) success = "failed";
    else if (results.length === S.quizIds.length) success = "passed";
    if (!success) return;
    if (S.edition === "1.2") {
      if (setValue(S.dm.status, success)) S.statusWritten = success;
    } else {
      setValue(S.dm.success, success);
    }
  }

  function onQuizSubmitted(ev) {
    const d = ev && ev.detail;
    if (!d || S.quizIds.indexOf(String(d.quizId)) < 0 || !d.score) return;
    S.quizResults[d.quizId] = {
      raw: Number(d.score.raw) || 0,
      max: Number(d.score.max) || 0,
      passed: !!d.passed,
      finished: !!d.finished,
    };
    if (!d.restored && live() && !S.reviewMode) {
      flushQuizState(); // the checked attempt is in suspend_data before it is reported
      recordInteractions(d);
      recordObjectives(d);
      recordScoreAndSuccess();
      if (!S.completed) writeProgress();
    }
    checkCompletion();
    if (!d.restored) commitNow();
  }

  /* ------------------------------------------------------------------ resume prompt */

  function removePrompt() {
    const box = document.getElementById("coursec-status");
    const prompt = box && box.querySelector(".cs-resume");
    if (prompt) prompt.parentNode.removeChild(prompt);
  }

  function resumeTo(i) {
    removePrompt();
    const el = S.elements[i];
    if (!el) return;
    // A jump, not the stylesheet's smooth scroll: an animation over a long page can be cut
    // short (a layout change, another scroll) and leave the learner part of the way there.
    el.scrollIntoView({ block: "start", behavior: "instant" });
    focusQuietly(headingOf(el));
    onScroll();
  }

  function focusPageHeading() {
    const main = document.getElementById("main") || document.body;
    focusQuietly(main.querySelector("h1, h2, h3, h4, h5, h6") || main);
  }

  function restartFromTop() {
    removePrompt();
    window.scrollTo({ top: 0, behavior: "instant" });
    focusPageHeading();
    onScroll();
  }

  function showResumePrompt(i) {
    injectStyle();
    const box = statusElement();
    const wrap = document.createElement("div");
    wrap.className = "cs-resume";
    wrap.setAttribute("role", "group");
    wrap.setAttribute("aria-label", fill(TEXT.resumeLabel, {}));
    const p = document.createElement("p");
    const title = (headingOf(S.elements[i]).textContent || "").replace(/\s+/g, " ").trim();
    p.textContent = fill(TEXT.welcome, { title: title || fill(TEXT.section, { n: i + 1 }) });
    const resume = document.createElement("button");
    resume.type = "button";
    resume.setAttribute("data-coursec-resume", "resume");
    resume.textContent = fill(TEXT.resume, {});
    resume.addEventListener("click", () => resumeTo(i));
    const restart = document.createElement("button");
    restart.type = "button";
    restart.setAttribute("data-coursec-resume", "restart");
    restart.textContent = fill(TEXT.restart, {});
    restart.addEventListener("click", restartFromTop);
    wrap.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        removePrompt();
        focusPageHeading(); // the focused button is gone: do not drop focus to <body>
      }
    });
    wrap.appendChild(p);
    wrap.appendChild(resume);
    wrap.appendChild(restart);
    box.appendChild(wrap);
  }

  /* ------------------------------------------------------------------ navigation between SCOs */
  /*
   * A SCO never loads another SCO's page itself: the LMS would lose track of the learner, and
   * the next page would call Initialize on an API that was already terminated.  So the page
   * names the previous and next modules in words that send the learner to the LMS's own
   * navigation ([data-coursec-nav] holds the words, [data-coursec-words], and a hidden button,
   * [data-coursec-go]), and mentions other modules in its body as plain text
   * ([data-coursec-choice] = the module id; config.activities maps it to the LMS activity).
   *
   * Under SCORM 2004, where the LMS answers "true" to adl.nav.request_valid.<request>, the button
   * replaces the words and a mention becomes a button: activating either sets adl.nav.request
   * ("continue", "previous" or "{target=<activity>}choice") and terminates, and the LMS delivers
   * the SCO asked for.  "unknown" and "false" leave the words.
   */

  function navRequest(kind, target) {
    return kind === "choice" ? "{target=" + target + "}choice" : kind;
  }

  function navValid(kind, target) {
    if (S.edition !== "2004" || !S.config.multiSco || !live() || S.finishing) return false;
    const element = kind === "choice"
      ? "adl.nav.request_valid.choice.{target=" + target + "}"
      : "adl.nav.request_valid." + kind;
    return getValue(element) === "true";
  }

  function choiceTarget(el) {
    const choices = S.config.activities || {};
    const id = el.getAttribute("data-coursec-choice");
    return Object.prototype.hasOwnProperty.call(choices, id) ? String(choices[id]) : "";
  }

  /** Show a pager step's button (offer) or its words (withdraw). */
  function showStep(step, offer) {
    const go = step.querySelector("[data-coursec-go]");
    const words = step.querySelector("[data-coursec-words]");
    if (!go || !words) return;
    go.hidden = !offer;
    words.hidden = offer;
  }

  /** Make a mention of another module a button that asks the LMS for it (or a mention again). */
  function showChoice(mention, offer) {
    const go = mention.querySelector("[data-coursec-go]");
    if (offer && !go) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "cs-xref__go";
      button.setAttribute("data-coursec-go", "");
      while (mention.firstChild) button.appendChild(mention.firstChild);
      button.addEventListener("click", () => navigate("choice", choiceTarget(mention), mention));
      mention.appendChild(button);
    } else if (!offer && go) {
      while (go.firstChild) mention.insertBefore(go.firstChild, go);
      mention.removeChild(go);
    }
  }

  function navigate(kind, target, origin) {
    if (!live()) return;
    if (navValid(kind, target) && setValue("adl.nav.request", navRequest(kind, target))) {
      setNotice(fill(TEXT.leaving, {}));
      document.querySelectorAll("[data-coursec-go]").forEach((go) => {
        go.disabled = true;
      });
      finish(); // Terminate: the LMS now delivers the SCO asked for
      return;
    }
    // the LMS changed its mind since the button was offered: back to words
    if (kind === "choice") showChoice(origin, false);
    else showStep(origin, false);
    const focusable = origin.querySelector("[data-coursec-words]") || origin;
    focusQuietly(focusable);
    setNotice(fill(TEXT.useLms, {}));
  }

  /** Offer the LMS navigation requests the LMS says are valid now (SCORM 2004 only). */
  function offerNavigation() {
    document.querySelectorAll("[data-coursec-nav]").forEach((step) => {
      const kind = step.getAttribute("data-coursec-nav");
      const go = step.querySelector("[data-coursec-go]");
      if (!go || (kind !== "continue" && kind !== "previous")) return;
      if (!go.hasAttribute("data-coursec-wired")) {
        go.setAttribute("data-coursec-wired", "");
        go.addEventListener("click", () => navigate(kind, "", step));
      }
      showStep(step, navValid(kind, ""));
    });
    document.querySelectorAll("[data-coursec-choice]").forEach((mention) => {
      const target = choiceTarget(mention);
      showChoice(mention, !!target && navValid("choice", target));
    });
  }

  /* ------------------------------------------------------------------ lifecycle */

  function onVisibility() {
    if (document.visibilityState === "hidden") {
      if (S.visibleSince !== null) {
        S.activeMs += now() - S.visibleSince;
        S.visibleSince = null;
      }
      if (live() && !S.finishing) {
        flushQuizState();
        writeSuspend();
        writeProgress();
        commitNow();
      }
    } else if (S.visibleSince === null) {
      S.visibleSince = now();
    }
  }

  function finish() {
    if (!S.connected || S.finished || S.finishing) return S.finished;
    S.finishing = true;
    if (S.commitTimer) clearTimeout(S.commitTimer);
    if (S.heartbeat) clearInterval(S.heartbeat);
    if (S.ticker) clearInterval(S.ticker);
    S.commitTimer = null;
    S.heartbeat = null;
    S.ticker = null;
    stopTracking();
    checkCompletion();
    flushQuizState();
    writeSuspend();
    writeProgress();
    // Chamilo and others have lost lesson_status after a commit: say it again before finishing.
    if (S.edition === "1.2" && S.statusWritten) setValue(S.dm.status, S.statusWritten);
    setValue(S.dm.sessionTime, S.edition === "2004"
      ? formatSessionTime2004(now() - S.startedAt)
      : formatSessionTime12(now() - S.startedAt));
    setValue(S.dm.exit, EXIT_VALUE);
    // No Commit here: Terminate/LMSFinish commits, and some LMSs reject a Commit during unload.
    const ok = callApi("finish", [""]) === "true";
    if (!ok) recordError("finish", "", lastError());
    S.finished = true;
    S.finishing = false;
    return ok;
  }

  function restoreState() {
    const raw = getValue(S.dm.suspend);
    if (!raw) return;
    const decoded = decodeState(raw, S.ids.length);
    if (!decoded) {
      S.dropped = "unreadable";
      return;
    }
    if (decoded.key !== String(S.config.stateKey).toLowerCase()) {
      S.dropped = "stale";
      return;
    }
    S.restored = true;
    S.viewed = decoded.viewed.map((v, i) => v || S.viewed[i]);
    S.restoredSeconds = decoded.seconds;
    S.extraFields = decoded.extra;
    S.lastSuspend = raw;
    restoreQuizSegments();
  }

  /**
   * The LMS's API: a cmi5 AU's comes from the cmi5 runtime (static/coursec-cmi5.js, loaded
   * before this script), which serves the SCORM 2004 data model over xAPI; else SCORM's own.
   */
  function connect() {
    const adapter = window.coursecLmsAdapter;
    const found = adapter && adapter.api
      ? { api: adapter.api, edition: adapter.edition === "1.2" ? "1.2" : "2004" }
      : findApi(S.config.edition === "2004" ? "2004" : "1.2");
    if (!found) {
      setNotice(fill(TEXT.noLms, {}));
      return false;
    }
    S.api = found.api;
    S.edition = found.edition;
    S.dm = DATA_MODEL[found.edition];
    if (callApi("init", [""]) !== "true") {
      recordError("init", "", lastError());
      setNotice(fill(TEXT.noConnect, {}));
      return false;
    }
    S.connected = true;
    return true;
  }

  function start() {
    if (S.startedAt) return; // initialise exactly once
    S.startedAt = now();
    S.visibleSince = document.visibilityState === "hidden" ? null : S.startedAt;
    const cfgEl = document.getElementById("coursec-sco");
    try {
      S.config = JSON.parse(cfgEl ? cfgEl.textContent : "null");
    } catch (e) {
      S.config = null;
    }
    if (!S.config || typeof S.config !== "object") return;
    S.ids = Array.isArray(S.config.sections) ? S.config.sections.map(String) : [];
    S.elements = S.ids.map((id) => document.getElementById(id));
    // a section missing from the page can never be scrolled to: do not let it block completion
    S.viewed = S.elements.map((el) => !el);
    S.edition = S.config.edition === "2004" ? "2004" : "1.2";
    S.dm = DATA_MODEL[S.edition];
    S.quizIds = Array.isArray(S.config.quiz) ? S.config.quiz.map((q) => String(q.id)) : [];
    restoreQuizSegments();
    document.addEventListener("coursec:quiz-submitted", onQuizSubmitted);

    if (connect()) {
      let wrote = false;
      S.entry = getValue(S.dm.entry);
      const mode = getValue(S.dm.mode);
      S.reviewMode = mode === "review" || mode === "browse";
      const status = getValue(S.dm.status);
      const fresh = status === "not attempted" || status === "unknown" || status === "";
      // 2004 answers 403 for a location/suspend_data that was never set: only read them when
      // there can be something to read.
      const mayHaveState = S.edition === "1.2" || S.entry === "resume" || !fresh;
      if (!S.reviewMode) {
        if (fresh) {
          // Start the bookmark at the first section, so that cmi.location is always set on a
          // later launch (2004 answers GetValue of a never-set location with error 403).
          const first = S.elements.findIndex(Boolean);
          if (first >= 0 && setValue(S.dm.location, locationFor(first))) {
            S.location = locationFor(first);
          }
          setValue(S.dm.status, "incomplete");
          S.statusWritten = "incomplete";
          if (S.dm.success) setValue(S.dm.success, "unknown");
          wrote = true;
        } else if (status === "completed" || status === "passed") {
          S.completed = true;
        } else if (S.edition === "1.2") {
          S.statusWritten = status;
        }
        if (setupObjectives()) wrote = true;
      }
      if (mayHaveState) {
        S.location = getValue(S.dm.location);
        S.bookmarkIndex = resolveLocation(S.location);
        restoreState();
      }
      if (!S.reviewMode) setValue(S.dm.exit, EXIT_VALUE);
      if (wrote) commitNow();
      S.heartbeat = setInterval(() => {
        if (!live()) return;
        writeSuspend();
        writeProgress();
        commitNow();
      }, HEARTBEAT_MS);
      if ((S.config.completion || {}).rule === "time" && !S.completed) {
        S.ticker = setInterval(checkCompletion, 1000);
      }
      window.addEventListener("pagehide", finish);
      window.addEventListener("pageshow", (ev) => {
        if (ev.persisted && S.finished) setNotice(fill(TEXT.restored, {}));
      });
      offerNavigation();
    }
    document.addEventListener("visibilitychange", onVisibility);
    startTracking();
    if (S.connected) {
      writeSuspend();
      if (!S.completed) writeProgress();
      checkCompletion();
      if ((S.entry === "resume" || S.location) && S.bookmarkIndex > 0) {
        showResumePrompt(S.bookmarkIndex);
      }
    }
  }

  window.coursecScorm = {
    get api() {
      return S.connected ? S.api : null;
    },
    get edition() {
      return S.connected ? S.edition : null;
    },
    state() {
      return {
        edition: S.edition,
        connected: S.connected,
        finished: S.finished,
        sco: S.config ? S.config.sco : null,
        entry: S.entry,
        sections: S.ids.slice(),
        viewed: S.ids.filter((_, i) => S.viewed[i]),
        current: S.current >= 0 ? S.ids[S.current] : null,
        location: S.location,
        completed: S.completed,
        progress: S.config ? progress() : 0,
        seconds: S.config ? secondsOnSco() : 0,
        restored: S.restored,
        dropped: S.dropped,
        suspendData: S.lastSuspend,
        errors: S.errors.slice(),
        calls: S.calls,
        quiz: {
          ids: S.quizIds.slice(),
          segments: S.quizSegments.slice(),
          results: JSON.parse(JSON.stringify(S.quizResults)),
          interactions: S.interactions,
        },
      };
    },
    quizStore: quizStore,
    finish: finish,
    formatSessionTime12: formatSessionTime12,
    formatSessionTime2004: formatSessionTime2004,
    formatMeasure: formatMeasure,
    encodeState: encodeState,
    decodeState: decodeState,
  };

  /** Start now, or once an adapter's LMS is ready (a cmi5 launch reads the LRS first). */
  function boot() {
    const ready = window.coursecLmsAdapter && window.coursecLmsAdapter.ready;
    if (ready && typeof ready.then === "function") ready.then(start, start);
    else start();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", boot);
  } else {
    boot();
  }
})();
