// The live view's page: it follows the run's events and draws them; its
// controls POST to /control/NAME with the X-Gltrain header the server
// requires.
"use strict";

const $ = (id) => document.getElementById(id);
let last = null;       // the last event
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
  const c = e.Curves || [];
  const xs = c.map((p) => p.Epoch);
  charts.loss.setData([xs, c.map((p) => p.TrainLoss), c.map((p) => p.ValLoss)]);
  const acc = [xs, c.map((p) => p.TrainAcc), c.map((p) => p.ValAcc)];
  const anyAcc = c.some((p) => p.TrainAcc !== null || p.ValAcc !== null);
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
    const dot = (p, ring) => {
      const colour = e.Palette[p.Class % e.Palette.length];
      ctx.beginPath();
      ctx.arc(sx(p.X), sy(p.Y), 3, 0, 2 * Math.PI);
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
    (b.Train || []).forEach((p) => dot(p, false));
    (b.Val || []).forEach((p) => dot(p, true));
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

const source = new EventSource("/events");
source.onmessage = (msg) => show(JSON.parse(msg.data));
source.onerror = () => {
  if (last && last.Done) {
    source.close(); // the run is over and its server gone
  } else if (source.readyState === EventSource.CLOSED || last) {
    $("state").textContent = "disconnected (the run has ended, or its server is unreachable)";
  }
};
