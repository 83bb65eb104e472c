// The heat map and the trend chart, drawn by ECharts from the data the page carries (no tiles, no CDN).
(function () {
  function draw() {
    var data = JSON.parse(document.getElementById("dashboard-data").textContent);
    var mapEl = document.getElementById("heatmap");
    if (mapEl && data.geojson.features.length) {
      echarts.registerMap("area", data.geojson);
      var values = data.areas.map(function (a) { return a.value; });
      var map = echarts.init(mapEl);
      map.setOption({
        // Tooltips are drawn on the canvas (richText): no HTML from names, no inline styles under the CSP.
        tooltip: { trigger: "item", renderMode: "richText", formatter: function (p) {
          var a = data.areas.find(function (x) { return x.name === p.name; });
          return p.name + "\n" + (a ? a.count + " обращ., " + a.value + " на 1 000" : "нет данных");
        } },
        visualMap: { min: 0, max: Math.max.apply(null, values.concat([1])), calculable: true, left: "left", bottom: 0,
                     text: ["больше", "меньше"], inRange: { color: ["#fff5eb", "#fd8d3c", "#a63603"] } },
        series: [{ type: "map", map: "area", roam: true, data: data.areas.map(function (a) { return { name: a.name, value: a.value }; }),
                   label: { show: true, fontSize: 10, formatter: function (p) { return p.name.replace(/ (сельское|городское) поселение$/, ""); } }, emphasis: { label: { show: true } } }]
      });
      map.on("click", function (p) {
        var a = data.areas.find(function (x) { return x.name === p.name; });
        if (a && a.link) { window.location.href = a.link; }
      });
      window.addEventListener("resize", function () { map.resize(); });
      mapEl.setAttribute("data-rendered", "true");
    }
    var trendEl = document.getElementById("trend");
    if (trendEl) {
      var trend = echarts.init(trendEl);
      trend.setOption({
        tooltip: { trigger: "axis", renderMode: "richText" }, grid: { left: 40, right: 10, top: 20, bottom: 30 },
        xAxis: { type: "category", data: data.trend.map(function (t) { return t[0]; }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: data.trend.map(function (t) { return t[1]; }), itemStyle: { color: "#0b4f8a" } }]
      });
      window.addEventListener("resize", function () { trend.resize(); });
      trendEl.setAttribute("data-rendered", "true");
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
