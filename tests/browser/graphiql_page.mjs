// Opens GraphiQL in headless Chromium (Debian's, driven by playwright-core) with every request to
// another origin cut off, types a query into the editor, runs it, and reports one JSON object on stdout:
//   {"event": "ran", ...}    what the page showed and the result pane's JSON;
//   {"event": "error", ...}  on a timeout or a browser failure (exit code 1).
// Usage: node graphiql_page.mjs URL --query QUERY [--timeout-ms MS] [--chromium /usr/bin/chromium]
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    query: { type: "string" },
    "timeout-ms": { type: "string", default: "30000" },
    chromium: { type: "string", default: process.env.CHROMIUM || "/usr/bin/chromium" },
  },
});
const [url] = positionals;
const timeout = Number(values["timeout-ms"]);
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];
const emit = (object) => process.stdout.write(JSON.stringify(object) + "\n");

const problems = []; // console errors, uncaught exceptions, failed requests, CSP violations
const blocked = []; // requests to other origins, cut off
const requested = []; // requests that reached the server
let browser;
let page;
try {
  const origin = new URL(url).origin;
  browser = await chromium.launch({ executablePath: values.chromium, headless: true, args: ARGS, timeout });
  const context = await browser.newContext();
  // The network beyond the server is gone: a newcomer on a train.
  await context.route("**/*", (route) => {
    const target = route.request().url();
    if (new URL(target).origin === origin) {
      requested.push(new URL(target).pathname);
      return route.continue();
    }
    blocked.push(target);
    return route.abort("internetdisconnected");
  });
  page = await context.newPage();
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

  const response = await page.goto(url, { waitUntil: "load" });
  // GraphiQL rendered: the editor, the run button, and the schema fetched (the docs can open).
  await page.waitForSelector(".graphiql-query-editor .CodeMirror");
  await page.waitForSelector(".graphiql-execute-button");
  // Typed as a user would: click into the editor, select everything, type over it.
  await page.click(".graphiql-query-editor .CodeMirror");
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(values.query);
  const typed = await page.evaluate(() => document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.getValue());
  await page.click(".graphiql-execute-button");
  await page.waitForFunction(() => {
    const pane = document.querySelector(".graphiql-response .CodeMirror");
    return pane && pane.CodeMirror.getValue().trim().startsWith("{");
  });
  const result = await page.evaluate(() => document.querySelector(".graphiql-response .CodeMirror").CodeMirror.getValue());
  await page.click(".graphiql-sidebar button[aria-label='Show Documentation Explorer']");
  await page.waitForSelector(".graphiql-doc-explorer-title");
  // A dialog adds GraphiQL's only inline style (its scroll lock), allowed by its hash.
  await page.click("button[aria-label='Open settings dialog']");
  await page.waitForSelector("[role=dialog]");
  const dialogTitle = await page.textContent("[role=dialog] h2");
  await page.keyboard.press("Escape");
  await page.waitForSelector("[role=dialog]", { state: "detached" });
  emit({
    event: "ran",
    httpStatus: response.status(),
    csp: response.headers()["content-security-policy"] ?? null,
    title: await page.title(),
    loadingGone: !(await page.content()).includes("Loading GraphiQL…"),
    docsTitle: await page.textContent(".graphiql-doc-explorer-title"),
    dialogTitle,
    typed,
    result: JSON.parse(result),
    requested,
    blocked,
    problems,
  });
} catch (error) {
  emit({ event: "error", message: String(error?.message ?? error), requested, blocked, problems });
  process.exitCode = 1;
} finally {
  await browser?.close();
}
