// The agreement dashboard: per-label bars, the reviewer-pair heatmap, the trend over runs, and the
// Recompute button (POST, then poll the run until it is done). Data comes only from the page's
// json_script block; Chart.js is the vendored UMD build loaded just before this module (window.Chart).
import { pollJob, request } from "./http.js";

const data = JSON.parse(document.getElementById("agreement-data").textContent);

const COLORS = { token_alpha: "#0072B2", exact_f1: "#E69F00", overlap_f1: "#009E73" };
const NAMES = { token_alpha: gettext("Token α"), exact_f1: gettext("Exact F1"), overlap_f1: gettext("Overlap F1") };
const POLL_MS = 1000;

const statusBox = document.getElementById("run-status");
const statusText = document.getElementById("run-status-text");
const progressBar = document.getElementById("run-progress");
const percentText = document.getElementById("run-percent");
const errorBox = document.getElementById("run-error");
const button = document.getElementById("recompute");

// --- charts ---------------------------------------------------------------------------------------

// Right to left in Arabic: the categories and the runs read from the right (the data in reverse order: a
// reversed scale drew its first and last tick labels cut at the chart's edges), the value axis on the right,
// legends and tooltips laid out right to left.
const RTL = document.documentElement.dir === "rtl";

function mirrored(config) {
  if (RTL) {
    config.data.labels.reverse();
    for (const dataset of config.data.datasets) dataset.data.reverse();
  }
  const { options } = config;
  const direction = { rtl: RTL, textDirection: RTL ? "rtl" : "ltr" };
  options.scales.y = { ...options.scales.y, position: RTL ? "right" : "left" };
  options.plugins = { ...options.plugins, legend: { ...options.plugins.legend, ...direction }, tooltip: direction };
  return config;
}

function chartDefaults(Chart) {
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1d2330";
  Chart.defaults.animation = false; // steady screenshots, and no motion for those who prefer none
  Chart.defaults.maintainAspectRatio = false;
}

function drawLabels(Chart, latest) {
  const canvas = document.getElementById("labels-chart");
  if (!canvas || !latest.labels.length) return;
  const metrics = ["token_alpha", "exact_f1", "overlap_f1"];
  new Chart(canvas, mirrored({
    type: "bar",
    data: {
      labels: latest.labels.map((row) => row.label),
      datasets: metrics.map((key) => ({
        label: NAMES[key],
        data: latest.labels.map((row) => row[key]),
        backgroundColor: COLORS[key],
      })),
    },
    options: {
      scales: { y: { suggestedMin: 0, suggestedMax: 1, title: { display: true, text: gettext("agreement") } } },
      plugins: { legend: { position: "bottom" } },
    },
  }));
}

function drawTrend(Chart, trend) {
  const canvas = document.getElementById("trend-chart");
  if (!canvas || !trend.length) return;
  const metrics = ["token_alpha", "overlap_f1", "exact_f1"];
  new Chart(canvas, mirrored({
    type: "line",
    data: {
      // two lines (the run, then when it finished): narrow enough for the first and last run at the chart's edges
      labels: trend.map((point) => [`#${point.id}`, (point.finished_at || "").slice(5, 16).replace("T", " ")]),
      datasets: metrics.map((key) => ({
        label: NAMES[key],
        data: trend.map((point) => point[key]),
        borderColor: COLORS[key],
        backgroundColor: COLORS[key],
        spanGaps: true,
        tension: 0.2,
        pointRadius: 4,
      })),
    },
    options: {
      scales: { y: { suggestedMin: 0, suggestedMax: 1 } },
      plugins: { legend: { position: "bottom" } },
    },
  }));
}

// --- heatmap ----------------------------------------------------------------------------------------

