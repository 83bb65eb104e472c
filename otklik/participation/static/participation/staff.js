// Officers' forms: in the question form, show the option list for questions with options and the scale
// settings for a scale; without JavaScript both stay visible with their hints.
(function () {
  function setup() {
    var kind = document.getElementById("id_kind");
    var options = document.querySelector("[data-for='options']");
    var scale = document.querySelector("[data-for='scale']");
    if (!kind || !options || !scale) { return; }
    function update() {
      var value = kind.value;
      options.hidden = !(value === "single" || value === "multiple");
      scale.hidden = value !== "scale";
    }
    kind.addEventListener("change", update);
    update();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setup); } else { setup(); }
})();

// Forms whose action cannot be undone ask first (data-confirm holds the question).
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
