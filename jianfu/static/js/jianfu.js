/* jianfu — page behaviour. The Content-Security-Policy forbids inline scripts and handlers, so
   everything is wired here by event delegation on data- attributes:

   <form data-confirm="…">                 asks before submitting (also on a submit button)
   <select data-autosubmit>                submits its form on change (forms without htmx)
   <button data-copy-target="#id"          copies the text (or value) of #id to the clipboard
           data-copied-label="已复制">
   <datalist id="x" data-for="id_a"        suggests its options in the box #id_a
             data-multi-for="id_b">        …and in #id_b, a box of several names separated by 、
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
  // Unit suggestions. A box of one unit gets the datalist as it is. A box of several units
  // separated by 、 gets a datalist of its own whose options are what is typed so far followed by
  // each remaining name, so the browser suggests the next name too.
  var SEPARATOR = /[\u3001,\uff0c;\uff1b\s]+/;

  function lastSeparator(value) {
    for (var i = value.length - 1; i >= 0; i--) {
      if (SEPARATOR.test(value.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  function wireMultiUnitBox(list, input) {
    if (input.getAttribute("data-multi-wired")) {
      return;
    }
    input.setAttribute("data-multi-wired", "1");
    var own = document.createElement("datalist");
    own.id = input.id + "-options";
    list.parentNode.appendChild(own);
    input.setAttribute("list", own.id);
    input.setAttribute("autocomplete", "off");
    var options = Array.prototype.map.call(list.options, function (o) {
      return { value: o.value, label: o.textContent };
    });
    function refresh() {
      var value = input.value;
      var cut = lastSeparator(value);
      var prefix = cut >= 0 ? value.slice(0, cut + 1) : "";
      var typed = value.slice(cut + 1).trim();
      var chosen = {};
      prefix.split(SEPARATOR).forEach(function (name) { chosen[name] = true; });
      own.textContent = "";
      var shown = 0;
      for (var i = 0; i < options.length && shown < 60; i++) {
        var o = options[i];
        if (chosen[o.value] || (typed && o.value.indexOf(typed) < 0 && o.label.indexOf(typed) < 0)) {
          continue;
        }
        var option = document.createElement("option");
        option.value = prefix + o.value;
        option.textContent = o.label;
        own.appendChild(option);
        shown++;
      }
    }
    input.addEventListener("input", refresh);
    input.addEventListener("focus", refresh);
  }

  function wireUnitLists(root) {
    if (!root.querySelectorAll) {
      return;
    }
    var lists = root.querySelectorAll("datalist[data-for], datalist[data-multi-for]");
    Array.prototype.forEach.call(lists, function (list) {
      (list.getAttribute("data-for") || "").split(/\s+/).forEach(function (id) {
        var input = id && document.getElementById(id);
        if (input && !input.disabled && input.tagName === "INPUT") {
          input.setAttribute("list", list.id);
          input.setAttribute("autocomplete", "off");
        }
      });
      (list.getAttribute("data-multi-for") || "").split(/\s+/).forEach(function (id) {
        var input = id && document.getElementById(id);
        if (input && input.tagName === "INPUT") {
          wireMultiUnitBox(list, input);
        }
      });
    });
  }

  wireUnitLists(document);
  document.addEventListener("htmx:load", function (event) {
    wireUnitLists(event.target);
  });
})();

/* Import pages: <form data-import-upload> shows that it is working from the click on — the button
   disabled with a spinner, how much of the file has been sent, then "checking" until the answer
   comes. The form goes by XMLHttpRequest (for the upload progress) with HX-Request set, so the
   server answers with HX-Redirect (to the job's page, or back to the list when done); any other
   answer (the form again, with its problems) replaces the page.
   <form data-busy>: a plain form whose submit button is disabled with a spinner once clicked. */
(function () {
  "use strict";

  function busy(button) {
    if (!button || button.disabled) {
      return;
    }
    button.disabled = true;
    var spinner = document.createElement("span");
    spinner.className = "spinner-border spinner-border-sm me-1";
    spinner.setAttribute("aria-hidden", "true");
    var label = button.getAttribute("data-busy-label");
    if (label) {
      button.textContent = label;
    }
    button.insertBefore(spinner, button.firstChild);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented) {
      return;
    }
    if (form.hasAttribute("data-busy")) {
      // Disabled after the submit has been taken, so the click still sends the form.
      var button = form.querySelector("[type=submit]");
      window.setTimeout(function () { busy(button); }, 0);
      return;
    }
    if (!form.hasAttribute("data-import-upload") || !window.FormData) {
      return;
    }
    event.preventDefault();
    var submit = event.submitter || form.querySelector("[type=submit]");
    var status = form.querySelector("[data-upload-status]");
    var bar = form.querySelector("[data-upload-bar]");
    var text = form.querySelector("[data-upload-text]");
    busy(submit);
    if (status) {
      status.hidden = false;
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable || !bar) {
        return;
      }
      var pct = Math.floor((e.loaded / e.total) * 100);
      bar.value = pct;
      text.textContent = text.getAttribute("data-sending") + pct + "%";
    });
    xhr.upload.addEventListener("load", function () {
      if (bar) {
        bar.removeAttribute("value");  // indeterminate: the server is checking now
      }
      if (text) {
        text.textContent = text.getAttribute("data-checking");
      }
    });
    xhr.addEventListener("load", function () {
      var to = xhr.getResponseHeader("HX-Redirect");
      if (to) {
        window.location.assign(to);
        return;
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      form.removeAttribute("data-import-upload");
      form.submit();  // the network failed the script: send the plain way
    });
    xhr.send(new FormData(form));
  });
})();
