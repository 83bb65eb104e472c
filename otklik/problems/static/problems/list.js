// The map of settlements with the number of problems in work, drawn by ECharts from the page's json_script
// data (no inline scripts, no CDN). A click on a settlement filters the list.
(function () {
  function draw() {
    var el = document.getElementById("problems-map");
    var source = document.getElementById("problems-map-data");
    if (!el || !source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    if (!data.geojson.features.length) { return; }
    echarts.registerMap("problems-area", data.geojson);
    var byName = {};
    data.areas.forEach(function (a) { byName[a.name] = a; });
    var values = data.areas.map(function (a) { return a.value; });
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "item", formatter: function (p) {
        var a = byName[p.name];
        return p.name + "<br>" + (a ? "проблем в работе: " + a.value : "нет данных");
      } },
      visualMap: { min: 0, max: Math.max.apply(null, values.concat([1])), calculable: false, orient: "horizontal",
                   left: "center", bottom: 0, itemWidth: 12, itemHeight: 120, text: ["больше", "меньше"],
                   inRange: { color: ["#f4f6f8", "#fdae6b", "#a63603"] } },
      series: [{ type: "map", map: "problems-area", roam: true, layoutCenter: ["50%", "44%"], layoutSize: "86%",
                 data: data.areas.map(function (a) { return { name: a.name, value: a.value }; }),
                 label: { show: true, fontSize: 10, color: "#1b1f24", textBorderColor: "#fff", textBorderWidth: 2,
                          formatter: function (p) {
                   var a = byName[p.name];
                   return p.name.replace(/ (сельское|городское) поселение$/, "") + (a && a.value ? " (" + a.value + ")" : "");
                 } },
                 emphasis: { label: { show: true } } }]
    });
    chart.on("click", function (p) {
      var a = byName[p.name];
      if (a && a.link) { window.location.href = a.link; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-rendered", "true");
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
