// The organiser pages (campaign/organise/): a live guidelines preview, upload progress and the
// progress of a running import. Each page works without this file: Preview posts the form, the
// upload is a plain form post, and a running import's page reloads itself (<noscript> refresh).
(function () {
  "use strict";

  // ---- guidelines: the server renders them as participants see them, as you type ----
  var source = document.querySelector("[data-guidelines-source]");
  var preview = document.querySelector("[data-guidelines-preview]");
  if (source && preview) {
    var form = source.form;
    var timer = null;
    var asked = 0;
    var render = function () {
      var body = new FormData();
      body.append("guidelines", source.value);
      body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      var mine = ++asked;
      fetch(preview.dataset.previewUrl, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null && mine === asked) preview.innerHTML = html; })
        .catch(function () { /* the Preview button still posts the form */ });
    };
    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(render, 350);
    });
    // This file is deferred: what was typed before it ran raised no event here, so the preview
    // would show the text the page was served with until the next keystroke.
    if (source.value !== source.defaultValue) render();
    var button = document.querySelector("[data-preview-button]");
    if (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        render();
      });
    }
  }

  // ---- upload: show how much of the file has gone up, then wait for the dry run ----
  function bindUpload(card) {
    var upload = card.querySelector("[data-upload-form]");
    if (!upload || !window.FormData) return;
    upload.addEventListener("submit", function (event) {
      if (!upload.checkValidity()) return;
      event.preventDefault();
      var box = upload.querySelector("[data-upload-progress]");
      var bar = box.querySelector("progress");
      var status = box.querySelector("[data-upload-status]");
      var submit = upload.querySelector("button[type=submit]");
      var request = new XMLHttpRequest();
      box.hidden = false;
      submit.disabled = true;
      status.textContent = "Uploading…";
      request.upload.addEventListener("progress", function (progress) {
        if (!progress.lengthComputable) return;
        var percent = Math.floor((progress.loaded * 100) / progress.total);
        bar.value = percent;
        status.textContent = "Uploading: " + percent + "% of " + (progress.total / 1048576).toFixed(1) + " MiB";
      });
      request.upload.addEventListener("load", function () {
        bar.removeAttribute("value"); // indeterminate: the server is checking the file
        status.textContent = "Uploaded. Checking every line…";
      });
      request.addEventListener("load", function () {
        if (request.status === 422) {
          // The form again, with the reason: swap it in and bind it afresh.
          var page = new DOMParser().parseFromString(request.responseText, "text/html");
          var fresh = page.querySelector("[data-upload-card]");
          if (fresh) {
            card.innerHTML = fresh.innerHTML;
            bindUpload(card);
            return;
          }
        }
        if (request.status >= 200 && request.status < 300 && request.responseURL) {
          window.location.assign(request.responseURL);
          return;
        }
        fail("The server answered " + request.status + ". Try again.");
      });
      request.addEventListener("error", function () { fail("The upload failed (network). Try again."); });
      function fail(text) {
        status.textContent = text;
        bar.value = 0;
        submit.disabled = false;
      }
      request.open("POST", upload.action || window.location.href);
      request.send(new FormData(upload));
    });
  }
  var card = document.querySelector("[data-upload-card]");
  if (card) bindUpload(card);

  // ---- a running dry run or import: poll its progress, show the result once it is in ----
  var running = document.querySelector("[data-import-running]");
  if (running) {
    var bar = running.querySelector("[data-run-bar]");
    var status = running.querySelector("[data-run-status]");
    var poll = function () {
      fetch(running.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (now) {
          if (now.state !== "checking" && now.state !== "importing") {
            window.location.reload();
            return;
          }
          if (now.percent === null) bar.removeAttribute("value");
          else bar.value = now.percent;
          if (now.phase) {
            status.textContent = now.phase.charAt(0).toUpperCase() + now.phase.slice(1) + ": " + now.done +
              " lines" + (now.total ? " of " + now.total : "");
          }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 1000);
  }
})();
