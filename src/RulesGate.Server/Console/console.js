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
  const minute = document.getElementById("minute");
  const totals = document.getElementById("totals");
  const spark = document.getElementById("sparkline");
  if (!rate || !minute || !totals || !spark) {
    return;
  }

  const svgNs = "http://www.w3.org/2000/svg";
  const area = document.createElementNS(svgNs, "polygon");
  area.setAttribute("class", "area");
  const line = document.createElementNS(svgNs, "polyline");
  spark.appendChild(area);
  spark.appendChild(line);

  // The server keeps the last minute, second by second: the chart is whole from the first poll.
  async function poll() {
    try {
      const response = await fetch("/console/rates", { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) {
        return;
      }

      const now = await response.json();
      const seconds = now.per_second;
      rate.textContent = String(seconds[seconds.length - 2] || 0);
      minute.textContent = String(seconds.reduce((a, b) => a + b, 0));
      totals.textContent = Object.entries(now.totals).map(([verdict, count]) => verdict + " " + count).join(" · ");
      const top = Math.max(1, ...seconds);
      const step = 600 / (seconds.length - 1);
      const points = seconds.map((value, i) => (i * step).toFixed(1) + "," + (78 - (value / top) * 74).toFixed(1));
      line.setAttribute("points", points.join(" "));
      area.setAttribute("points", "0,78 " + points.join(" ") + " 600,78");
    } catch (error) {
      // The server is away; the next poll tries again.
    }
  }

  poll();
  setInterval(poll, 1000);
}());
