/*! coursec knowledge checks: scored in the browser, offline, with or without an LMS. MIT licence. */
/*
 * Enhances every <section class="cs-quiz"> of the page (rendered by templates/_quiz.html.j2, with
 * its data in <script type="application/json" class="cs-quiz-data">, made by coursec/quiz.py).
 * Each question is handled by its kind, KINDS[type] below, which reads the controls of the
 * kind's partial (templates/questions/<type>.html.j2) and the data of its module
 * (coursec/questions/).
 * The author's feedback is in each question's <template data-feedback-result="correct|incorrect">
 * and <template data-feedback-choice="<choice id>">, as HTML sanitized at build time: it is
 * shown by copying those nodes, and no HTML is ever parsed from a string here.
 *
 * Attempts.  Each attempt has a number (1, 2, ...).  Shuffled questions and choices, and the
 * questions drawn from the pool, come from a seed = hash(quiz seed + attempt number): a reload
 * shows the same attempt the same way, "Try again" starts the next number and a new arrangement.
 * The attempt, its answers and whether it was checked are saved after every change:
 *
 *   - inside an LMS, through the SCORM runtime (window.coursecScorm.quizStore(quizId), which keeps
 *     the segment in cmi.suspend_data; exporters/scorm/state.py budgets its worst case; in a cmi5
 *     AU the cmi5 runtime keeps that in the LRS, and both runtimes start before this one);
 *   - otherwise in localStorage ("coursec-quiz:<course>:<quiz>"), tied to a hash of the quiz data
 *     so that a changed quiz starts afresh.
 *
 * Saved segment (never contains "~", "|" or ";" except as the separators below):
 *
 *     <attempt><o|s>:<answer 1>;<answer 2>;...;<answer n>
 *
 *   attempt    base 36, at most 4 digits; "o" open (being answered) or "s" submitted (checked)
 *   answer i   of the i-th question of the pool (source order), empty when not answered, as
 *              its kind encodes it (KINDS below)
 *
 * When an attempt is checked the quiz dispatches a bubbling "coursec:quiz-submitted" CustomEvent
 * on its <section> with the score, per-question results and SCORM responses of both editions
 * (see submittedDetail); a restored, already-checked attempt dispatches it with restored: true.
 *
 * Public surface (tests and debugging only): window.coursecQuiz.
 */
