(function () {
  "use strict";

  // ------------------------------------------------------------------
  // Full size on click (one overlay, created on demand so no <img> ever lacks a source)

  var box = null;
  function closeBox() { if (box) { box.remove(); box = null; } }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (box) { closeBox(); return; }
    if (target instanceof HTMLImageElement && target.classList.contains("zoom")) {
      box = document.createElement("div");
      box.id = "lightbox";
      var img = document.createElement("img");
      img.src = target.src;
      img.alt = target.alt;
      box.appendChild(img);
      document.body.appendChild(box);
    }
  });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") { closeBox(); } });

  // ------------------------------------------------------------------
  // Field filter

  var filter = document.getElementById("field-filter");
  var count = document.getElementById("field-count");
  if (filter && count) {
    filter.addEventListener("input", function () {
      var query = filter.value.toLowerCase();
      var rows = document.querySelectorAll("#fields-table tbody tr");
      var shown = 0;
      rows.forEach(function (row) {
        var match = row.textContent.toLowerCase().indexOf(query) !== -1;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " fields";
    });
  }

  // ------------------------------------------------------------------
  // Images per step: a slider shows one step at a time in every pane of its slot

  document.querySelectorAll("input.step-slider").forEach(function (slider) {
    var slot = slider.closest(".slot");
    var label = slot.querySelector(".step-label");
    var steps = JSON.parse(slider.getAttribute("data-steps"));
    function show() {
      var index = Number(slider.value);
      slot.querySelectorAll("[data-step-index]").forEach(function (el) {
        el.hidden = Number(el.getAttribute("data-step-index")) !== index;
      });
      label.textContent = "step " + steps[index];
    }
    slider.addEventListener("input", show);
    show();
  });

  // ------------------------------------------------------------------
  // Charts (uPlot): hover for values, drag to zoom, double-click to reset, log scale, smoothing

  var holder = document.getElementById("report-data");
  if (!holder || typeof uPlot === "undefined") { return; }
  var data = JSON.parse(holder.textContent);
  var charts = {};
  var smoothing = 0;

  function fmt(v) {
    if (v === null || v === undefined || Number.isNaN(v)) { return "–"; }
    if (Number.isInteger(v) && Math.abs(v) < 1e15) { return String(v); }
    return String(Number(v.toPrecision(6)));
  }

  // Exponential moving average with TensorBoard's debiasing; gaps stay gaps.
  function smooth(ys, weight) {
    var out = new Array(ys.length);
    var last = 0;
    var n = 0;
    for (var i = 0; i < ys.length; i++) {
      var v = ys[i];
      if (v === null || v === undefined || !Number.isFinite(v)) { out[i] = null; continue; }
      last = last * weight + (1 - weight) * v;
      n += 1;
      out[i] = last / (1 - Math.pow(weight, n));
    }
    return out;
  }

  // Tick labels with as many decimals as the spacing between ticks needs (0.0146, 0.0148, …).
  function ticks(u, splits) {
    var gap = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : 0;
    var decimals = gap > 0 ? Math.max(0, Math.min(12, -Math.floor(Math.log10(gap)) + 1)) : 3;
    return splits.map(function (v) {
      if (v === null || v === undefined) { return ""; }
      var a = Math.abs(v);
      if (a !== 0 && (a >= 1e6 || a < 1e-4)) { return v.toExponential(2); }
      return String(Number(v.toFixed(decimals)));
    });
  }

  function integers(xs) {
    for (var i = 0; i < xs.length; i++) { if (!Number.isInteger(xs[i])) { return false; } }
    return true;
  }

  function aligned(spec) {
    if (spec.lines.length === 1) { return [spec.lines[0].x, spec.lines[0].y]; }
    return uPlot.join(spec.lines.map(function (line) { return [line.x, line.y]; }));
  }

  function positive(ys) { return ys.map(function (v) { return v !== null && v > 0 ? v : null; }); }

  function xRange(u, min, max) {
    if (min === null || max === null) { return [0, 1]; }
    if (min === max) { return [min - 1, max + 1]; }
    return [min, max];
  }

  function yRange(u, min, max) {
    if (min === null || max === null) { return [0, 1]; }
    if (this.zero && min >= 0) { return [0, max > 0 ? uPlot.rangeNum(0, max, 0.1, true)[1] : 1]; }
    if (min === max) {
      // One value (a single point, a constant): an axis from zero, not from 0.95 to 1.05.
      if (min === 0) { return [0, 1]; }
      if (min > 0) { return [0, min * 1.25]; }
      return [min * 1.25, 0];
    }
    return uPlot.rangeNum(min, max, 0.1, true);
  }

  function build(id) {
    var spec = data.charts[id];
    var el = document.querySelector('.plot[data-chart="' + id + '"]');
    var state = charts[id] || { log: false };
    if (state.plot) { state.plot.destroy(); }
    var base = aligned(spec);
    var rows = [base[0]];
    var raw = [];
    for (var i = 1; i < base.length; i++) {
      var ys = state.log ? positive(base[i]) : base[i];
      raw.push(ys);
      rows.push(smoothing > 0 ? smooth(ys, smoothing) : ys);
    }
    raw.forEach(function (ys) { rows.push(ys); });
    var series = [{ label: "step", value: function (u, v) { return fmt(v); } }];
    spec.lines.forEach(function (line) {
      series.push({
        label: line.label,
        stroke: line.color,
        width: 1.6,
        dash: line.dash || undefined,
        spanGaps: true,
        points: { show: line.x.length <= 60, size: 5, fill: line.color },
        value: function (u, v) { return fmt(v); }
      });
    });
    spec.lines.forEach(function (line) {
      series.push({
        label: line.label + " (raw)",
        class: "raw",
        stroke: line.color + "55",
        width: 1,
        spanGaps: true,
        show: smoothing > 0,
        points: { show: false },
        value: function (u, v) { return fmt(v); }
      });
    });
    el.classList.toggle("smoothed", smoothing > 0);
    el.textContent = "";
    var width = Math.max(280, Math.min(el.clientWidth || 640, 1200));
    state.plot = new uPlot({
      width: width,
      height: 220,
      series: series,
      scales: {
        x: { time: false, range: xRange },
        y: state.log ? { distr: 3 } : { range: yRange.bind(spec) }
      },
      axes: [
        integers(base[0])
          ? { label: "step", labelSize: 18, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7] }
          : { label: "step", labelSize: 18 },
        { size: 64, values: ticks }
      ],
      cursor: {
        drag: { x: true, y: false },
        points: { size: 7 },
        // Each line's value at the step under the cursor, "–" where it has none (uPlot would
        // show another step's value for a line with a gap there).
        dataIdx: function (u, seriesIdx, closestIdx) { return closestIdx; }
      },
      legend: { live: true },
      hooks: {
        // The axes' ranges, readable from the page (and by its tests).
        setScale: [function (u, key) {
          el.setAttribute("data-" + key + "-range", fmt(u.scales[key].min) + " " + fmt(u.scales[key].max));
        }]
      }
    }, rows, el);
    charts[id] = state;
  }

  Object.keys(data.charts).forEach(build);

  document.querySelectorAll("input.log-scale").forEach(function (toggle) {
    toggle.addEventListener("change", function () {
      var id = toggle.getAttribute("data-chart");
      charts[id].log = toggle.checked;
      build(id);
    });
  });

  var smoothInput = document.getElementById("smoothing");
  var smoothShown = document.getElementById("smoothing-value");
  if (smoothInput && smoothShown) {
    smoothInput.addEventListener("input", function () {
      smoothing = Math.min(0.99, Math.max(0, Number(smoothInput.value)));
      smoothShown.textContent = smoothing.toFixed(2);
      Object.keys(data.charts).forEach(build);
    });
  }
})();
