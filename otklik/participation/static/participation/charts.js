// Charts of poll results and of the transparency page, drawn by ECharts (served by the app, no CDN) from
// the data the page carries in a json_script element. The tables next to them hold the same numbers.
(function () {
  var BLUE = "#0b4f8a";
  var PALETTE = ["#0b4f8a", "#1f6b33", "#8a5300", "#6a3d9a", "#a4161a", "#2b7a99", "#5b6770", "#b15928"];

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function short(text, n) { return text.length > n ? text.slice(0, n - 1) + "…" : text; }

  function bars(el, labels, series, horizontal) {
    var chart = echarts.init(el);
    var category = { type: "category", data: labels, axisLabel: { interval: 0, formatter: function (v) { return short(v, horizontal ? 28 : 14); } } };
    var value = { type: "value", minInterval: 1 };
    chart.setOption({
      color: PALETTE,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      legend: series.length > 1 ? { type: "scroll", bottom: 0 } : undefined,
      grid: { left: horizontal ? 8 : 40, right: 16, top: 10, bottom: series.length > 1 ? 40 : 24, containLabel: horizontal },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({ inverse: true }, category) : value,
      series: series.map(function (s) { return { name: s.name, type: "bar", stack: s.stack, data: s.data, barMaxWidth: 36 }; })
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-rendered", "true");
  }

  function results() {
    var data = read("results-data");
    if (!data) { return; }
    data.questions.forEach(function (q) {
      var el = document.getElementById("chart-q" + q.id);
      if (!el) { return; }
      var bySettlement = el.getAttribute("data-by") === "settlement" && data.settlements.length > 1;
      var series = bySettlement
        ? data.settlements.map(function (name, i) { return { name: name, stack: "all", data: q.bySettlement[i] }; })
        : [{ name: "Ответов", data: q.totals }];
      el.style.height = Math.max(180, 60 + q.labels.length * (bySettlement ? 40 : 34)) + "px";
      bars(el, q.labels, series, true);
    });
  }

  function transparency() {
    var data = read("transparency-data");
    if (!data) { return; }
    var topics = document.getElementById("chart-topics");
    if (topics && data.topics.length) {
      bars(topics, data.topics, [{ name: "Обращений", data: data.topicTotals }], true);
    }
    var places = document.getElementById("chart-settlements");
    if (places && data.settlements.length) {
      bars(places, data.settlements, [{ name: "На 1 000 жителей", data: data.perThousand }], true);
    }
  }

  function draw() {
    if (typeof echarts === "undefined") { return; }
    results();
    transparency();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
