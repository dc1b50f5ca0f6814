// Opens the live page in headless Chromium (Debian's, driven by playwright-core) and reports on stdout,
// one JSON object per line:
//   {"event": "ready", ...}  once the setlist is shown and the first voteCounts snapshot arrived;
//   {"event": "final", ...}  once the page's vote counts add up to --expect-total;
//   {"event": "error", ...}  on a timeout or a browser failure (exit code 1).
// Usage: node live_page.mjs URL --expect-total N [--timeout-ms MS] [--chromium /usr/bin/chromium]
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "expect-total": { type: "string", default: "0" },
    "timeout-ms": { type: "string", default: "15000" },
    chromium: { type: "string", default: process.env.CHROMIUM || "/usr/bin/chromium" },
  },
});
const [url] = positionals;
const expectTotal = Number(values["expect-total"]);
const timeout = Number(values["timeout-ms"]);
if (!url) {
  console.error("usage: node live_page.mjs URL --expect-total N [--timeout-ms MS]");
  process.exit(2);
}

// The flags this machine needs (its network is closed); playwright's launch() gives the browser a
// new, empty, temporary profile (its own --user-data-dir) and removes it on close.
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const problems = []; // console errors, uncaught exceptions, failed requests, CSP violations
const emit = (object) => process.stdout.write(JSON.stringify(object) + "\n");

// What the page shows, read from its markup only.
function snapshotOfPage() {
  const root = document.getElementById("live");
  const counts = {};
  const names = {};
  const changed = [];
  for (const row of document.querySelectorAll("#songs tr")) {
    const id = row.dataset.setlistSongId;
    counts[id] = Number(row.querySelector("td.votes").textContent);
    names[id] = row.querySelector("th[scope=row]").textContent;
    if (row.classList.contains("changed")) changed.push(id);
  }
  return {
    state: root.dataset.state,
    snapshots: Number(root.dataset.snapshots || 0),
    sequence: document.getElementById("sequence").textContent,
    status: document.getElementById("live-status").textContent,
    message: document.getElementById("message").hidden ? null : document.getElementById("message").textContent,
    resyncNoteShown: !document.getElementById("resync-note").hidden,
    title: document.getElementById("show-name").textContent,
    counts,
    names,
    changed,
  };
}

let browser;
let page;
try {
  browser = await chromium.launch({ executablePath: values.chromium, headless: true, args: ARGS, timeout });
  page = await browser.newPage();
  page.setDefaultTimeout(timeout);
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });

  const response = await page.goto(url, { waitUntil: "domcontentloaded" });
  await page.waitForFunction(() => {
    const root = document.getElementById("live");
    return root.dataset.state === "error" || (root.dataset.state === "live" && Number(root.dataset.snapshots) >= 1);
  });
  const ready = await page.evaluate(snapshotOfPage);
  emit({ event: "ready", httpStatus: response.status(), csp: response.headers()["content-security-policy"] ?? null, ...ready, problems });
  if (ready.state === "error") throw new Error(`the page failed: ${ready.message}`);

  await page.waitForFunction(
    (total) => [...document.querySelectorAll("#songs td.votes")].reduce((sum, cell) => sum + Number(cell.textContent), 0) >= total,
    expectTotal,
  );
  emit({ event: "final", ...(await page.evaluate(snapshotOfPage)), problems });
} catch (error) {
  let seen = null;
  try {
    seen = page ? await page.evaluate(snapshotOfPage) : null;
  } catch {}
  emit({ event: "error", message: String(error?.message ?? error), page: seen, problems });
  process.exitCode = 1;
} finally {
  await browser?.close();
}
