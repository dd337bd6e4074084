/* coursec preview: reload on save, errors over the page, the preview toolbar.
 * Added by `coursec preview` to the pages it serves; never part of a built output. */
(() => {
  "use strict";
  const script = document.currentScript;
  const pageVersion = Number((script && script.dataset.version) || 0);
  const params = new URLSearchParams(location.search);
  const lms = params.get("lms") || "";
  const api = { version: pageVersion, state: null, overlay: false };
  window.coursecPreview = api;

  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = "/__coursec__/preview.css";
  document.head.appendChild(style);

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- the toolbar: which view, and whether the page is current ---------------------------
  const bar = el("nav", { id: "coursec-preview-bar", "aria-label": "Preview" });
  const status = el("span", { class: "cp-status", role: "status" }, "live");
  bar.appendChild(el("strong", {}, "coursec preview"));
  if (document.querySelector("[data-coursec-module]") || lms) {
    [["", "Page"], ["scorm12", "SCORM 1.2"], ["scorm2004", "SCORM 2004"]].forEach(([value, label]) => {
      const url = new URL(location.href);
      if (value) url.searchParams.set("lms", value); else url.searchParams.delete("lms");
      const link = el("a", { href: url.pathname + url.search, "data-lms": value }, label);
      if (value === lms) link.setAttribute("aria-current", "page");
      bar.appendChild(link);
    });
  }
  bar.appendChild(status);
  document.body.appendChild(bar);

  // --- the error overlay ------------------------------------------------------------------
  function where(d) {
    const span = d.span;
    if (!span) return "";
    return span.line ? `${span.path}:${span.line}:${span.col}: ` : `${span.path}: `;
  }

  function showOverlay(state) {
    hideOverlay();
    const errors = state.diagnostics.filter((d) => d.severity === "error");
    const box = el("section", { id: "coursec-overlay", role: "alert", "aria-labelledby": "coursec-overlay-title" });
    box.appendChild(el("h2", { id: "coursec-overlay-title" },
      `The last save broke the course: ${errors.length} error(s). The page is not current.`));
    const list = el("ul");
    state.diagnostics.forEach((d) => {
      const item = el("li", { class: `cp-${d.severity}` });
      item.appendChild(el("code", { class: "cp-where" }, where(d)));
      item.appendChild(el("span", {}, `${d.severity}[${d.code}]: ${d.message}`));
      if (d.hint) item.appendChild(el("p", { class: "cp-hint" }, `hint: ${d.hint}`));
      list.appendChild(item);
    });
    box.appendChild(list);
    box.appendChild(el("p", {}, "Fix the file and save: this page reloads by itself."));
    document.body.appendChild(box);
    status.textContent = "errors";
    api.overlay = true;
  }

  function hideOverlay() {
    const old = document.getElementById("coursec-overlay");
    if (old) old.remove();
    api.overlay = false;
  }

  // --- the server's builds, as they finish ------------------------------------------------
  const events = new EventSource("/__coursec__/events");
  events.onmessage = (message) => {
    const state = JSON.parse(message.data);
    api.state = state;
    if (!state.ok) {
      showOverlay(state);
    } else if (state.version > pageVersion) {
      status.textContent = "reloading";
      location.reload();
    } else {
      hideOverlay();
      status.textContent = "live";
    }
  };
  events.onerror = () => { status.textContent = "server stopped?"; };
})();
