/* The map (Apache ECharts, vendored): Bazhong's county boundaries from the shipped GeoJSON, sites
   coloured by standing, grouped into clusters by the server when many are in view; a click on a
   cluster zooms in, a click on a site opens it. */
(function () {
  "use strict";
  var COLOURS = { alert: "#d63939", overdue: "#f59f00", clear: "#2fb344" };
  var element, chart, words, timer;

  function colour(point) {
    return point.open_alerts > 0 ? COLOURS.alert : point.overdue > 0 ? COLOURS.overdue : COLOURS.clear;
  }

  function view() {
    var width = chart.getWidth(), height = chart.getHeight();
    var a = chart.convertFromPixel({ geoIndex: 0 }, [0, height]);
    var b = chart.convertFromPixel({ geoIndex: 0 }, [width, 0]);
    return { west: a[0], south: a[1], east: b[0], north: b[1] };
  }

  function tooltip(params) {
    var p = params.data.point;
    var head = p.name || (p.count + " " + words.sites);
    return head + "<br>" + words.overdue + "：" + p.overdue + "<br>" + words.alerts + "：" + p.open_alerts;
  }

  function load() {
    var box = view();
    var query = Object.keys(box).map(function (k) { return k + "=" + box[k].toFixed(5); }).join("&");
    fetch(element.getAttribute("data-points") + "?" + query, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        chart.setOption({ series: [{
          id: "sites", type: "scatter", coordinateSystem: "geo", geoIndex: 0,
          data: data.points.map(function (p) {
            return { value: [p.lon, p.lat], point: p, itemStyle: { color: colour(p) },
                     symbolSize: p.count > 1 ? Math.min(14 + Math.sqrt(p.count) * 2, 44) : 10,
                     label: { show: p.count > 1, formatter: String(p.count), color: "#fff", fontSize: 11 } };
          })
        }] });
        element.setAttribute("data-loaded", data.clustered ? "clusters" : "sites");
      });
  }

  function later() { clearTimeout(timer); timer = setTimeout(load, 250); }

  document.addEventListener("DOMContentLoaded", function () {
    element = document.getElementById("map");
    if (!element || typeof echarts === "undefined") { return; }
    words = { sites: element.getAttribute("data-word-sites"), overdue: element.getAttribute("data-word-overdue"),
              alerts: element.getAttribute("data-word-alerts") };
    fetch(element.getAttribute("data-boundaries"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (geojson) {
        echarts.registerMap("bazhong", geojson);
        chart = echarts.init(element);
        chart.setOption({
          animation: false,
          tooltip: { trigger: "item", formatter: function (params) { return params.data && params.data.point ? tooltip(params) : params.name; } },
          geo: { map: "bazhong", roam: true, layoutCenter: ["50%", "50%"], layoutSize: "95%", scaleLimit: { min: 1, max: 40 }, nameProperty: "name",
                 label: { show: true, color: "#404754" }, itemStyle: { areaColor: "#e8eef7", borderColor: "#8aa4c8" },
                 emphasis: { label: { show: true }, itemStyle: { areaColor: "#d5e1f2" } } },
          series: []
        });
        chart.on("georoam", later);
        chart.on("click", function (params) {
          var p = params.data && params.data.point;
          if (!p) { return; }
          if (p.url) { window.location.href = p.url; return; }
          var geo = chart.getOption().geo[0];
          chart.setOption({ geo: [{ center: [p.lon, p.lat], zoom: Math.min((geo.zoom || 1) * 2.5, 40) }] });
          later();
        });
        window.addEventListener("resize", function () { chart.resize(); later(); });
        load();
      });
  });
})();
