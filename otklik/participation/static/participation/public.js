// Residents' pages: move the focus to the message the page came back with (an error, a refusal, thanks),
// so that screen readers read it and phone users see it. No inline scripts: the CSP forbids them.
(function () {
  function focusMessage() {
    var target = document.querySelector("[data-focus]");
    if (target) {
      if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
      target.focus();
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", focusMessage); } else { focusMessage(); }
})();