// Low agreement is warm, high is cool: white at 0.5, clamped to [0, 1] (alpha can be negative).
function heat(value) {
  const t = Math.max(0, Math.min(1, value));
  const low = [213, 94, 0];
  const mid = [247, 247, 247];
  const high = [0, 114, 178];
  const [a, b, u] = t < 0.5 ? [low, mid, t / 0.5] : [mid, high, (t - 0.5) / 0.5];
  const mix = a.map((c, i) => Math.round(c + (b[i] - c) * u));
  return { background: `rgb(${mix.join(", ")})`, ink: t > 0.8 || t < 0.2 ? "#fff" : "#1d2330" };
}

function paintHeatmap(metric) {
  for (const cell of document.querySelectorAll("#pair-heatmap td.cell:not(.self)")) {
    const raw = cell.dataset[metric];
    if (raw === undefined || raw === "") {
      cell.textContent = "—";
      cell.style.backgroundColor = "";
      cell.style.color = "";
      continue;
    }
    const value = Number(raw);
    const { background, ink } = heat(value);
    cell.textContent = value.toFixed(2);
    cell.style.backgroundColor = background;
    cell.style.color = ink;
  }
  for (const toggle of document.querySelectorAll(".heatmap-controls .toggle")) {
    toggle.setAttribute("aria-pressed", String(toggle.dataset.metric === metric));
  }
}

function setupHeatmap() {
  if (!document.getElementById("pair-heatmap")) return;
  for (const toggle of document.querySelectorAll(".heatmap-controls .toggle")) {
    toggle.addEventListener("click", () => paintHeatmap(toggle.dataset.metric));
  }
  const ramp = document.querySelector(".legend .ramp");
  if (ramp) ramp.style.backgroundImage = `linear-gradient(to right, ${heat(0).background}, ${heat(0.5).background}, ${heat(1).background})`;
  paintHeatmap("overlap_f1");
}

// --- recompute and progress ---------------------------------------------------------------------------

function showRun(run) {
  statusBox.hidden = false;
  const progress = Number(run.progress) || 0;
  progressBar.value = progress;
  percentText.textContent = `${Math.round(progress * 100)} %`;
  statusBox.dataset.status = run.status;
  const label = {
    pending: interpolate(gettext("Run #%s is waiting for a worker…"), [run.id]),
    running: interpolate(gettext("Run #%s is running…"), [run.id]),
    done: interpolate(gettext("Run #%s is done."), [run.id]),
    failed: interpolate(gettext("Run #%s failed."), [run.id]),
  }[run.status] || run.status;
  statusText.textContent = label;
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

// A run is followed until it ends; a failed read is shown and retried (the run goes on without us).
async function follow(runId) {
  button.disabled = true;
  const run = await pollJob(`${data.urls.run}${runId}/`, {
    intervalMs: POLL_MS,
    onUpdate(update) {
      showError("");
      showRun(update);
    },
    onError(error) {
      showError(interpolate(gettext("Could not read the run's progress (%s); retrying."), [error.message]));
    },
  });
  if (run.status === "done") {
    statusText.textContent = interpolate(gettext("Run #%s is done. Showing its results…"), [run.id]);
    setTimeout(() => window.location.reload(), 400);
    return;
  }
  showError(run.error || gettext("The run failed."));
  button.disabled = false;
}

async function recompute() {
  button.disabled = true;
  showError("");
  let run;
  try {
    run = await request("POST", data.urls.runs);
  } catch (error) {
    showError(interpolate(gettext("Could not start a run (%s)."), [error.message || error]));
    button.disabled = false;
    return;
  }
  showRun(run);
  await follow(run.id);
}

// --- start ----------------------------------------------------------------------------------------

button.addEventListener("click", recompute);
setupHeatmap();
if (window.Chart && data.latest) {
  chartDefaults(window.Chart);
  drawLabels(window.Chart, data.latest);
  drawTrend(window.Chart, data.trend);
}
if (data.in_flight) {
  showRun(data.in_flight);
  follow(data.in_flight.id);
}
document.body.dataset.dashboardReady = "true";
