// The provision page: the CSV download leaves the page unchanged, so say what happened. The
// server answers the POST with a short-lived cookie holding the number of accounts created
// (campaign/organise/views.py); once it appears the download has arrived.
(function () {
  "use strict";
  var form = document.querySelector("[data-provision-form]");
  var status = document.querySelector("[data-provision-status]");
  if (!form || !status) return;
  var NAME = "crowdeval_provisioned=";
  var timer = null;

  function readCount() {
    var found = document.cookie.split("; ").filter(function (part) { return part.indexOf(NAME) === 0; })[0];
    return found ? found.slice(NAME.length) : null;
  }

  function forget() {
    document.cookie = NAME + "; max-age=0; path=" + window.location.pathname;
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = "messages-inline " + kind;
    status.hidden = false;
  }

  form.addEventListener("submit", function () {
    forget();
    var button = form.querySelector("button[type=submit]");
    say("Creating the accounts…", "info");
    clearInterval(timer);
    timer = setInterval(function () {
      var count = readCount();
      if (count === null) return;
      clearInterval(timer);
      forget();
      if (button) button.disabled = false;
      say(
        count + " account" + (count === "1" ? "" : "s") + " created and enrolled. Their credentials are in " +
          "the CSV file just downloaded: keep it safe, it is the only copy of the passwords.",
        "success"
      );
    }, 300);
    // Not disabled at once: that would keep the button out of the submission.
    setTimeout(function () { if (button) button.disabled = true; }, 0);
    // A form error re-renders the page, which ends this; a stuck request frees the button.
    setTimeout(function () { if (button) button.disabled = false; }, 15000);
  });
})();
