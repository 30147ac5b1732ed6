// The live view's page: it follows the run's events and draws them; its
// controls POST to /control/NAME with the X-Gltrain header the server
// requires.
"use strict";

const $ = (id) => document.getElementById(id);
let last = null;       // the run's state: the events merged
let boundaryStep = -1; // the step of the decision map loaded
const boundaryImg = new Image();
let charts = null;

function control(name, params) {
  const body = new URLSearchParams(params || {});
  return fetch("/control/" + name, { method: "POST", headers: { "X-Gltrain": "1" }, body });
}

$("pause").onclick = () => control(last && last.Paused ? "resume" : "pause");
$("step-once").onclick = () => control("step");
$("stop").onclick = () => control("stop");
$("restart").onclick = () => {
  const seed = $("seed").value;
  control("restart", seed === "" ? {} : { seed });
};
$("speed").onchange = () => control("speed", { spf: $("speed").value });

const epochIncrs = [];
for (let m = 1; m <= 1e9; m *= 10) epochIncrs.push(m, 2 * m, 5 * m);

function chart(target, yLabel, legend) {
  const opts = {
    width: 460, height: 200,
    legend: { show: legend },
    scales: { x: { time: false } },
    series: [
      { label: "epoch" },
      { label: "training", stroke: "#1f77b4", width: 2, points: { show: true, size: 4 } },
      { label: "validation", stroke: "#ff7f0e", width: 2, points: { show: true, size: 4 } },
    ],
    // Epochs are whole: ticks at 1, 2, 5, 10, 20, … (uPlot's own would
    // put ticks at 1.5 and 2.5 on a short run).
    axes: [{ label: "epoch", incrs: epochIncrs }, { label: yLabel }],
  };
  return new uPlot(opts, [[], [], []], target);
}

function drawCurves(e) {
  if (!charts) {
    charts = { loss: chart($("loss"), "loss", true), acc: chart($("acc"), "accuracy", false) };
  }
  // A point is [epoch, step, train loss, val loss, train acc, val acc].
  const c = e.Curves;
  const xs = c.map((p) => p[0]);
  charts.loss.setData([xs, c.map((p) => p[2]), c.map((p) => p[3])]);
  const acc = [xs, c.map((p) => p[4]), c.map((p) => p[5])];
  const anyAcc = c.some((p) => p[4] !== null || p[5] !== null);
  $("acc-box").hidden = !anyAcc && c.length > 0;
  charts.acc.setData(acc);
}

function drawBoundary(e) {
  const b = e.Boundary;
  $("boundary-box").hidden = !b;
  if (!b) return;
  const canvas = $("boundary");
  const ctx = canvas.getContext("2d");
  const paint = () => {
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(boundaryImg, 0, 0, canvas.width, canvas.height);
    const sx = (x) => ((x - b.XMin) / (b.XMax - b.XMin)) * canvas.width;
    const sy = (y) => ((b.YMax - y) / (b.YMax - b.YMin)) * canvas.height;
    const dot = (p, ring) => { // p is [x, y, class]
      const colour = e.Palette[p[2] % e.Palette.length];
      ctx.beginPath();
      ctx.arc(sx(p[0]), sy(p[1]), 3, 0, 2 * Math.PI);
      if (ring) {
        ctx.lineWidth = 1.5;
        ctx.strokeStyle = colour;
        ctx.stroke();
      } else {
        ctx.fillStyle = colour;
        ctx.fill();
        ctx.lineWidth = 0.5;
        ctx.strokeStyle = "#333";
        ctx.stroke();
      }
    };
    const pts = e.Points || {};
    (pts.Train || []).forEach((p) => dot(p, false));
    (pts.Val || []).forEach((p) => dot(p, true));
  };
  if (b.Step !== boundaryStep) {
    boundaryStep = b.Step;
    boundaryImg.onload = paint;
    boundaryImg.src = b.URL;
  } else if (boundaryImg.complete) {
    paint();
  }
}

function drawConfusion(e) {
  const m = e.Confusion;
  $("confusion-box").hidden = !m;
  if (!m) return;
  const names = e.Classes || m.map((_, i) => String(i));
  let most = 1;
  m.forEach((row) => row.forEach((n) => { most = Math.max(most, n); }));
  const head = "<tr><th></th>" + names.map((n) => "<th>" + esc(n) + "</th>").join("") + "</tr>";
  const rows = m.map((row, i) => "<tr><th>" + esc(names[i]) + "</th>" + row.map((n, j) => {
    const a = (0.08 + 0.6 * n / most).toFixed(2);
    const colour = i === j ? "44,160,44" : "214,39,40";
    return '<td style="background: rgba(' + colour + "," + (n ? a : 0) + ')">' + n + "</td>";
  }).join("") + "</tr>");
  $("confusion").innerHTML = head + rows.join("");
}

function drawStrip(boxId, stripId, images) {
  $(boxId).hidden = !images || images.length === 0;
  if (!images) return;
  $(stripId).innerHTML = images.map((im) =>
    '<figure><img src="' + im.URL + '" alt=""><figcaption>' + esc(im.Label || "") + "</figcaption></figure>").join("");
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
}

function show(e) {
  last = e;
  $("run").textContent = e.Run || "";
  $("epoch").textContent = "epoch " + e.Epoch + " of " + e.Epochs;
  $("epoch").dataset.epoch = e.Epoch;
  $("step").textContent = "step " + e.Step;
  const state = $("state");
  state.className = e.Done ? (e.Err ? "error" : "done") : "";
  state.textContent = e.Done ? (e.Err ? "ended: " + e.Err : "done") : e.Paused ? "paused" : "training";
  $("pause").textContent = e.Paused ? "Resume" : "Pause";
  $("speed").value = String(e.StepsPerFrame);
  for (const id of ["pause", "step-once", "restart", "stop", "speed"]) $(id).disabled = e.Done;
  drawCurves(e);
  drawBoundary(e);
  drawConfusion(e);
  drawStrip("wrong-box", "wrong", e.Misclassified);
  drawStrip("filters-box", "filters", e.Filters);
}

// maxCurve is the most curve points the page keeps: past twice as many it
// thins them evenly to this many, the first and the last among them, as
// the server does for a full event.
const maxCurve = 1000;

function evenly(xs, n) {
  if (xs.length <= n) return xs;
  const out = [];
  for (let i = 0; i < n; i++) out.push(xs[Math.floor(i * (xs.length - 1) / (n - 1))]);
  return out;
}

// merge applies an event: a full one replaces the state (the first of a
// connection, a restart's); another brings the counters, the curve points
// to append, and only the parts that changed (a part it leaves out is
// unchanged; null is none).
function merge(d) {
  const e = d.Full || !last ? { Curves: [], Palette: ["#1f77b4"] } : Object.assign({}, last);
  if (d.Full) boundaryStep = -1;
  for (const k of Object.keys(d)) {
    if (k !== "Curves" && k !== "Full") e[k] = d[k];
  }
  if (d.Curves) {
    e.Curves = e.Curves.concat(d.Curves);
    if (e.Curves.length > 2 * maxCurve) e.Curves = evenly(e.Curves, maxCurve);
  }
  return e;
}

const source = new EventSource("/events");
source.onmessage = (msg) => show(merge(JSON.parse(msg.data)));
source.onerror = () => {
  if (last && last.Done) {
    source.close(); // the run is over and its server gone
  } else if (source.readyState === EventSource.CLOSED || last) {
    $("state").textContent = "disconnected (the run has ended, or its server is unreachable)";
  }
};