(() => {
  "use strict";

  if (window.coursecQuiz) return;

  const STORE_PREFIX = "coursec-quiz:";
  const MAX_ATTEMPT = 1679615; // "zzzz": 4 base-36 digits
  const ESCAPED = "%~|;";
  const LIMITS = { "1.2": 255, "2004": 250, "2004-long": 4000 };

  /**
   * The quiz's messages, in its module's language: the `text` of its data, from coursec's
   * catalogs (coursec.quiz.QUIZ_MESSAGES). `%(name)s` is filled in; a message with a count has
   * one form per plural form of the language, and `plural` says which form counts 0 to 199 take
   * (a larger count takes that of 100 + count % 100).
   */
  function messages(text) {
    const fill = (s, v) => s.replace(/%\((\w+)\)s|%%/g, (m, k) => (k ? String(v[k]) : "%"));
    const count = (m, n) => {
      const i = text.plural[n < 200 ? n : 100 + (n % 100)];
      return fill(m.forms[Math.min(i, m.forms.length - 1)], { num: n });
    };
    return {
      correct: fill(text.correct, {}),
      incorrect: fill(text.incorrect, {}),
      noAnswer: fill(text.noAnswer, {}),
      answerFirst: fill(text.answerFirst, {}),
      question: (n, total) => fill(text.question, { n: n, count: total }),
      points: (p) => fill(text.points, { points: p }),
      score: (raw, max, pct) => fill(text.score, { raw: raw, max: max, pct: pct }),
      passed: (mark) => fill(text.passed, { mark: mark }),
      failed: (mark) => fill(text.failed, { mark: mark }),
      left: (n) => count(text.left, n),
      usedAll: (n) => count(text.usedAll, n),
      retry: fill(text.retry, {}),
      attemptStarted: (n, max) =>
        max ? fill(text.attemptOf, { n: n, max: max }) : fill(text.attempt, { n: n }),
      outcome: (n) => fill(text.outcome, { n: n }),
    };
  }

  /* ------------------------------------------------------------------ seeded arrangement */

  /** FNV-1a, 32 bits, over UTF-16 code units. */
  function hash32(str) {
    let h = 0x811c9dc5;
    for (let i = 0; i < str.length; i += 1) {
      h ^= str.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
  }

  /** mulberry32: a small, well-mixed PRNG; returns numbers in [0, 1). */
  function prng(seed) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function shuffled(list, random) {
    const out = list.slice();
    for (let i = out.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  function seedFor(seed, attempt, part) {
    return hash32(String(seed) + "#" + attempt + (part ? "#" + part : ""));
  }

  /**
   * The arrangement of one attempt: `order`, the indexes of the questions shown (pool order
   * unless shuffled), and `choices`, each shuffled question's choice ids in display order.
   */
  function layout(data, attempt) {
    const pool = data.questions.map((_, i) => i);
    const draw = Math.max(1, Math.min(Number(data.draw) || pool.length, pool.length));
    let order = pool;
    if (draw < pool.length || data.shuffleQuestions) {
      order = shuffled(pool, prng(seedFor(data.seed, attempt))).slice(0, draw);
      if (!data.shuffleQuestions) order.sort((a, b) => a - b);
    }
    const choices = {};
    if (data.shuffleChoices) {
      data.questions.forEach((q) => {
        if (q.choices) {
          choices[q.id] = shuffled(
            q.choices.map((c) => c.id),
            prng(seedFor(data.seed, attempt, q.id)),
          );
        }
      });
    }
    return { order: order, choices: choices };
  }

  /* ------------------------------------------------------------------ encodings */

  function normalize(text) {
    return String(text || "").replace(/\s+/g, "").toLowerCase();
  }

  function truncateUnits(text, limit) {
    let out = String(text).slice(0, limit);
    const last = out.charCodeAt(out.length - 1);
    if (out.length && last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
    return out;
  }

  /** Join parts with sep, leaving out whole parts that would pass limit characters. */
  function joinWithin(parts, sep, limit) {
    let out = "";
    for (let i = 0; i < parts.length; i += 1) {
      const next = out ? out + sep + parts[i] : parts[i];
      if (next.length > limit) break;
      out = next;
    }
    return out;
  }

  function fillInText(text, v12, limit) {
    let t = String(text).replace(/[\r\n\t]+/g, " ");
    if (!v12) t = t.split("[,]").join(",").split("[.]").join(".").replace(/^\{+/, "");
    return truncateUnits(t, limit);
  }

  function fixed(n, width) {
    let s = n.toString(36);
    while (s.length < width) s = "0" + s;
    return s;
  }

  function hex4(code) {
    const s = code.toString(16);
    return "0000".slice(s.length) + s;
  }

  function escapeUnits(text) {
    let out = "";
    for (let i = 0; i < text.length; i += 1) {
      const ch = text.charAt(i);
      const code = text.charCodeAt(i);
      out += code >= 0x20 && code <= 0x7e && ESCAPED.indexOf(ch) < 0 ? ch : "%" + hex4(code);
    }
    return out;
  }

  function unescapeUnits(text) {
    if (/%(?![0-9a-f]{4})/.test(text)) return null;
    return text.replace(/%([0-9a-f]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  }

  /** Picks of `values` (one per slot, "" for none) as their index + 1 in base 36, each of the
   *  width of the largest. */
  function encodePicks(picks, values) {
    const width = values.length.toString(36).length;
    return picks.map((p) => fixed(values.indexOf(p) + 1, width)).join("");
  }

  /** `count` picks of `values` back from encodePicks; undefined when `s` is not such a list. */
  function decodePicks(s, count, values) {
    const width = values.length.toString(36).length;
    if (!/^[0-9a-z]+$/.test(s) || s.length !== count * width) return undefined;
    const picks = [];
    for (let i = 0; i < count; i += 1) {
      const k = parseInt(s.substr(i * width, width), 36);
      picks.push(k >= 1 && k <= values.length ? values[k - 1] : "");
    }
    return picks;
  }

  /** The responses of picked choices: 1.2 names them by their one-character keys. */
  function choiceResponse(chosen) {
    return {
      "1.2": joinWithin(chosen.map((c) => c.key12), ",", LIMITS["1.2"]),
      "2004": chosen.map((c) => c.id).join("[,]"),
    };
  }

  /* ------------------------------------------------------------------ kinds of question */

  /**
   * What the runtime does for each kind of question, by its type. A kind's other parts are its
   * module in coursec/questions/ (its data here, its correct responses, the width its saved
   * answer is budgeted) and its controls, templates/questions/<type>.html.j2.
   *
   *   answered(q, v)   whether v is an answer at all (nothing chosen is none)
   *   correct(q, v)    whether an answer is right
   *   picked(q, v)     the choices an answer picks, whose feedback is shown (choice kinds only)
   *   response(q, v)   an answer as SCORM learner responses: { "1.2": ..., "2004": ... }; 1.2
   *                    uses "," and "." with one-character ids, 2004 "[,]" and "[.]" with the
   *                    question's own ids
   *   encode(q, v)     an answer in the saved segment; decode(q, s) reads it back (undefined
   *                    when s does not fit the question)
   *   read(field, q)   the answer the question's controls hold; write(field, q, v) sets them
   *                    (to nothing when v is undefined)
   */
  const KINDS = {};

  /** Saved: the chosen choice's index (source order) in base 36. */
  KINDS["single-choice"] = {
    answered: (q, v) => typeof v === "string" && v !== "",
    correct: (q, v) => q.choices.some((c) => c.correct && c.id === v),
    picked: (q, v) => q.choices.filter((c) => c.id === v),
    response: (q, v) => choiceResponse(q.choices.filter((c) => c.id === v)),
    encode(q, v) {
      const i = q.choices.findIndex((c) => c.id === v);
      return i < 0 ? "" : i.toString(36);
    },
    decode(q, s) {
      const i = /^[0-9a-z]+$/.test(s) ? parseInt(s, 36) : -1;
      return i >= 0 && i < q.choices.length ? q.choices[i].id : undefined;
    },
    read(field) {
      const checked = field.querySelector("input[type=radio]:checked");
      return checked ? checked.value : undefined;
    },
    write(field, q, v) {
      field.querySelectorAll("input[type=radio]").forEach((i) => {
        i.checked = v === i.value;
      });
    },
  };

  /** Saved: the ticked choices as a bitset in hex, ceil(n / 4) digits for n choices; choice i
   *  is bit i % 4 of digit i / 4. */
  KINDS["multiple-response"] = {
    answered: (q, v) => Array.isArray(v) && v.length > 0,
    correct: (q, v) => q.choices.every((c) => c.correct === (v.indexOf(c.id) >= 0)),
    picked: (q, v) => q.choices.filter((c) => Array.isArray(v) && v.indexOf(c.id) >= 0),
    response: (q, v) => choiceResponse(q.choices.filter((c) => v.indexOf(c.id) >= 0)),
    encode(q, v) {
      let out = "";
      for (let d = 0; d * 4 < q.choices.length; d += 1) {
        let digit = 0;
        for (let b = 0; b < 4 && d * 4 + b < q.choices.length; b += 1) {
          if (v.indexOf(q.choices[d * 4 + b].id) >= 0) digit |= 1 << b;
        }
        out += digit.toString(16);
      }
      return out;
    },
    decode(q, s) {
      if (!/^[0-9a-f]+$/.test(s) || s.length !== Math.ceil(q.choices.length / 4)) return undefined;
      const ids = q.choices
        .filter((_, i) => (parseInt(s.charAt(Math.floor(i / 4)), 16) & (1 << (i % 4))) !== 0)
        .map((c) => c.id);
      return ids.length ? ids : undefined;
    },
    read(field, q) {
      const on = {};
      field.querySelectorAll("input[type=checkbox]:checked").forEach((i) => {
        on[i.value] = true;
      });
      return q.choices.filter((c) => on[c.id]).map((c) => c.id);
    },
    write(field, q, v) {
      field.querySelectorAll("input[type=checkbox]").forEach((i) => {
        i.checked = Array.isArray(v) && v.indexOf(i.value) >= 0;
      });
    },
  };

  /** Saved: "t" or "f". */
  KINDS["true-false"] = {
    answered: (q, v) => v === true || v === false,
    correct: (q, v) => v === q.answer,
    response: (q, v) => ({ "1.2": v ? "t" : "f", "2004": v ? "true" : "false" }),
    encode: (q, v) => (v ? "t" : "f"),
    decode: (q, s) => (s === "t" ? true : s === "f" ? false : undefined),
    read(field) {
      const checked = field.querySelector("input[type=radio]:checked");
      return checked ? checked.value === "true" : undefined;
    },
    write(field, q, v) {
      field.querySelectorAll("input[type=radio]").forEach((i) => {
        i.checked = v === (i.value === "true");
      });
    },
  };

  /** An answer maps left ids to right ids. Saved: per left item, the chosen right item's
   *  display index + 1 (0: none) in base 36, all of one width (the digits of the count). */
  KINDS["matching"] = {
    answered: (q, v) => !!v && q.lefts.some((l) => !!v[l]),
    correct: (q, v) => q.lefts.every((l) => v[l] === q.matches[l]),
    response(q, v) {
      const pairs = q.lefts.filter((l) => v[l]);
      return {
        "1.2": joinWithin(pairs.map((l) => l + "." + v[l]), ",", LIMITS["1.2"]),
        "2004": pairs.map((l) => l + "[.]" + v[l]).join("[,]"),
      };
    },
    encode: (q, v) => encodePicks(q.lefts.map((l) => v[l]), q.rights),
    decode(q, s) {
      const picks = decodePicks(s, q.lefts.length, q.rights);
      if (!picks) return undefined;
      const out = {};
      q.lefts.forEach((l, i) => {
        if (picks[i]) out[l] = picks[i];
      });
      return out;
    },
    read(field) {
      const out = {};
      field.querySelectorAll("select[data-left]").forEach((s) => {
        if (s.value) out[s.getAttribute("data-left")] = s.value;
      });
      return out;
    },
    write(field, q, v) {
      field.querySelectorAll("select[data-left]").forEach((s) => {
        s.value = (v && v[s.getAttribute("data-left")]) || "";
      });
    },
  };

  /** An answer lists the item chosen at each step ("" for none). Saved: per step, the chosen
   *  item's display index + 1 (0: none) in base 36, all of one width. */
  KINDS["ordering"] = {
    answered: (q, v) => Array.isArray(v) && v.some(Boolean),
    correct: (q, v) => q.order.length === v.length && q.order.every((id, i) => v[i] === id),
    response(q, v) {
      const steps = v.filter(Boolean);
      return { "1.2": joinWithin(steps, ",", LIMITS["1.2"]), "2004": steps.join("[,]") };
    },
    encode: (q, v) => encodePicks(q.order.map((_, i) => v[i] || ""), q.options),
    decode: (q, s) => decodePicks(s, q.order.length, q.options),
    read(field, q) {
      const out = q.order.map(() => "");
      field.querySelectorAll("select[data-step]").forEach((s) => {
        out[Number(s.getAttribute("data-step"))] = s.value;
      });
      return out;
    },
    write(field, q, v) {
      field.querySelectorAll("select[data-step]").forEach((s) => {
        s.value = (Array.isArray(v) && v[Number(s.getAttribute("data-step"))]) || "";
      });
    },
  };

  /** Right when it is an accepted answer, case and spacing ignored. Saved: the text, each char
   *  outside printable ASCII and each of "%~|;" written as "%" + 4 hex digits of its UTF-16
   *  unit. */
  KINDS["short-text"] = {
    answered: (q, v) => typeof v === "string" && normalize(v) !== "",
    correct: (q, v) => q.accept.some((a) => normalize(a) === normalize(v)),
    response(q, v) {
      const long = q.scorm.type["2004"] === "long-fill-in";
      return {
        "1.2": fillInText(v, true, LIMITS["1.2"]),
        "2004": fillInText(v, false, long ? LIMITS["2004-long"] : LIMITS["2004"]),
      };
    },
    encode: (q, v) => escapeUnits(truncateUnits(v, q.maxLength)),
    decode(q, s) {
      const text = unescapeUnits(s);
      return text === null ? undefined : truncateUnits(text, q.maxLength);
    },
    read(field) {
      const input = field.querySelector("input[type=text]");
      return input ? input.value : undefined;
    },
    write(field, q, v) {
      const text = field.querySelector("input[type=text]");
      if (text) text.value = typeof v === "string" ? v : "";
    },
  };

  /* ------------------------------------------------------------------ answers */

  function isAnswered(q, v) {
    return KINDS[q.type].answered(q, v);
  }

  function isCorrect(q, v) {
    return isAnswered(q, v) && KINDS[q.type].correct(q, v);
  }

  /** The choices an answer picks, in source order (only choice kinds have any). */
  function picked(q, v) {
    const kind = KINDS[q.type];
    return kind.picked ? kind.picked(q, v) : [];
  }

  /** The learner's response in both editions' formats ("" when nothing was answered). */
  function responses(q, v) {
    return isAnswered(q, v) ? KINDS[q.type].response(q, v) : { "1.2": "", "2004": "" };
  }

  function encodeAnswer(q, v) {
    return isAnswered(q, v) ? KINDS[q.type].encode(q, v) : "";
  }

  /** An answer back from its encoding; undefined when it does not fit the question. */
  function decodeAnswer(q, s) {
    return s === "" ? undefined : KINDS[q.type].decode(q, s);
  }

  function readAnswer(field, q) {
    return KINDS[q.type].read(field, q);
  }

  function writeAnswer(field, q, v) {
    KINDS[q.type].write(field, q, v);
  }

  /* ------------------------------------------------------------------ saved state */

  function encodeState(data, state) {
    const head = Math.min(state.attempt, MAX_ATTEMPT).toString(36) + (state.submitted ? "s" : "o");
    return head + ":" + data.questions.map((q) => encodeAnswer(q, state.answers[q.id])).join(";");
  }

  /** {attempt, submitted, answers} from a saved segment, or null when it is not one of ours. */
  function decodeState(data, str) {
    const m = /^([0-9a-z]{1,4})([os]):([\s\S]*)$/.exec(typeof str === "string" ? str : "");
    if (!m) return null;
    const attempt = parseInt(m[1], 36);
    const parts = m[3].split(";");
    if (attempt < 1 || parts.length !== data.questions.length) return null;
    if (data.attempts > 0 && attempt > data.attempts) return null;
    const answers = {};
    data.questions.forEach((q, i) => {
      const v = decodeAnswer(q, parts[i]);
      if (v !== undefined) answers[q.id] = v;
    });
    return { attempt: attempt, submitted: m[2] === "s", answers: answers };
  }

  /* ------------------------------------------------------------------ storage */

  function localStore(data, dataText) {
    const key = STORE_PREFIX + data.courseId + ":" + data.id;
    const stamp = hash32(dataText).toString(36) + "/";
    let storage = null;
    try {
      storage = window.localStorage;
      storage.getItem(key);
    } catch (e) {
      storage = null; // blocked (privacy settings, sandboxed frame): nothing is kept
    }
    return {
      kind: "local",
      load() {
        try {
          const raw = storage ? storage.getItem(key) : null;
          return raw && raw.indexOf(stamp) === 0 ? raw.slice(stamp.length) : "";
        } catch (e) {
          return "";
        }
      },
      save(segment) {
        try {
          if (storage) storage.setItem(key, stamp + segment);
        } catch (e) {
          // quota or privacy mode: the attempt still works, it just is not kept
        }
      },
    };
  }

  function lmsStore(quizId) {
    const scorm = window.coursecScorm;
    if (!scorm || typeof scorm.quizStore !== "function") return null;
    try {
      const store = scorm.quizStore(quizId);
      return store && typeof store.load === "function" && typeof store.save === "function"
        ? { kind: "lms", load: () => String(store.load() || ""), save: (s) => store.save(s) }
        : null;
    } catch (e) {
      return null;
    }
  }

  /* ------------------------------------------------------------------ DOM helpers */

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fieldOf(root, q) {
    return root.querySelector('fieldset[data-question="' + q.id + '"]');
  }

  /** A copy of the feedback the author wrote for `value` (a template of the field), or null. */
  function authored(field, attribute, value) {
    const source = field.querySelector("template[" + attribute + '="' + value + '"]');
    return source && source.content ? source.content.cloneNode(true) : null;
  }

  /** Append " " and the question's feedback for its result, when the author wrote one. */
  function appendGeneral(node, field, correct) {
    const copy = authored(field, "data-feedback-result", correct ? "correct" : "incorrect");
    if (!copy) return;
    node.appendChild(document.createTextNode(" "));
    node.appendChild(copy);
  }

  /* ------------------------------------------------------------------ one knowledge check */

  function Quiz(root) {
    const dataEl = root.querySelector("script.cs-quiz-data");
    const dataText = dataEl ? dataEl.textContent : "";
    this.root = root;
    this.data = JSON.parse(dataText);
    this.text = messages(this.data.text);
    this.form = root.querySelector("form.cs-quiz__form");
    this.list = root.querySelector(".cs-quiz__questions");
    this.result = root.querySelector(".cs-quiz__result");
    this.check = root.querySelector(".cs-quiz__check");
    this.retry = root.querySelector(".cs-quiz__retry");
    this.store = lmsStore(this.data.id) || localStore(this.data, dataText);
    this.state = { attempt: 1, submitted: false, answers: {} };
    this.arrangement = null;
    this.startedAt = Date.now();
    this.changedAt = {};
    this.last = null; // the detail of the last check
  }

  Quiz.prototype.start = function start() {
    const saved = decodeState(this.data, this.store.load());
    if (saved) this.state = saved;
    this.arrange();
    this.data.questions.forEach((q) => {
      const field = fieldOf(this.root, q);
      if (field) writeAnswer(field, q, this.state.answers[q.id]);
    });
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.retry.addEventListener("click", () => this.tryAgain());
    this.form.addEventListener("change", (ev) => this.onInput(ev));
    this.form.addEventListener("input", (ev) => this.onInput(ev));
    this.root.querySelector(".cs-quiz__actions").hidden = false;
    if (this.state.submitted) {
      this.showResults(this.grade(), false);
      this.dispatch(true);
    } else {
      this.setControls();
    }
    this.save();
  };

  Quiz.prototype.onInput = function onInput(ev) {
    if (this.state.submitted) return;
    const field = ev.target && ev.target.closest ? ev.target.closest("fieldset") : null;
    const id = field ? field.getAttribute("data-question") : null;
    const q = this.data.questions.find((x) => x.id === id);
    if (!q) return;
    const v = readAnswer(field, q);
    if (isAnswered(q, v)) this.state.answers[q.id] = v;
    else delete this.state.answers[q.id];
    this.changedAt[q.id] = Date.now();
    this.save();
  };

  Quiz.prototype.save = function save() {
    this.store.save(encodeState(this.data, this.state));
  };

  Quiz.prototype.attemptsUsed = function attemptsUsed() {
    return this.state.submitted ? this.state.attempt : this.state.attempt - 1;
  };

  /** Put the questions and choices of the current attempt in order; hide undrawn questions. */
  Quiz.prototype.arrange = function arrange() {
    const data = this.data;
    this.arrangement = layout(data, this.state.attempt);
    const shown = {};
    this.arrangement.order.forEach((index, n) => {
      const q = data.questions[index];
      const field = fieldOf(this.root, q);
      if (!field) return;
      shown[q.id] = true;
      field.hidden = false;
      this.list.appendChild(field);
      const label = field.querySelector(".cs-question__number");
      if (label) {
        label.textContent =
          this.text.question(n + 1, this.arrangement.order.length) +
          (q.points !== 1 ? this.text.points(q.points) : "");
      }
      const ids = this.arrangement.choices[q.id];
      const box = field.querySelector(".cs-choices");
      if (ids && box) {
        ids.forEach((cid) => {
          const node = box.querySelector('[data-choice="' + cid + '"]');
          if (node) box.appendChild(node);
        });
      }
    });
    data.questions.forEach((q) => {
      const field = fieldOf(this.root, q);
      if (field && !shown[q.id]) {
        field.hidden = true;
        this.list.appendChild(field);
      }
    });
  };

  Quiz.prototype.shownQuestions = function shownQuestions() {
    return this.arrangement.order.map((i) => this.data.questions[i]);
  };

  /** Score the current attempt: per question and overall. */
  Quiz.prototype.grade = function grade() {
    const data = this.data;
    let raw = 0;
    let max = 0;
    const objectives = {};
    const objectiveOrder = [];
    const questions = this.shownQuestions().map((q, n) => {
      const v = this.state.answers[q.id];
      const correct = isCorrect(q, v);
      max += q.points;
      if (correct) raw += q.points;
      q.objectives.forEach((id) => {
        if (!objectives[id]) {
          objectives[id] = { id: id, raw: 0, max: 0 };
          objectiveOrder.push(id);
        }
        objectives[id].max += q.points;
        if (correct) objectives[id].raw += q.points;
      });
      return { q: q, number: n + 1, value: v, answered: isAnswered(q, v), correct: correct };
    });
    const passed = max > 0 ? raw * 100 >= data.passingScore * max : true;
    return {
      raw: raw,
      max: max,
      percent: max > 0 ? Math.floor((raw * 100) / max) : 100,
      passed: passed,
      questions: questions,
      objectives: objectiveOrder.map((id) => {
        const o = objectives[id];
        o.passed = o.raw * 100 >= data.passingScore * o.max;
        return o;
      }),
    };
  };

  Quiz.prototype.finished = function finished(graded) {
    const limit = this.data.attempts;
    return graded.passed || (limit > 0 && this.attemptsUsed() >= limit);
  };

  Quiz.prototype.setControls = function setControls() {
    const submitted = this.state.submitted;
    this.list.querySelectorAll("fieldset").forEach((f) => {
      f.disabled = submitted;
    });
    this.check.hidden = submitted;
    this.retry.hidden = !submitted || !this.last || this.last.finished;
  };

  Quiz.prototype.submit = function submit() {
    if (this.state.submitted) return;
    this.data.questions.forEach((q) => {
      const field = fieldOf(this.root, q);
      if (!field || field.hidden) return;
      const v = readAnswer(field, q);
      if (isAnswered(q, v)) this.state.answers[q.id] = v;
      else delete this.state.answers[q.id];
    });
    if (Object.keys(this.state.answers).length === 0) {
      // a click on "Check answers" before answering anything must not cost an attempt
      this.result.textContent = "";
      this.result.appendChild(el("p", "cs-quiz__attempt", this.text.answerFirst));
      return;
    }
    this.state.submitted = true;
    this.save();
    this.showResults(this.grade(), true);
    this.dispatch(false);
  };

  Quiz.prototype.tryAgain = function tryAgain() {
    if (!this.state.submitted || (this.last && this.last.finished)) return;
    this.state = {
      attempt: Math.min(this.state.attempt + 1, MAX_ATTEMPT),
      submitted: false,
      answers: {},
    };
    this.last = null;
    this.startedAt = Date.now();
    this.changedAt = {};
    this.save();
    this.data.questions.forEach((q) => {
      const field = fieldOf(this.root, q);
      if (!field) return;
      writeAnswer(field, q, undefined);
      field.classList.remove("cs-question--correct", "cs-question--incorrect");
      const box = field.querySelector(".cs-question__feedback");
      box.hidden = true;
      box.textContent = "";
    });
    this.arrange();
    this.setControls();
    this.result.textContent = "";
    this.result.appendChild(
      el("p", "cs-quiz__attempt", this.text.attemptStarted(this.state.attempt, this.data.attempts)),
    );
    const first = this.list.querySelector("fieldset:not([hidden]) input, fieldset:not([hidden]) select");
    if (first) first.focus();
  };

  Quiz.prototype.showResults = function showResults(graded, moveFocus) {
    const data = this.data;
    const finished = this.finished(graded);
    graded.questions.forEach((r) => {
      const field = fieldOf(this.root, r.q);
      if (!field) return;
      field.classList.remove("cs-question--correct", "cs-question--incorrect");
      field.classList.add(r.correct ? "cs-question--correct" : "cs-question--incorrect");
      const box = field.querySelector(".cs-question__feedback");
      box.textContent = "";
      const verdict = el("p", "cs-verdict");
      verdict.appendChild(el("span", "cs-verdict__mark", r.correct ? "✓" : "✗"));
      verdict.lastChild.setAttribute("aria-hidden", "true");
      verdict.appendChild(document.createTextNode(" "));
      verdict.appendChild(el("strong", "", r.correct ? this.text.correct : this.text.incorrect));
      if (!r.answered) verdict.appendChild(document.createTextNode(" " + this.text.noAnswer));
      appendGeneral(verdict, field, r.correct);
      box.appendChild(verdict);
      const notes = picked(r.q, r.value)
        .map((c) => authored(field, "data-feedback-choice", c.id))
        .filter(Boolean);
      if (notes.length) {
        const list = el("ul", "cs-question__notes");
        notes.forEach((note) => list.appendChild(el("li")).appendChild(note));
        box.appendChild(list);
      }
      box.hidden = false;
    });

    this.last = { finished: finished, graded: graded };
    this.setControls();

    const limit = data.attempts;
    const used = this.attemptsUsed();
    this.result.textContent = "";
    this.result.appendChild(
      el(
        "p",
        "cs-quiz__score",
        this.text.score(graded.raw, graded.max, graded.percent) +
          " " +
          (graded.passed ? this.text.passed(data.passingScore) : this.text.failed(data.passingScore)),
      ),
    );
    if (!graded.passed) {
      let line = "";
      if (limit > 0 && used >= limit) line = this.text.usedAll(limit);
      else if (limit > 0) line = this.text.left(limit - used) + " " + this.text.retry;
      else line = this.text.retry;
      this.result.appendChild(el("p", "cs-quiz__attempts", line));
    }
    const outcomes = el("ul", "cs-quiz__outcomes");
    graded.questions.forEach((r) => {
      const item = el("li");
      const field = fieldOf(this.root, r.q);
      const link = el("a", "", this.text.outcome(r.number));
      link.href = "#" + field.id;
      item.appendChild(link);
      item.appendChild(document.createTextNode(": " + (r.correct ? this.text.correct : this.text.incorrect)));
      appendGeneral(item, field, r.correct);
      outcomes.appendChild(item);
    });
    this.result.appendChild(outcomes);

    if (moveFocus) {
      if (!this.retry.hidden) this.retry.focus();
      else this.result.focus();
    }
  };

  /** What the SCORM runtime records: see the header comment. */
  Quiz.prototype.submittedDetail = function submittedDetail(restored) {
    const data = this.data;
    const graded = this.last.graded;
    const now = Date.now();
    const used = this.attemptsUsed();
    return {
      quizId: data.id,
      courseId: data.courseId,
      restored: !!restored,
      attempt: this.state.attempt,
      attemptsAllowed: data.attempts,
      attemptsUsed: used,
      finished: this.last.finished,
      passed: graded.passed,
      passingScore: data.passingScore,
      score: {
        raw: graded.raw,
        min: 0,
        max: graded.max,
        scaled: graded.max > 0 ? graded.raw / graded.max : 1,
        percent: graded.percent,
      },
      startedAt: this.startedAt,
      submittedAt: now,
      questions: graded.questions.map((r) => {
        const changed = this.changedAt[r.q.id] || now;
        return {
          id: r.q.id,
          type: r.q.type,
          description: r.q.description,
          objectives: r.q.objectives.slice(),
          interactionType: { "1.2": r.q.scorm.type["1.2"], "2004": r.q.scorm.type["2004"] },
          response: responses(r.q, r.value),
          correctResponses: {
            "1.2": r.q.scorm.correct["1.2"].slice(),
            "2004": r.q.scorm.correct["2004"].slice(),
          },
          correct: r.correct,
          answered: r.answered,
          weighting: r.q.points,
          latencyMs: Math.max(0, Math.min(changed, now) - this.startedAt),
        };
      }),
      objectives: graded.objectives.map((o) => ({
        id: o.id,
        raw: o.raw,
        max: o.max,
        passed: o.passed,
      })),
    };
  };

  Quiz.prototype.dispatch = function dispatch(restored) {
    const detail = this.submittedDetail(restored);
    let event;
    try {
      event = new CustomEvent("coursec:quiz-submitted", { bubbles: true, detail: detail });
    } catch (e) {
      event = document.createEvent("CustomEvent");
      event.initCustomEvent("coursec:quiz-submitted", true, false, detail);
    }
    this.root.dispatchEvent(event);
  };

  Quiz.prototype.snapshot = function snapshot() {
    return {
      id: this.data.id,
      store: this.store.kind,
      attempt: this.state.attempt,
      submitted: this.state.submitted,
      attemptsUsed: this.attemptsUsed(),
      answers: JSON.parse(JSON.stringify(this.state.answers)),
      order: this.shownQuestions().map((q) => q.id),
      choices: JSON.parse(JSON.stringify(this.arrangement.choices)),
      saved: encodeState(this.data, this.state),
      result: this.last
        ? {
          raw: this.last.graded.raw,
          max: this.last.graded.max,
          percent: this.last.graded.percent,
          passed: this.last.graded.passed,
          finished: this.last.finished,
        }
        : null,
    };
  };

  /* ------------------------------------------------------------------ start */

  const instances = [];

  function start() {
    if (instances.length) return;
    document.querySelectorAll("section.cs-quiz").forEach((root) => {
      try {
        const quiz = new Quiz(root);
        instances.push(quiz);
        quiz.start();
      } catch (e) {
        if (window.console && console.warn) console.warn("coursec quiz:", e);
      }
    });
  }

  window.coursecQuiz = {
    version: 1,
    quizzes: () => instances.map((q) => q.snapshot()),
    layout: layout,
    seedFor: seedFor,
    normalize: normalize,
    responses: responses,
    encodeState: encodeState,
    decodeState: decodeState,
  };

  /** Start now, or after the LMS runtime once an adapter's LMS is ready (a cmi5 launch). */
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
