// A problem's effect chart: messages per week (bars) above, the median days to answer and the satisfied share
// below, with the roadmap's measures marked on the shared time axis. Data from the page's json_script.
(function () {
  var STYLES = {
    start: { color: "#4f5b66", type: "dashed", width: 1 },
    due: { color: "#8a5300", type: "dotted", width: 2 },
    done: { color: "#1f6b33", type: "solid", width: 2 },
    resolved: { color: "#0b4f8a", type: "solid", width: 3 }
  };
  var WEIGHT = { start: 0, due: 1, done: 2, resolved: 3 };
  // Marks of the same week share one line: its label lists them, its style is the weightiest kind's.
  function markLines(data, withLabels) {
    var byWeek = {};
    data.marks.forEach(function (m) {
      var line = byWeek[m.week] || (byWeek[m.week] = { labels: [], kind: m.kind });
      line.labels.push(m.label);
      if (WEIGHT[m.kind] > WEIGHT[line.kind]) { line.kind = m.kind; }
    });
    return {
      symbol: ["none", "none"],
      silent: false,
      label: { show: withLabels, position: "insideEndTop", formatter: "{b}", fontSize: 10, color: "#1b1f24" },
      data: Object.keys(byWeek).map(function (week) {
        var line = byWeek[week];
        return { name: line.labels.join("; "), xAxis: data.weeks[week], lineStyle: STYLES[line.kind] || STYLES.start };
      })
    };
  }
  function draw() {
    var el = document.getElementById("effect-chart");
    var source = document.getElementById("effect-data");
    if (!el || !source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el);
    var narrow = el.clientWidth < 560;  // the legend takes two lines on a phone
    var none = function (v) { return v === null || v === undefined ? "—" : v; };
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: none },
      axisPointer: { link: [{ xAxisIndex: "all" }] },
      legend: { top: 0, itemGap: narrow ? 6 : 10, textStyle: { fontSize: narrow ? 11 : 12 },
                data: ["Сообщений в неделю", "Медиана дней до ответа", "Довольны, %"] },
      grid: [{ left: 46, right: 46, top: narrow ? 62 : 34, height: narrow ? "38%" : "44%" },
             { left: 46, right: 46, top: "64%", bottom: 28 }],
      xAxis: [
        { type: "category", data: data.weeks, gridIndex: 0, axisLabel: { show: false } },
        { type: "category", data: data.weeks, gridIndex: 1 }
      ],
      yAxis: [
        { type: "value", gridIndex: 0, minInterval: 1, name: "шт.", nameGap: 6 },
        { type: "value", gridIndex: 1, name: "дней", nameGap: 6, min: 0 },
        { type: "value", gridIndex: 1, name: "%", nameGap: 6, min: 0, max: 100, splitLine: { show: false } }
      ],
      series: [
        { name: "Сообщений в неделю", type: "bar", xAxisIndex: 0, yAxisIndex: 0, data: data.counts,
          itemStyle: { color: "#5b8db8" }, markLine: markLines(data, true) },
        { name: "Медиана дней до ответа", type: "line", xAxisIndex: 1, yAxisIndex: 1, data: data.median_days,
          connectNulls: true, symbolSize: 6, itemStyle: { color: "#8a5300" }, markLine: markLines(data, false) },
        { name: "Довольны, %", type: "line", xAxisIndex: 1, yAxisIndex: 2, data: data.satisfied, connectNulls: true,
          symbol: "diamond", symbolSize: 7, lineStyle: { type: "dashed" }, itemStyle: { color: "#1f6b33" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-rendered", "true");
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
