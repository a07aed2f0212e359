/* The site form's map picker (ui.widgets.MapPicker): Bazhong's counties drawn with ECharts; a click
   writes the point into the longitude and latitude inputs, and the marker follows what is typed. */
(function () {
  "use strict";
  function setUp(element) {
    var lon = document.getElementById(element.getAttribute("data-longitude"));
    var lat = document.getElementById(element.getAttribute("data-latitude"));
    if (!lon || !lat) { return; }
    fetch(element.getAttribute("data-boundaries"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (geojson) {
        echarts.registerMap("bazhong", geojson);
        var chart = echarts.init(element);
        function marker() {
          var point = [parseFloat(lon.value), parseFloat(lat.value)];
          var data = isNaN(point[0]) || isNaN(point[1]) ? [] : [point];
          chart.setOption({ series: [{ id: "site", type: "scatter", coordinateSystem: "geo", symbolSize: 14,
                                       itemStyle: { color: "#d63939" }, data: data }] });
        }
        chart.setOption({
          animation: false,
          geo: { map: "bazhong", roam: true, layoutCenter: ["50%", "50%"], layoutSize: "95%",
                 label: { show: true, color: "#404754" }, itemStyle: { areaColor: "#e8eef7", borderColor: "#8aa4c8" } },
          series: []
        });
        chart.getZr().on("click", function (event) {
          var point = chart.convertFromPixel({ geoIndex: 0 }, [event.offsetX, event.offsetY]);
          if (!point) { return; }
          lon.value = point[0].toFixed(6);
          lat.value = point[1].toFixed(6);
          marker();
        });
        lon.addEventListener("change", marker);
        lat.addEventListener("change", marker);
        marker();
        element.setAttribute("data-ready", "true");
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-map-picker]").forEach(setUp);
  });
})();
