// The organiser dashboard: ask before closing or reopening, both change what participants
// can do. (A file, not an inline script: the Content-Security-Policy allows only these.)
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
