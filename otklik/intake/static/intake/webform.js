// The resident form and its confirmation page (a static file: the Content-Security-Policy allows no
// inline scripts). Focus moves to the error summary; the tracking link can be copied in one click.
(function () {
  "use strict";

  function start() {
    var summary = document.querySelector(".error-summary[data-focus]");
    if (summary) summary.focus();

    var button = document.getElementById("copy-link");
    var link = document.getElementById("track-link");
    if (!button || !link || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(link.href).then(function () {
        button.textContent = "Ссылка скопирована";
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
