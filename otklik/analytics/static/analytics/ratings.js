// A department's 12-month trend (received count; on-time and satisfied shares), drawn by ECharts from the
// data the page carries in a json_script element (no inline scripts, no CDN).
(function () {
  function draw() {
    var el = document.getElementById("department-trend");
    var source = document.getElementById("department-trend-data");
    if (!el || !source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el);
    var pct = function (v) { return v === null || v === undefined ? "—" : v + " %"; };
    chart.setOption({
      tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v; } },
      legend: { top: 0, data: ["Поступило", "В срок, %", "Довольны, %"] },
      grid: { left: 44, right: 48, top: 48, bottom: 28 },
      xAxis: { type: "category", data: data.months },
      yAxis: [
        { type: "value", minInterval: 1, name: "шт.", nameGap: 8 },
        { type: "value", min: 0, max: 100, name: "%", nameGap: 8, axisLabel: { formatter: "{value}" }, splitLine: { show: false } }
      ],
      series: [
        { name: "Поступило", type: "bar", data: data.received, itemStyle: { color: "#9cb8d4" } },
        { name: "В срок, %", type: "line", yAxisIndex: 1, data: data.on_time, connectNulls: false, symbolSize: 7,
          itemStyle: { color: "#1f6b33" }, tooltip: { valueFormatter: pct } },
        { name: "Довольны, %", type: "line", yAxisIndex: 1, data: data.satisfied, connectNulls: false, symbol: "diamond", symbolSize: 8,
          lineStyle: { type: "dashed" }, itemStyle: { color: "#0b4f8a" }, tooltip: { valueFormatter: pct } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-rendered", "true");
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
