/* jianfu — page behaviour. The Content-Security-Policy forbids inline scripts and handlers, so
   everything is wired here by event delegation on data- attributes:

   <form data-confirm="…">                 asks before submitting (also on a submit button)
   <select data-autosubmit>                submits its form on change (forms without htmx)
   <button data-copy-target="#id"          copies the text (or value) of #id to the clipboard
           data-copied-label="已复制">
*/
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry the CSRF token (the cookie is HttpOnly, so it comes from the page).
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  // Confirm before submitting: the message is on the submit button or on the form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) ||
      form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Filter forms without htmx: submit on change.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      if (typeof el.form.requestSubmit === "function") {
        el.form.requestSubmit();
      } else {
        el.form.submit();
      }
    }
  });

  function copyFallback(text) {
    // navigator.clipboard needs a secure context; the demo is served over plain http on a LAN.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "position-fixed top-0 start-0 opacity-0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok;
  }

  function showCopied(button) {
    var label = button.getAttribute("data-copied-label");
    var textNode = button.querySelector(".jf-copy-label");
    if (!label || !textNode) {
      return;
    }
    var original = textNode.textContent;
    textNode.textContent = label;
    button.classList.add("jf-copied");
    window.setTimeout(function () {
      textNode.textContent = original;
      button.classList.remove("jf-copied");
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (!button) {
      return;
    }
    event.preventDefault();
    var source = document.querySelector(button.getAttribute("data-copy-target"));
    if (!source) {
      return;
    }
    var text = (source.matches("input, textarea") ? source.value : source.textContent).trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        showCopied(button);
      }, function () {
        if (copyFallback(text)) {
          showCopied(button);
        }
      });
    } else if (copyFallback(text)) {
      showCopied(button);
    }
  });

  // Selecting the whole secret on click makes a manual copy easy where copying is refused.
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el.matches && el.matches("input[data-select-on-focus]")) {
      el.select();
    }
  });
})();
