// DSFR Chart draws with Chart.js's default animation: for about a second after a chart is drawn its bars
// and lines grow from 0, so a reader, a screenshot or a print caught in that second sees figures below the
// table's (the funnel's bars at two thirds of their value). The component has no option for it: each
// chart is stilled as soon as it exists, and Chart.js's defaults with it, for the charts it draws again.
// Importing the component here (rather than beside this script) runs this module right after it: the
// first animation frame requested below comes before the charts' own.
import "/static/dsfr-chart/DSFRChart/DSFRChart.js";

const CHARTS = "bar-chart, line-chart, bar-line-chart, pie-chart, radar-chart, scatter-chart, gauge-chart";

// True while a chart element has no Chart.js instance yet.
function still() {
  let waiting = false;
  for (const element of document.querySelectorAll(CHARTS)) {
    const chart = element._instance?.proxy?.chart; // the component's Chart.js instance
    if (!chart) {
      waiting = true;
      continue;
    }
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
