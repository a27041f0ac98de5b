// DSFR Chart draws with Chart.js's default animation: for about a second after a chart is drawn its bars
// and lines grow from 0, so a reader, a screenshot or a print caught in that second sees figures below the
// table's (the funnel's bars at two thirds of their value). The component has no option for it: each
// chart is stilled as soon as it exists, and Chart.js's defaults with it, for the charts it draws again.
// Importing the component here (rather than beside this script) runs this module right after it: the
// first animation frame requested below comes before the charts' own.
import "/static/dsfr-chart/DSFRChart/DSFRChart.js";

const CHARTS = "bar-chart, line-chart, bar-line-chart, pie-chart, radar-chart, scatter-chart, gauge-chart";

// A chart of a bounded scale (scores from 1 to 5) says its bounds in data-min/data-max: the component
// passes y-min to Chart.js as a mere suggestion, and a bar chart's value axis begins at zero whatever it
// suggests. Its value axis is set to them (the x axis of a horizontal chart); true when it changed.
function bound(element, chart) {
  if (element.dataset.min === undefined || element.dataset.max === undefined) return false;
  const axis = chart.options.scales?.[chart.options.indexAxis === "y" ? "x" : "y"];
  const min = Number(element.dataset.min), max = Number(element.dataset.max);
  if (!axis || (axis.min === min && axis.max === max)) return false;
  Object.assign(axis, { min, max, beginAtZero: false });
  return true;
}

// True while a chart element has no Chart.js instance yet.
function still() {
  let waiting = false;
  for (const element of document.querySelectorAll(CHARTS)) {
    const chart = element._instance?.proxy?.chart; // the component's Chart.js instance
    if (!chart) {
      waiting = true;
      continue;
    }
    if (bound(element, chart) && chart.options.animation === false) chart.update("none");
    if (chart.options.animation === false) continue;
    chart.constructor.defaults.animation = false;
    chart.options.animation = false;
    chart.stop();
    chart.update("none");
  }
  return waiting;
}

let frames = 0;
function everyFrame() {
  frames += 1;
  if ((still() || document.readyState !== "complete") && frames < 600) requestAnimationFrame(everyFrame);
}
requestAnimationFrame(everyFrame);
// The component draws its chart anew when the window is resized (a phone turned): bounds set again.
window.addEventListener("resize", () => setTimeout(() => requestAnimationFrame(still), 300));
