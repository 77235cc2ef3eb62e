// The annotate page, made snappy: keys 1–N choose, Enter submits, and the next item is
// fetched as an HTML fragment and swapped in. Without this script the page is a plain form
// (POST, redirect, GET), so nothing here is needed for correctness, only for speed.
(function () {
  "use strict";

  var root = document.querySelector("[data-annotate-root]");
  if (!root) return;

  var shownAt = performance.now();
  var busy = false;
  // A 503 (the database restarting, config/outage.py) is retried after its Retry-After with
  // the same verdict, a few times; the participant can also press Enter meanwhile.
  var RETRY_LIMIT = 12;
  var retries = 0;
  var retryTimer = null;

  var toast = document.querySelector("[data-annotate-toast]");
  var toastTimer = null;
  // A chosen but unsent verdict (and its reason) survives a reload, per item: the key is the
  // form's URL, which names the item.
  var DRAFT_PREFIX = "crowdeval-draft:";

  function judgeForm() {
    return root.querySelector('form[data-annotate-form="judge"]');
  }

  function isTyping(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("textarea, select, input:not([type=radio]):not([type=hidden])"));
  }

  function showNotice(text) {
    var notice = root.querySelector(".notice");
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "notice";
      notice.setAttribute("role", "alert");
      var bar = root.querySelector(".progress");
      if (bar) bar.after(notice);
      else root.prepend(notice);
    }
    notice.textContent = text;
  }

  function focusItem() {
    var heading = root.querySelector("#item-heading");
    if (heading) heading.focus({ preventScroll: true });
    var top = root.getBoundingClientRect().top + window.scrollY - 16;
    if (window.scrollY > top) window.scrollTo({ top: top });
  }

  function swap(html, sent) {
    var before = root.querySelector("[data-item-key]");
    root.innerHTML = html;
    root.classList.add("swapped"); // the new item slides in (CSS); the first one just appears
    shownAt = performance.now();
    if (sent) forgetDraft(sent);
    var after = root.querySelector("[data-item-key]");
    // A refused submit comes back as a notice instead (the notice is its feedback).
    var refused = root.querySelector(".notice");
    if (sent && !refused && (!before || !after || before.dataset.itemKey !== after.dataset.itemKey)) {
      confirmSent(sent.dataset.annotateForm === "skip" ? "Skipped" : "Saved");
    }
    restoreDraft();
    focusItem();
  }

  // A short "Saved · new item" that fades, and the new item slides in (CSS): two similar
  // items in a row no longer look like a submit that did nothing.
  function confirmSent(word) {
    if (!toast) return;
    toast.textContent = word + " ✓ — " + (root.querySelector("[data-item-key]") ? "here is a new item." : "thank you.");
    toast.classList.add("shown");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.classList.remove("shown"); }, 1800);
  }

  function draftKey(form) {
    return DRAFT_PREFIX + form.getAttribute("action");
  }

  function saveDraft() {
    var form = judgeForm();
    if (!form) return;
    var checked = form.querySelector('input[name="choice"]:checked');
    var rationale = form.querySelector('textarea[name="rationale"]');
    try {
      sessionStorage.setItem(draftKey(form), JSON.stringify({
        choice: checked ? checked.value : null,
        rationale: rationale ? rationale.value : "",
      }));
    } catch (error) { /* storage full or disabled: the draft is only a convenience */ }
  }

  function forgetDraft(form) {
    try { sessionStorage.removeItem(draftKey(form)); } catch (error) { /* see saveDraft */ }
  }

  function restoreDraft() {
    var form = judgeForm();
    if (!form) return;
    var draft = null;
    try { draft = JSON.parse(sessionStorage.getItem(draftKey(form)) || "null"); } catch (error) { draft = null; }
    if (!draft) return;
    if (draft.choice !== null && !form.querySelector('input[name="choice"]:checked')) {
      var radio = form.querySelector('input[name="choice"][value="' + CSS.escape(draft.choice) + '"]');
      if (radio) radio.checked = true;
    }
    var rationale = form.querySelector('textarea[name="rationale"]');
    if (rationale && !rationale.value && draft.rationale) rationale.value = draft.rationale;
  }

  function choose(number) {
    var form = judgeForm();
    if (!form) return false;
    var radio = form.querySelector('input[name="choice"][data-shortcut="' + number + '"]');
    if (!radio) return false;
    radio.checked = true;
    radio.focus({ preventScroll: true });
    saveDraft();
    return true;
  }

  function send(form) {
    if (busy) return;
    if (form.dataset.annotateForm === "judge") {
      if (!form.querySelector('input[name="choice"]:checked')) {
        showNotice("Choose a verdict first (keys shown on the buttons).");
        return;
      }
      var rationale = form.querySelector('textarea[name="rationale"]');
      if (rationale && rationale.required && !rationale.value.trim()) {
        showNotice("This campaign asks for a short reason with every verdict.");
        rationale.focus();
        return;
      }
      // Seconds on this item as the participant saw it (up to the first try: waiting out an
      // outage is not time spent judging); the server falls back to lease age.
      if (!retries) form.elements.seconds.value = ((performance.now() - shownAt) / 1000).toFixed(1);
    }
    clearTimeout(retryTimer);
    busy = true;
    root.setAttribute("aria-busy", "true");
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    var body = new FormData(form);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {
        "X-Requested-With": "fetch",
        "X-CSRFToken": body.get("csrfmiddlewaretoken") || "",
      },
    })
      .then(function (response) {
        if (response.status === 503) {
          if (retries < RETRY_LIMIT) {
            retryLater(form, parseInt(response.headers.get("Retry-After"), 10));
          } else {
            showNotice("The server is still unavailable. Your choice is kept: press Enter to try again.");
          }
          return null;
        }
        retries = 0;
        var type = response.headers.get("Content-Type") || "";
        var fragment = response.status === 200 || response.status === 422;
        if (response.redirected || !fragment || type.indexOf("text/html") === -1) {
          // Logged out, refused or something unexpected: let the browser show a real page.
          // Reloading this page (not following a login redirect to the POST's URL) brings
          // the participant back here after logging in, on the same item.
          window.location.reload();
          return null;
        }
        var sent = response.status === 200 ? form : null;
        return response.text().then(function (html) { swap(html, sent); });
      })
      .catch(function () {
        showNotice("Could not reach the server. Your choice is kept: press Enter to try again.");
      })
      .finally(function () {
        busy = false;
        root.removeAttribute("aria-busy");
        buttons.forEach(function (button) { button.disabled = false; });
      });
  }

  function retryLater(form, seconds) {
    var wait = seconds > 0 ? Math.min(seconds, 30) : 5;
    retries += 1;
    showNotice(
      "The server is briefly unavailable. Your choice is kept and will be sent again in " +
        wait + " s (or press Enter to try now)."
    );
    retryTimer = setTimeout(function () {
      if (root.contains(form)) send(form);
    }, wait * 1000);
  }

  root.addEventListener("change", function (event) {
    if (event.target.closest('form[data-annotate-form="judge"]')) saveDraft();
  });
  root.addEventListener("input", function (event) {
    if (event.target.name === "rationale") saveDraft();
  });

  root.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-annotate-form]");
    if (!form) return;
    event.preventDefault();
    send(form);
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) return;
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = target.closest && target.closest("form[data-annotate-form]");
      if (form && root.contains(form)) {
        event.preventDefault();
        send(form);
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(target)) return;
    if (/^[1-9]$/.test(event.key)) {
      if (choose(event.key)) event.preventDefault();
      return;
    }
    if (event.key === "g" || event.key === "G") {
      var drawer = document.getElementById("guidelines");
      if (drawer) {
        drawer.open = !drawer.open;
        event.preventDefault();
      }
      return;
    }
    if (event.key === "Enter") {
      // Enter on a link, button or summary keeps its own meaning.
      if (target.closest && target.closest("a, button, summary")) return;
      var judge = judgeForm();
      if (judge) {
        event.preventDefault();
        send(judge);
      }
    }
  });

  // Back/forward cache: a page restored from memory may show an item already judged.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload();
  });

  restoreDraft();
  focusItem();
})();
