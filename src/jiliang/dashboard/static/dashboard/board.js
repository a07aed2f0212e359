/* The dashboard's charts (Apache ECharts, vendored): each drawn from the table the server sent
   (#board-charts), each savable as PNG; a county bar drills into that county; full-screen for a wall. */
(function () {
  "use strict";
  var PALETTE = ["#206bc4", "#d63939", "#f59f00", "#868e96", "#2fb344", "#ae3ec9"];
  var charts = {};

  function option(table) {
    var names = table.rows.map(function (row) { return row[0]; });
    var series = [];
    for (var i = 1; i <= table.bars; i++) {
      series.push({
        name: table.headers[i], type: "bar", stack: table.kind === "by_county" ? "total" : undefined,
        data: table.rows.map(function (row) { return row[i]; }), barMaxWidth: 36
      });
    }
    var axes = [{ type: "value", minInterval: 1 }];
    if (table.line) {
      var last = table.bars + 1;
      series.push({
        name: table.headers[last], type: "line", yAxisIndex: 1, smooth: true, connectNulls: true,
        data: table.rows.map(function (row) { return row[last]; })
      });
      axes.push({ type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } });
    }
    return {
      color: PALETTE, animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: names, axisLabel: { hideOverlap: true } },
      yAxis: axes,
      series: series
    };
  }

  function draw(table) {
    var element = document.querySelector('[data-chart="' + table.key + '"]');
    if (!element) { return; }
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option(table));
    if (table.kind === "by_county") {
      chart.on("click", function (event) {
        var code = table.codes[event.dataIndex];
        if (code) { window.location.search = "?division=" + encodeURIComponent(code); }
      });
      chart.getZr().setCursorStyle("pointer");
    }
    charts[table.key] = { chart: chart, title: table.title };
  }

  function savePng(key) {
    var entry = charts[key];
    if (!entry) { return; }
    var link = document.createElement("a");
    link.href = entry.chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
    link.download = entry.title + ".png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function resizeAll() {
    Object.keys(charts).forEach(function (key) { charts[key].chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var data = document.getElementById("board-charts");
    if (!data || typeof echarts === "undefined") { return; }
    JSON.parse(data.textContent).forEach(draw);
    document.querySelectorAll("[data-png]").forEach(function (button) {
      button.addEventListener("click", function () { savePng(button.getAttribute("data-png")); });
    });
    document.querySelectorAll("[data-fullscreen]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-fullscreen"));
        if (document.fullscreenElement) { document.exitFullscreen(); }
        else if (target.requestFullscreen) { target.requestFullscreen(); }
      });
    });
    document.addEventListener("fullscreenchange", function () { setTimeout(resizeAll, 50); });
    window.addEventListener("resize", resizeAll);
    document.body.setAttribute("data-charts-ready", "true");
  });
})();
