/* jianfu — the sample-point report page (report_fill) and its confirmation (report_done).

   Progressive enhancement. Without this file the form is one long page that posts to itself (the
   server generated the submission key in a hidden field). With it:
   - one section a screen, Back/Next (the phone's back button too), a progress bar, and a review
     screen listing every answer before submitting;
   - the draft is kept on the device (localStorage, per account + point + period) as the reporter
     types, restored when the page opens again — after a reload, an expired session and a new
     login — and removed only once the server has stored the report;
   - submission goes to the API with a key generated once per attempt and kept with the draft:
     a retry after a timeout or a lost answer sends the same key, so the server stores one report;
     the button is disabled while sending, so a double tap sends once.
*/
(function () {
  "use strict";

  var TIMEOUT_MS = 20000;
  var RETRY_DELAYS = [5000, 15000, 30000];

  // --- The device's storage (absent in some private modes: then there is simply no draft). ---
  var store = (function () {
    try {
      var s = window.localStorage;
      s.setItem("jianfu:probe", "1");
      s.removeItem("jianfu:probe");
      return s;
    } catch (e) {
      return null;
    }
  })();

  function readDraft(key) {
    if (!store) {
      return null;
    }
    try {
      return JSON.parse(store.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function writeDraft(key, draft) {
    if (store) {
      try {
        store.setItem(key, JSON.stringify(draft));
      } catch (e) {
        /* storage full: the form still works, only without a draft */
      }
    }
  }

  function clearDraft(key) {
    if (store) {
      store.removeItem(key);
    }
  }

  // crypto.randomUUID needs a secure context; the demo runs over plain http on a LAN.
  function newKey() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") {
      try {
        return c.randomUUID();
      } catch (e) { /* fall through */ }
    }
    var bytes = new Array(16);
    var random = c && c.getRandomValues ? c.getRandomValues(new Uint8Array(16)) : null;
    for (var i = 0; i < 16; i++) {
      bytes[i] = random ? random[i] : Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = bytes.map(function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
      hex.slice(20)].join("-");
  }

  function format(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function each(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  // --- The confirmation page: the draft of what was just stored is no longer needed. ----------
  var done = document.querySelector("[data-report-done]");
  if (done) {
    var stored = readDraft(done.getAttribute("data-draft-key"));
    if (stored && (!stored.clientKey || stored.clientKey === done.getAttribute("data-client-key"))) {
      clearDraft(done.getAttribute("data-draft-key"));
    }
    return;
  }

  var form = document.getElementById("jf-report-form");
  if (!form) {
    return;
  }
  var messagesNode = document.getElementById("jf-report-messages");
  var msg = messagesNode ? JSON.parse(messagesNode.textContent) : {};
  var draftKey = form.getAttribute("data-draft-key");
  var steps = Array.prototype.slice.call(form.querySelectorAll("[data-step]"));
  var finalStep = form.querySelector("[data-final]");
  var allSteps = steps.concat([finalStep]);
  var questionNodes = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));
  var keyInput = form.querySelector("[data-client-key]");
  var backButton = form.querySelector("[data-back]");
  var nextButton = form.querySelector("[data-next]");
  var submitButton = form.querySelector("[data-submit]");
  var submitLabel = form.querySelector("[data-submit-label]");
  var submitText = submitLabel.textContent;
  var statusBox = document.getElementById("jf-status");
  var review = form.querySelector("[data-review]");
  var progress = form.querySelector(".jf-progress");
  var current = 0;
  var sending = false;
  var retryTimer = null;
  var retries = 0;
  // The key of the attempt whose outcome is not known yet (sent, no answer). Any change to the
  // answers starts a new attempt: the next submission is then a correction, never a lost edit.
  var pendingKey = null;
  var depth = 0; // history entries this page pushed (one per screen moved to)

  // --- Answers ------------------------------------------------------------------------------
  function inputOf(key) {
    return form.querySelector('[name="' + key + '"]');
  }

  function valueOf(key) {
    var field = form.elements[key];
    return field ? String(field.value || "") : "";
  }

  function setValue(key, value) {
    var field = form.elements[key];
    if (!field) {
      return;
    }
    if (field.length !== undefined && !field.tagName) { // radio buttons
      each(field, function (radio) { radio.checked = radio.value === String(value); });
    } else {
      field.value = value == null ? "" : String(value);
    }
  }

  function collect() {
    var values = {};
    questionNodes.forEach(function (node) {
      var key = node.getAttribute("data-question");
      values[key] = valueOf(key);
    });
    return values;
  }

  function noteValue() {
    return form.elements.note ? form.elements.note.value : "";
  }

  function save() {
    writeDraft(draftKey, {
      values: collect(),
      note: noteValue(),
      clientKey: pendingKey,
      baseVersion: form.getAttribute("data-base-version"),
      step: current,
      savedAt: Date.now()
    });
  }

  // --- Checks before sending (the server checks again, with the same sentences) -------------
  function normalise(text) {
    return String(text).trim()
      .replace(/[\uff10-\uff19]/g, function (d) { return String.fromCharCode(d.charCodeAt(0) - 0xfee0); })
      .replace(/\uff0e/g, ".").replace(/\uff0d/g, "-").replace(/,/g, "");
  }

  function asNumber(text) {
    var t = normalise(text);
    return /^-?(\d+\.?\d*|\.\d+)$/.test(t) ? parseFloat(t) : null;
  }

  function labelText(key) {
    var node = form.querySelector('[data-question="' + key + '"] .form-label');
    return node ? node.textContent.trim() : key;
  }

  function check(key) {
    var input = inputOf(key);
    var type = input.getAttribute("data-type");
    var raw = valueOf(key);
    var max = input.getAttribute("data-max");
    if (type === "text") {
      return max && raw.trim().length > Number(max) ? format(msg.tooLong, { n: max }) : "";
    }
    var text = normalise(raw);
    if (text === "") {
      return msg.required;
    }
    var n = asNumber(text);
    if (n === null) {
      return format(msg.number, { v: raw });
    }
    if (n < 0) {
      return msg.negative;
    }
    if ((type === "int" || type === "score") && n % 1 !== 0) {
      return msg.integer;
    }
    var low = Number(input.getAttribute("data-min") || 0);
    if (n < low || (max !== "" && max !== null && n > Number(max))) {
      return format(msg.range, { lo: low, hi: max });
    }
    var wholeKey = input.getAttribute("data-part-of");
    if (wholeKey) {
      var whole = asNumber(valueOf(wholeKey));
      if (whole !== null && n > whole) {
        return format(msg.part, { whole: labelText(wholeKey), n: whole });
      }
    }
    return "";
  }

  function showError(key, message) {
    var box = document.getElementById("err-" + key);
    if (box) {
      box.textContent = message || "";
    }
    each(form.querySelectorAll('[name="' + key + '"]'), function (input) {
      if (input.type !== "radio") {
        input.classList.toggle("is-invalid", !!message);
      }
      if (message) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
  }

  function checkStep(step) {
    var first = null;
    each(step.querySelectorAll("[data-question]"), function (node) {
      var key = node.getAttribute("data-question");
      var problem = check(key);
      showError(key, problem);
      if (problem && !first) {
        first = key;
      }
    });
    return first;
  }

  function focusQuestion(key) {
    var input = inputOf(key);
    if (input) {
      input.focus();
    }
  }

  // "不能大于上面填的 N": follows the whole as it is typed.
  function refreshPartHints() {
    each(form.querySelectorAll("[data-part-hint]"), function (hint) {
      var whole = asNumber(valueOf(hint.getAttribute("data-part-hint")));
      hint.textContent = whole === null ? hint.getAttribute("data-hint-none")
        : format(msg.partHint, { n: whole });
    });
  }

  // --- Steps ----------------------------------------------------------------------------------
  function stepOf(key) {
    for (var i = 0; i < steps.length; i++) {
      if (steps[i].querySelector('[data-question="' + key + '"]')) {
        return i;
      }
    }
    return 0;
  }

  function show(index, push, stay) {
    current = Math.max(0, Math.min(index, allSteps.length - 1));
    var last = current === allSteps.length - 1;
    allSteps.forEach(function (step, i) { step.hidden = i !== current; });
    backButton.hidden = current === 0;
    nextButton.hidden = last;
    submitButton.hidden = !last;
    progress.querySelector("[data-progress]").value = current + 1;
    progress.querySelector("[data-progress-text]").textContent =
      format(msg.step, { n: current + 1, total: allSteps.length });
    var heading = allSteps[current].querySelector("legend, h2");
    progress.querySelector("[data-progress-section]").textContent =
      heading ? heading.textContent.replace(/^\d+\.\s*/, "") : "";
    if (last) {
      buildReview();
    }
    if (push && window.history && history.pushState) {
      history.pushState({ jfStep: current }, "");
      depth++;
    }
    if (!stay) {
      form.scrollIntoView({ block: "start" });
    }
  }

  function enterStep() {
    // The first unanswered box gets the focus (the phone opens its number pad); otherwise the
    // section's heading, so a screen reader announces where the reporter is.
    var step = allSteps[current];
    var empty = null;
    each(step.querySelectorAll("input[data-type]:not([type=radio]), textarea[data-type]"), function (el) {
      if (!empty && !el.value) {
        empty = el;
      }
    });
    (empty || step.querySelector("legend, h2")).focus({ preventScroll: true });
  }

  function next() {
    var bad = checkStep(steps[current]);
    if (bad) {
      focusQuestion(bad);
      return;
    }
    show(current + 1, true);
    save();
    enterStep();
  }

  function back() {
    if (depth > 0) {
      history.back(); // popstate shows the screen before, as the phone's back button does
    } else {
      show(current - 1, false);
      history.replaceState({ jfStep: current }, "");
    }
  }

  function buildReview() {
    review.textContent = "";
    steps.forEach(function (step, i) {
      var title = document.createElement("h3");
      var name = document.createElement("span");
      name.textContent = step.querySelector("legend").textContent;
      var edit = document.createElement("button");
      edit.type = "button";
      edit.className = "btn btn-sm btn-outline-secondary";
      edit.textContent = msg.edit;
      edit.setAttribute("data-goto", String(i));
      title.appendChild(name);
      title.appendChild(edit);
      var list = document.createElement("dl");
      each(step.querySelectorAll("[data-question]"), function (node) {
        var key = node.getAttribute("data-question");
        var input = inputOf(key);
        var dt = document.createElement("dt");
        dt.textContent = labelText(key);
        var dd = document.createElement("dd");
        var value = valueOf(key).trim();
        var unit = node.querySelector(".input-group-text");
        if (input.getAttribute("data-type") === "text") {
          dd.className = "jf-text-answer";
        }
        if (value) {
          dd.textContent = value + (unit ? " " + unit.textContent.trim() : "");
        } else {
          dd.textContent = msg.empty;
          if (input.getAttribute("data-required")) {
            dd.classList.add("jf-missing");
          }
        }
        list.appendChild(dt);
        list.appendChild(dd);
      });
      review.appendChild(title);
      review.appendChild(list);
    });
    review.hidden = false;
  }

  // --- Status line by the buttons -----------------------------------------------------------
  function status(text, kind, link) {
    statusBox.className = "alert py-2 px-3 mb-2 small alert-" + (kind || "info");
    statusBox.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.className = "ms-2 fw-semibold";
      a.textContent = link.text;
      statusBox.appendChild(a);
    }
    statusBox.hidden = !text;
  }

  function busy(on) {
    sending = on;
    submitButton.disabled = on;
    backButton.disabled = on;
  }

  // --- Sending --------------------------------------------------------------------------------
  function firstProblem() {
    for (var i = 0; i < steps.length; i++) {
      var bad = checkStep(steps[i]);
      if (bad) {
        return bad;
      }
    }
    return null;
  }

  function showServerErrors(errors) {
    var first = null;
    questionNodes.forEach(function (node) {
      var key = node.getAttribute("data-question");
      showError(key, errors[key] || "");
      if (errors[key] && !first) {
        first = key;
      }
    });
    if (first) {
      show(stepOf(first), true);
      focusQuestion(first);
    }
  }

  function cancelRetry() {
    if (retryTimer) {
      window.clearTimeout(retryTimer);
      retryTimer = null;
    }
  }

  function failedToReach(text) {
    // The outcome is unknown: the same key goes again, later or when the reporter taps.
    busy(false);
    submitLabel.textContent = msg.retry;
    if (retries < RETRY_DELAYS.length) {
      var delay = RETRY_DELAYS[retries++];
      status(text + " " + format(msg.retryIn, { s: delay / 1000 }), "warning");
      retryTimer = window.setTimeout(function () {
        retryTimer = null;
        send();
      }, delay);
    } else {
      status(text, "warning");
    }
  }

  function answered(code, data) {
    if (code === 200 || code === 201) {
      clearDraft(draftKey);
      pendingKey = null;
      status(msg.done, "success");
      window.location.replace(data.done_url);
      return;
    }
    busy(false);
    submitLabel.textContent = submitText;
    if (code === 400 && data && data.code === "invalid") {
      pendingKey = null; // nothing was stored under it
      save();
      status(msg.invalid, "danger");
      showServerErrors(data.errors || {});
    } else if (code === 401) {
      status(msg.expired, "warning", { href: form.getAttribute("data-login-url"), text: msg.login });
    } else if (code === 403 && !(data && data.detail)) {
      // Django's CSRF refusal (an HTML page): the page's token went stale with a new login.
      status(msg.stale, "warning", { href: window.location.href, text: msg.reload });
    } else if (code >= 500 || code === 429 || code === 0) {
      failedToReach(msg.server);
    } else {
      status((data && data.detail) || msg.server, "danger");
    }
  }

  function send() {
    if (sending) {
      return;
    }
    cancelRetry();
    busy(true);
    if (!pendingKey) {
      pendingKey = newKey();
    }
    keyInput.value = pendingKey;
    save();
    status(msg.sending, "info");
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    window.fetch(form.getAttribute("data-api"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: JSON.stringify({
        point: Number(form.getAttribute("data-point")),
        period: form.getAttribute("data-period"),
        client_key: pendingKey,
        values: collect(),
        note: noteValue()
      }),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().then(
        function (data) { return { code: response.status, data: data }; },
        function () { return { code: response.status, data: null }; }
      );
    }).then(function (result) {
      if (timer) {
        window.clearTimeout(timer);
      }
      answered(result.code, result.data);
    }, function () {
      if (timer) {
        window.clearTimeout(timer);
      }
      failedToReach(msg.offline);
    });
  }

  // --- Wiring ---------------------------------------------------------------------------------
  if (!window.fetch) {
    // A browser without fetch keeps the plain form post; the draft still helps.
    form.addEventListener("submit", function () {
      pendingKey = keyInput.value;
      save();
    });
  } else {
    form.classList.add("jf-stepped");
    progress.hidden = false;
    nextButton.addEventListener("click", next);
    backButton.addEventListener("click", back);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) {
        return;
      }
      var bad = firstProblem();
      if (bad) {
        show(stepOf(bad), true);
        focusQuestion(bad);
        return;
      }
      retries = 0;
      send();
    });
    window.addEventListener("popstate", function (event) {
      var step = event.state && typeof event.state.jfStep === "number" ? event.state.jfStep : 0;
      depth = Math.max(0, depth - 1);
      show(step, false);
    });
    window.addEventListener("online", function () {
      if (retryTimer && !sending) {
        send();
      }
    });
    form.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("[data-goto]") : null;
      if (target) {
        show(Number(target.getAttribute("data-goto")), true);
        enterStep();
      }
    });
    // Enter on the number pad moves on: to the next box, or to the next section.
    form.addEventListener("keydown", function (event) {
      var el = event.target;
      if (event.key !== "Enter" || el.tagName !== "INPUT" || el.type === "radio") {
        return;
      }
      event.preventDefault();
      if (current === allSteps.length - 1) {
        return;
      }
      var boxes = Array.prototype.slice.call(
        allSteps[current].querySelectorAll("input[data-type]:not([type=radio]), textarea[data-type]")
      );
      var at = boxes.indexOf(el);
      if (at >= 0 && at < boxes.length - 1) {
        boxes[at + 1].focus();
      } else {
        next();
      }
    });
  }

  function changed(event) {
    var key = event.target.name;
    if (!key || key === "client_key" || key === "csrfmiddlewaretoken") {
      return;
    }
    if (pendingKey && !sending) {
      pendingKey = null; // new answers, new attempt
      cancelRetry();
      submitLabel.textContent = submitText;
    }
    var box = document.getElementById("err-" + key);
    if (box && box.textContent) {
      showError(key, check(key)); // clear the red text as soon as the answer is right
    }
    refreshPartHints();
    save();
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // --- Opening the page: the draft first, unless the server just sent errors back ------------
  var draft = readDraft(draftKey);
  var restoredNotice = null;
  var serverSentErrors = form.getAttribute("data-has-errors") === "1";
  var startAt = 0;
  if (draft && draft.values && !serverSentErrors) {
    var differs = false;
    Object.keys(draft.values).forEach(function (key) {
      if (form.elements[key] && valueOf(key) !== String(draft.values[key] || "")) {
        differs = true;
        setValue(key, draft.values[key]);
      }
    });
    if (form.elements.note && draft.note) {
      differs = differs || form.elements.note.value !== draft.note;
      form.elements.note.value = draft.note;
    }
    pendingKey = draft.clientKey || null;
    if (pendingKey) {
      submitLabel.textContent = msg.retry;
    }
    startAt = typeof draft.step === "number" ? draft.step : 0;
    if (differs || pendingKey) {
      var notice = document.getElementById("jf-draft-notice");
      var when = new Date(draft.savedAt || Date.now());
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      notice.querySelector("[data-draft-text]").textContent = format(msg.draftRestored, {
        t: (when.getMonth() + 1) + "-" + pad(when.getDate()) + " " + pad(when.getHours()) + ":" +
          pad(when.getMinutes())
      });
      notice.hidden = false;
      restoredNotice = notice;
      notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
        clearDraft(draftKey);
        window.location.reload();
      });
    }
  } else if (serverSentErrors) {
    save(); // what the server sent back is what the reporter typed: keep it on the device too
    var firstError = form.getAttribute("data-first-error");
    steps.forEach(function (step, i) {
      if (step.getAttribute("data-section") === firstError) {
        startAt = i;
      }
    });
  }
  refreshPartHints();
  if (window.fetch) {
    if (startAt === allSteps.length - 1) {
      // Back on the review screen with a draft: only if every answer is still complete.
      var missing = firstProblem();
      startAt = missing ? stepOf(missing) : startAt;
    }
    show(startAt, false, !serverSentErrors);
    if (window.history && history.replaceState) {
      history.replaceState({ jfStep: current }, "");
    }
  }
  if (restoredNotice) {
    // A reload keeps the scroll position; the reporter should see that the draft is back.
    restoredNotice.scrollIntoView({ block: "start" });
  }
})();
