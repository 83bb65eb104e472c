// The reports page: while a report is being built, ask the server every two seconds how far it got and
// update its row (status, progress bar, stage); when it is done, show the download link. No inline script:
// the table carries the endpoint and the ids of the active runs in data attributes.
(function () {
  var INTERVAL = 2000;
  function update(table, run) {
    var row = table.querySelector('tr[data-run="' + run.id + '"]');
    if (!row) { return; }
    row.setAttribute("data-status", run.status);
    var status = row.querySelector(".run-status");
    status.textContent = run.status_label;
    status.className = "run-status status-" + run.status;
    var bar = row.querySelector("progress");
    var percent = row.querySelector(".run-progress");
    var active = run.status === "queued" || run.status === "running";
    if (bar) {
      if (active) {
        bar.value = run.progress;
        bar.textContent = run.progress + " %";
        if (percent) { percent.textContent = run.progress + " %"; }
      } else {
        bar.remove();
        if (percent) { percent.remove(); }
      }
    }
    row.querySelector(".run-stage").textContent = run.status === "failed" ? run.error : (active ? run.stage : "");
    var file = row.querySelector(".run-file");
    if (run.download && !file.querySelector("a")) {
      var link = document.createElement("a");
      link.href = run.download;
      link.setAttribute("download", "");
      link.textContent = "Скачать";
      file.appendChild(link);
    }
    return active;
  }
  function poll(table, ids) {
    var url = table.getAttribute("data-status-url") + "?ids=" + encodeURIComponent(ids.join(","));
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { runs: [] }; })
      .then(function (data) {
        var still = [];
        data.runs.forEach(function (run) { if (update(table, run)) { still.push(run.id); } });
        if (still.length) { window.setTimeout(function () { poll(table, still); }, INTERVAL); }
      })
      .catch(function () { window.setTimeout(function () { poll(table, ids); }, INTERVAL * 5); });
  }
  function start() {
    var table = document.querySelector("table.report-runs");
    if (!table) { return; }
    var ids = (table.getAttribute("data-active") || "").split(",").filter(function (s) { return s; });
    if (ids.length) { window.setTimeout(function () { poll(table, ids); }, INTERVAL); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
