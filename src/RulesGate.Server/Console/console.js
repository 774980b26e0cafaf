// RulesGate console: live decision rates on the overview. Numbers only; nothing is written as HTML.
"use strict";
// Every time is shown in UTC to the second; hovering shows it in the reader's own time zone.
(function () {
  for (const time of document.querySelectorAll("time[datetime]")) {
    const at = new Date(time.getAttribute("datetime"));
    if (!Number.isNaN(at.getTime())) {
      time.title = at.toLocaleString() + " (your time)";
    }
  }
})();
(function () {
  const rate = document.getElementById("rate");
  const totals = document.getElementById("totals");
  const spark = document.getElementById("sparkline");
  if (!rate || !totals || !spark) {
    return;
  }

  const samples = [];
  let last = null;
  const svgNs = "http://www.w3.org/2000/svg";
  const line = document.createElementNS(svgNs, "polyline");
  spark.appendChild(line);

  async function poll() {
    try {
      const response = await fetch("/console/rates", { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) {
        return;
      }

      const now = await response.json();
      const sum = Object.values(now).reduce((a, b) => a + b, 0);
      if (last !== null) {
        samples.push(Math.max(0, sum - last));
        if (samples.length > 60) {
          samples.shift();
        }
      }

      last = sum;
      rate.textContent = String(samples.length ? samples[samples.length - 1] : 0);
      totals.textContent = Object.entries(now).map(([verdict, count]) => verdict + " " + count).join(" · ");
      const top = Math.max(1, ...samples);
      line.setAttribute("points", samples.map((value, i) => (i * 10) + "," + (78 - (value / top) * 74)).join(" "));
    } catch (error) {
      // The server is away; the next poll tries again.
    }
  }

  poll();
  setInterval(poll, 1000);
}());
