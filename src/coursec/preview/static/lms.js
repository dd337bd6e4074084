/* coursec preview's LMS simulator: a small SCORM 1.2 / 2004 LMS API for one SCO, with a panel.
 *
 * It plays what an LMS does for one learner: window.API (1.2) or window.API_1484_11 (2004) for
 * the SCO in #sco, the learner's data kept in localStorage between launches (a relaunch resumes
 * with it: entry, location, suspend_data, statuses, score, objectives), and a panel showing every
 * API call (arguments, return value, error code), the live CMI data and the suspend_data size
 * against the edition's limit. It flags what real LMSs reject or mishandle: calls before
 * Initialize or after Terminate, a second Initialize, values too long for SCORM 1.2, a status set
 * before the score. window.__calls holds the calls as {method, args, result, error} (error is
 * null for the error-reporting methods), the shape the tests' scorm-again harness records.
 */
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("lms-config").textContent);
  const is12 = config.edition === "1.2";
  const P = is12 ? "cmi.core." : "cmi.";
  const FN = is12
    ? { init: "LMSInitialize", finish: "LMSFinish", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit" }
    : { init: "Initialize", finish: "Terminate", get: "GetValue", set: "SetValue", commit: "Commit" };

  // --- the data model: element patterns, access, value rules ----------------------------------
  const CMI_TIME = /^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$/;
  const DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?)?$/;
  const DECIMAL = /^-?\d+(\.\d+)?$/;
  const any = () => true;
  const within = (lo, hi) => (v) => DECIMAL.test(v) && Number(v) >= lo && Number(v) <= hi;
  const oneOf = (...values) => (v) => values.includes(v);
  const text = (max) => ({ check: any, max });
  // [pattern, access ("r", "w", "rw"), check, max length (1.2: longer is an error)]
  const MODEL12 = [
    [/^cmi\.core\._children$/, "r"], [/^cmi\.core\.student_(id|name)$/, "r"],
    [/^cmi\.core\.lesson_location$/, "rw", any, 255], [/^cmi\.core\.credit$/, "r"],
    [/^cmi\.core\.lesson_status$/, "rw",
      oneOf("passed", "completed", "failed", "incomplete", "browsed")],
    [/^cmi\.core\.entry$/, "r"], [/^cmi\.core\.score\._children$/, "r"],
    [/^cmi\.core\.score\.(raw|min|max)$/, "rw", (v) => v === "" || within(0, 100)(v)],
    [/^cmi\.core\.total_time$/, "r"], [/^cmi\.core\.lesson_mode$/, "r"],
    [/^cmi\.core\.exit$/, "w", oneOf("time-out", "suspend", "logout", "")],
    [/^cmi\.core\.session_time$/, "w", (v) => CMI_TIME.test(v)],
    [/^cmi\.suspend_data$/, "rw", any, 4096], [/^cmi\.launch_data$/, "r"],
    [/^cmi\.comments$/, "rw", any, 4096], [/^cmi\.comments_from_lms$/, "r"],
    [/^cmi\.objectives\._(children|count)$/, "r"],
    [/^cmi\.objectives\.\d+\.id$/, "rw", any, 255],
    [/^cmi\.objectives\.\d+\.score\.(raw|min|max)$/, "rw", (v) => v === "" || within(0, 100)(v)],
    [/^cmi\.objectives\.\d+\.status$/, "rw",
      oneOf("passed", "completed", "failed", "incomplete", "browsed", "not attempted")],
    [/^cmi\.student_data\.(mastery_score|max_time_allowed|time_limit_action)$/, "r"],
    [/^cmi\.interactions\._(children|count)$/, "r"],
    [/^cmi\.interactions\.\d+\.(objectives|correct_responses)\._count$/, "r"],
    [/^cmi\.interactions\.\d+\.(id|objectives\.\d+\.id)$/, "w", any, 255],
    [/^cmi\.interactions\.\d+\.(time|type|weighting|result|latency)$/, "w", any],
    [/^cmi\.interactions\.\d+\.(student_response|correct_responses\.\d+\.pattern)$/, "w", any, 255],
  ];
  const MODEL2004 = [
    [/^cmi\._version$/, "r"], [/^cmi\.(learner_id|learner_name|credit|mode|entry)$/, "r"],
    [/^cmi\.(total_time|launch_data|completion_threshold|scaled_passing_score)$/, "r"],
    [/^cmi\.(max_time_allowed|time_limit_action)$/, "r"],
    [/^cmi\.location$/, "rw", any, 1000], [/^cmi\.suspend_data$/, "rw", any, 64000],
    [/^cmi\.completion_status$/, "rw", oneOf("completed", "incomplete", "not attempted", "unknown")],
    [/^cmi\.success_status$/, "rw", oneOf("passed", "failed", "unknown")],
    [/^cmi\.progress_measure$/, "rw", within(0, 1)],
    [/^cmi\.score\._children$/, "r"], [/^cmi\.score\.scaled$/, "rw", within(-1, 1)],
    [/^cmi\.score\.(raw|min|max)$/, "rw", (v) => DECIMAL.test(v)],
    [/^cmi\.exit$/, "w", oneOf("time-out", "suspend", "logout", "normal", "")],
    [/^cmi\.session_time$/, "w", (v) => DURATION.test(v)],
    [/^cmi\.objectives\._(children|count)$/, "r"],
    [/^cmi\.objectives\.\d+\.id$/, "rw", any, 4000],
    [/^cmi\.objectives\.\d+\.(success_status)$/, "rw", oneOf("passed", "failed", "unknown")],
    [/^cmi\.objectives\.\d+\.(completion_status)$/, "rw",
      oneOf("completed", "incomplete", "not attempted", "unknown")],
    [/^cmi\.objectives\.\d+\.score\.scaled$/, "rw", within(-1, 1)],
    [/^cmi\.objectives\.\d+\.score\.(raw|min|max)$/, "rw", (v) => DECIMAL.test(v)],
    [/^cmi\.objectives\.\d+\.(progress_measure)$/, "rw", within(0, 1)],
    [/^cmi\.objectives\.\d+\.description$/, "rw", any, 250],
    [/^cmi\.interactions\._(children|count)$/, "r"],
    [/^cmi\.interactions\.\d+\.(objectives|correct_responses)\._count$/, "r"],
    [/^cmi\.interactions\.\d+\.(id|type|timestamp|weighting|learner_response|result|latency|description)$/, "rw", any],
    [/^cmi\.interactions\.\d+\.(objectives\.\d+\.id|correct_responses\.\d+\.pattern)$/, "rw", any],
    [/^adl\.nav\.request$/, "rw", any], [/^adl\.nav\.request_valid\./, "r"],
  ];
  const MODEL = is12 ? MODEL12 : MODEL2004;
  const CHILDREN = is12 ? {
    "cmi.core._children": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time",
    "cmi.core.score._children": "raw,min,max",
    "cmi.objectives._children": "id,score,status",
    "cmi.interactions._children": "id,objectives,time,type,correct_responses,weighting,student_response,result,latency",
  } : {
    "cmi._version": "1.0",
    "cmi.score._children": "scaled,raw,min,max",
    "cmi.objectives._children": "id,score,success_status,completion_status,description",
    "cmi.interactions._children": "id,type,objectives,timestamp,correct_responses,weighting,learner_response,result,latency,description",
  };
  const ERR = is12 ? {
    ok: "0", general: "101", arg: "201", notInit: "301", notImpl: "401", badSet: "402",
    readOnly: "403", writeOnly: "404", type: "405", initTwice: "101", afterEnd: "101",
    endBefore: "301", endTwice: "101", getBefore: "301", setBefore: "301", commitBefore: "301",
    getAfter: "101", setAfter: "101", commitAfter: "101", undefined: "401", notSet: "0",
  } : {
    ok: "0", general: "101", arg: "201", notInit: "122", notImpl: "402", badSet: "351",
    readOnly: "404", writeOnly: "405", type: "406", initTwice: "103", afterEnd: "104",
    endBefore: "112", endTwice: "113", getBefore: "122", setBefore: "132", commitBefore: "142",
    getAfter: "123", setAfter: "133", commitAfter: "143", undefined: "401", notSet: "403",
    range: "407", dependency: "408",
  };
  const ERROR_TEXT = {
    "0": "No error", "101": "General exception", "103": "Already initialized",
    "104": "Content instance terminated", "112": "Termination before initialization",
    "113": "Termination after termination", "122": "Retrieve data before initialization",
    "123": "Retrieve data after termination", "132": "Store data before initialization",
    "133": "Store data after termination", "142": "Commit before initialization",
    "143": "Commit after termination", "201": "Invalid argument error",
    "301": is12 ? "Not initialized" : "General get failure", "351": "General set failure",
    "401": is12 ? "Not implemented error" : "Undefined data model element",
    "402": is12 ? "Invalid set value, element is a keyword" : "Unimplemented data model element",
    "403": is12 ? "Element is read only" : "Data model element value not initialized",
    "404": is12 ? "Element is write only" : "Data model element is read only",
    "405": is12 ? "Incorrect data type" : "Data model element is write only",
    "406": "Data model element type mismatch", "407": "Data model element value out of range",
    "408": "Data model dependency not established",
  };

  // --- the learner: what the LMS stores between launches -----------------------------------
  function fresh() {
    return is12 ? {
      "cmi.core.student_id": "preview-learner", "cmi.core.student_name": "Learner, Preview",
      "cmi.core.lesson_location": "", "cmi.core.credit": "credit",
      "cmi.core.lesson_status": "not attempted", "cmi.core.entry": "ab-initio",
      "cmi.core.score.raw": "", "cmi.core.score.min": "", "cmi.core.score.max": "",
      "cmi.core.total_time": "0000:00:00", "cmi.core.lesson_mode": "normal",
      "cmi.suspend_data": "", "cmi.launch_data": "", "cmi.comments": "",
      "cmi.comments_from_lms": "", "cmi.student_data.mastery_score": "",
      "cmi.student_data.max_time_allowed": "", "cmi.student_data.time_limit_action": "",
    } : {
      "cmi.learner_id": "preview-learner", "cmi.learner_name": "Learner, Preview",
      "cmi.location": "", "cmi.credit": "credit", "cmi.mode": "normal", "cmi.entry": "ab-initio",
      "cmi.completion_status": "unknown", "cmi.success_status": "unknown",
      "cmi.suspend_data": "", "cmi.total_time": "PT0H0M0S", "cmi.launch_data": "",
    };
  }
  function loadLearner() {
    try {
      const saved = JSON.parse(localStorage.getItem(config.key) || "null");
      if (saved && typeof saved === "object") return saved;
    } catch (e) { /* a broken record: a new learner */ }
    return fresh();
  }
  function saveLearner(data) {
    try { localStorage.setItem(config.key, JSON.stringify(data)); } catch (e) { /* full */ }
  }

  // what the next launch gets after a session that ended with `exit` (as LMSs do)
  function nextLaunch(data) {
    const next = Object.assign({}, data);
    const exit = next[P + "exit"] || "";
    const session = next[P + "session_time"];
    delete next[P + "exit"];
    delete next[P + "session_time"];
    if (session) next[P + "total_time"] = addTime(next[P + "total_time"], session);
    next[P + "entry"] = exit === "suspend" ? "resume" : exit === "" ? "ab-initio" : "";
    if (exit !== "suspend") {
      next[is12 ? "cmi.core.lesson_location" : "cmi.location"] = "";
      next["cmi.suspend_data"] = "";
    }
    return next;
  }
  function seconds(value) {
    if (CMI_TIME.test(value)) {
      const [h, m, s] = value.split(":");
      return Number(h) * 3600 + Number(m) * 60 + Number(s);
    }
    const m = /T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?/.exec(value || "") || [];
    return Number(m[1] || 0) * 3600 + Number(m[2] || 0) * 60 + Number(m[3] || 0);
  }
  function addTime(total, session) {
    const t = Math.round(seconds(total) + seconds(session));
    const h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60, s = t % 60;
    if (!is12) return `PT${h}H${m}M${s}S`;
    const two = (n) => String(n).padStart(2, "0");
    return `${String(h).padStart(4, "0")}:${two(m)}:${two(s)}`;
  }

  // --- one launch: the API the SCO talks to -------------------------------------------------
  const calls = [];
  const flags = [];
  window.__calls = calls;
  window.__flags = flags;
  let session = null;

  function flag(message) {
    flags.push(message);
    render();
  }

  class Session {
    constructor(data) {
      this.data = data;
      this.state = "new"; // "new" -> "running" -> "ended"
      this.error = ERR.ok;
      this.scoreSet = Boolean(data[P + "score.raw"] || data["cmi.score.scaled"]);
    }
    begin() {
      if (this.state === "running") { flag(`${FN.init} called a second time`); return this.fail(ERR.initTwice); }
      if (this.state === "ended") { flag(`${FN.init} called after ${FN.finish}`); return this.fail(ERR.afterEnd); }
      this.state = "running";
      return this.ok("true");
    }
    end() {
      if (this.state === "new") { flag(`${FN.finish} called before ${FN.init}`); return this.fail(ERR.endBefore); }
      if (this.state === "ended") { flag(`${FN.finish} called a second time`); return this.fail(ERR.endTwice); }
      this.state = "ended";
      saveLearner(nextLaunch(this.data));
      return this.ok("true");
    }
    commit() {
      if (this.state !== "running") return this.early(FN.commit, ERR.commitBefore, ERR.commitAfter);
      saveLearner(Object.assign(loadLearner(), this.data));
      return this.ok("true");
    }
    get(element) {
      if (this.state !== "running") { this.early(FN.get, ERR.getBefore, ERR.getAfter); return ""; }
      element = String(element);
      if (element === "") { this.error = is12 ? ERR.arg : "301"; return ""; }
      if (element in CHILDREN) return this.ok(CHILDREN[element]);
      if (element.startsWith("adl.nav.request_valid.")) return this.ok("unknown");
      const rule = MODEL.find(([pattern]) => pattern.test(element));
      if (!rule) { this.error = is12 ? ERR.notImpl : ERR.undefined; return ""; }
      if (rule[1] === "w") { this.error = ERR.writeOnly; return ""; }
      const counted = /^(.*)\._count$/.exec(element);
      if (counted) return this.ok(String(this.count(counted[1])));
      if (element in this.data) return this.ok(this.data[element]);
      if (element === "adl.nav.request") return this.ok("_none_");
      this.error = ERR.notSet;
      return "";
    }
    set(element, value) {
      if (this.state !== "running") return this.early(FN.set, ERR.setBefore, ERR.setAfter);
      element = String(element);
      value = String(value);
      const rule = MODEL.find(([pattern]) => pattern.test(element));
      if (!rule) return this.fail(is12 ? (element.endsWith("._children") || element.endsWith("._count") ? ERR.badSet : ERR.notImpl) : ERR.undefined);
      if (rule[1] === "r") return this.fail(ERR.readOnly);
      const [, , check, max] = rule;
      if (max !== undefined && value.length > max) {
        if (is12) {
          flag(`${element}: ${value.length} characters, more than SCORM 1.2 allows (${max})`);
          return this.fail(ERR.type);
        }
      }
      if (check && !check(value)) return this.fail(ERR.type);
      const indexed = /^(cmi\.(?:objectives|interactions))\.(\d+)\.(.*)$/.exec(element);
      if (indexed) {
        const [, list, n, rest] = indexed;
        const count = this.count(list);
        if (Number(n) > count) return this.fail(is12 ? ERR.arg : "351");
        if (Number(n) === count && rest !== "id") return this.fail(is12 ? ERR.arg : ERR.dependency);
        const inner = /^(objectives|correct_responses)\.(\d+)\./.exec(rest);
        if (inner && Number(inner[2]) > this.count(`${list}.${n}.${inner[1]}`)) {
          return this.fail(is12 ? ERR.arg : "351");
        }
      }
      this.watchOrder(element, value);
      this.data[element] = value;
      render();
      return this.ok("true");
    }
    // a status that depends on the score, set before the score: LMSs that grade on it miss it
    watchOrder(element, value) {
      if (/score\.(raw|scaled)$/.test(element) && !element.includes("objectives")) this.scoreSet = true;
      const status = is12 ? "cmi.core.lesson_status" : "cmi.success_status";
      if (element === status && (value === "passed" || value === "failed") && !this.scoreSet) {
        flag(`${element} set to "${value}" before a score was set`);
      }
    }
    count(list) {
      let n = 0;
      const prefix = list + ".";
      for (const key of Object.keys(this.data)) {
        if (!key.startsWith(prefix)) continue;
        const m = /^(\d+)\./.exec(key.slice(prefix.length));
        if (m) n = Math.max(n, Number(m[1]) + 1);
      }
      return n;
    }
    early(method, before, after) {
      flag(`${method} called ${this.state === "new" ? "before " + FN.init : "after " + FN.finish}`);
      return this.fail(this.state === "new" ? before : after);
    }
    ok(result) { this.error = ERR.ok; return result; }
    fail(code) { this.error = code; return "false"; }
  }

  function recorded(own, method, run, reportsError) {
    return (...args) => {
      const result = run(...args);
      const entry = { method, args: args.map(String), result: String(result), error: reportsError ? null : own.error };
      calls.push(entry);
      render();
      return result;
    };
  }

  // the API of one launch: a SCO still unloading from an earlier launch talks to its own session
  function makeApi(own) {
    const s = () => own;
    const errors = is12
      ? ["LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"]
      : ["GetLastError", "GetErrorString", "GetDiagnostic"];
    const names = [FN.init, FN.finish, FN.get, FN.set, FN.commit, ...errors];
    const impl = [
      () => s().begin(), () => s().end(), (e) => s().get(e), (e, v) => s().set(e, v),
      () => s().commit(), () => s().error, (c) => ERROR_TEXT[String(c)] || "",
      (c) => ERROR_TEXT[String(c === "" || c === undefined ? s().error : c)] || "",
    ];
    const api = {};
    names.forEach((name, i) => { api[name] = recorded(own, name, impl[i], i >= 5); });
    return api;
  }

  // --- launching, relaunching, leaving ------------------------------------------------------
  const frame = document.getElementById("sco");
  const exited = document.getElementById("lms-exited");

  function launch() {
    session = new Session(loadLearner());
    const api = makeApi(session);
    if (is12) window.API = api; else window.API_1484_11 = api;
    exited.hidden = true;
    frame.hidden = false;
    frame.src = config.launch;
    render();
  }

  function leave(then) {
    // unloading the SCO's page lets it Terminate; then the stored data is what the LMS keeps
    frame.src = "about:blank";
    setTimeout(() => {
      if (session && session.state === "running") flag(`the SCO was unloaded without ${FN.finish}`);
      if (session && session.state !== "ended") saveLearner(Object.assign(loadLearner(), session.data));
      then();
    }, 300);
  }

  document.getElementById("lms-relaunch").addEventListener("click", () => leave(launch));
  document.getElementById("lms-reset").addEventListener("click", () => leave(() => {
    localStorage.removeItem(config.key);
    calls.length = 0;
    flags.length = 0;
    launch();
  }));
  document.getElementById("lms-exit").addEventListener("click", () => leave(() => {
    frame.hidden = true;
    exited.hidden = false;
    render();
  }));

  // --- the panel ----------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  let pending = false;
  function render() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  }
  function item(list, content, className) {
    const li = document.createElement("li");
    li.textContent = content;
    if (className) li.className = className;
    list.appendChild(li);
  }
  function draw() {
    if (!session) return;
    const d = session.data;
    $("lms-edition").textContent = `SCORM ${config.edition}`;
    const rows = is12 ? [
      ["status", d["cmi.core.lesson_status"]], ["score", d["cmi.core.score.raw"]],
      ["location", d["cmi.core.lesson_location"]], ["entry", d["cmi.core.entry"]],
      ["exit", d["cmi.core.exit"]], ["total time", d["cmi.core.total_time"]],
      ["session time", d["cmi.core.session_time"]],
    ] : [
      ["completion", d["cmi.completion_status"]], ["success", d["cmi.success_status"]],
      ["score", d["cmi.score.scaled"] !== undefined ? `${d["cmi.score.raw"]} (scaled ${d["cmi.score.scaled"]})` : d["cmi.score.raw"]],
      ["progress", d["cmi.progress_measure"]], ["location", d["cmi.location"]],
      ["entry", d["cmi.entry"]], ["exit", d["cmi.exit"]], ["total time", d["cmi.total_time"]],
      ["session time", d["cmi.session_time"]],
    ];
    const dl = $("lms-cmi");
    dl.replaceChildren();
    rows.forEach(([name, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.textContent = value === undefined || value === "" ? "—" : value;
      dd.dataset.field = name;
      dl.append(dt, dd);
    });
    const used = (d["cmi.suspend_data"] || "").length;
    const meter = $("lms-suspend");
    meter.max = config.suspendLimit;
    meter.high = config.suspendLimit * 0.8;
    meter.value = used;
    $("lms-suspend-text").textContent = `${used} of ${config.suspendLimit} characters`;
    const objectives = $("lms-objectives");
    objectives.replaceChildren();
    for (let i = 0; i < session.count("cmi.objectives"); i++) {
      const o = `cmi.objectives.${i}.`;
      const status = is12 ? d[o + "status"] : `${d[o + "success_status"] || "unknown"}, ${d[o + "completion_status"] || "unknown"}`;
      item(objectives, `${d[o + "id"]}: ${status}${d[o + "score.raw"] ? `, score ${d[o + "score.raw"]}` : ""}`);
    }
    const interactions = $("lms-interactions");
    interactions.replaceChildren();
    for (let i = 0; i < session.count("cmi.interactions"); i++) {
      const n = `cmi.interactions.${i}.`;
      const response = d[n + (is12 ? "student_response" : "learner_response")];
      item(interactions, `${d[n + "id"]} (${d[n + "type"] || "?"}): ${d[n + "result"] || "?"}, answered ${JSON.stringify(response || "")}`);
    }
    if (!objectives.children.length) item(objectives, "none yet", "lms-none");
    if (!interactions.children.length) item(interactions, "none yet", "lms-none");
    const flagList = $("lms-flags");
    flagList.replaceChildren();
    if (!flags.length) item(flagList, "nothing so far", "lms-none");
    flags.forEach((f) => item(flagList, f));
    const callList = $("lms-calls");
    callList.replaceChildren();
    calls.forEach((c) => {
      const error = c.error === null ? "" : ` [error ${c.error}]`;
      item(callList, `${c.method}(${c.args.map((a) => JSON.stringify(a)).join(", ")}) → ${JSON.stringify(c.result)}${error}`,
        c.error && c.error !== "0" ? "lms-error" : "");
    });
    callList.scrollTop = callList.scrollHeight; // the latest call in view
  }

  window.__lms = { get session() { return session; }, launch, relaunch: () => leave(launch) };
  launch();
})();
