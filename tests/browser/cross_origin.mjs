// Calls the API from pages on other origins in headless Chromium (Debian's, driven by playwright-core)
// and reports one JSON object per page on stdout:
//   {"event": "page", "page": URL, ...}  what the page's script saw (see crossOrigin below);
//   {"event": "error", ...}              on a browser failure (exit code 1).
// Each page runs, with fetch and the vendored graphql-ws client: a query (ShowPage), signUp, `me`
// with the bearer token, a voteCounts subscription, and a vote with the token; a step that fails
// is reported with its error and the page goes on to the next.
// Usage: node cross_origin.mjs --api URL --show-id ID --setlist-id ID --setlist-song-id ID PAGE_URL...
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values, positionals: pages } = parseArgs({
  allowPositionals: true,
  options: {
    api: { type: "string" },
    "show-id": { type: "string" },
    "setlist-id": { type: "string" },
    "setlist-song-id": { type: "string" },
    "timeout-ms": { type: "string", default: "15000" },
    chromium: { type: "string", default: process.env.CHROMIUM || "/usr/bin/chromium" },
  },
});
const timeout = Number(values["timeout-ms"]);
const documents = Object.fromEntries(
  ["ShowPage", "SignUp", "Me", "Vote", "VoteCounts"].map((name) => [
    name,
    readFileSync(new URL(`../../graphql/${name}.graphql`, import.meta.url), "utf8"),
  ]),
);
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];
const emit = (object) => process.stdout.write(JSON.stringify(object) + "\n");

// Runs inside the page, so every request carries the page's Origin.
async function crossOrigin({ api, documents, showId, setlistId, setlistSongId, timeout }) {
  const report = {};
  const step = async (name, run) => {
    try {
      report[name] = { ok: true, ...(await run()) };
    } catch (error) {
      report[name] = { ok: false, error: String(error?.message ?? error) };
    }
    return report[name];
  };
  const post = async (query, variables, headers = {}) => {
    const response = await fetch(`${api}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, requestId: response.headers.get("x-request-id"), body: await response.json() };
  };
  const withTimeout = (promise, what) =>
    Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), timeout))]);

  await step("query", () => post(documents.ShowPage, { id: showId }));
  const email = `cors-${crypto.randomUUID()}@example.com`;
  const signUp = await step("signUp", () =>
    post(documents.SignUp, { email, password: "correct horse battery", displayName: "Cross Origin" }));
  const token = signUp.body?.data?.signUp?.token;
  const auth = token ? { authorization: `Bearer ${token}` } : {};
  await step("me", () => post(documents.Me, {}, { ...auth, "apollographql-client-name": "cors-test",
    "apollographql-client-version": "1", "x-request-id": "cors-test-request" }));

  // The subscription: its snapshot first, then the vote's change.
  const events = [];
  let closeCode = null;
  let notifySnapshot, notifyChange, notifyFailure;
  const snapshot = new Promise((resolve) => (notifySnapshot = resolve));
  const change = new Promise((resolve) => (notifyChange = resolve));
  const failure = new Promise((_, reject) => (notifyFailure = reject));
  failure.catch(() => {});
  const client = window.graphqlWs.createClient({
    url: api.replace(/^http/, "ws") + "/graphql",
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    on: { closed: (event) => { closeCode = event?.code ?? null; } },
  });
  client.subscribe({ query: documents.VoteCounts, variables: { setlistId } }, {
    next: (result) => {
      events.push(result);
      const counts = result.data?.voteCounts;
      if (counts?.kind === "SNAPSHOT") notifySnapshot(counts);
      else if (counts) notifyChange(counts);
    },
    error: (error) => notifyFailure(new Error(`subscription failed (close code ${closeCode ?? error?.code ?? "?"})`)),
    complete: () => {},
  });
  await step("subscriptionSnapshot", async () => ({ event: await withTimeout(Promise.race([snapshot, failure]), "snapshot") }));
  if (report.subscriptionSnapshot.ok) {
    await step("vote", () => post(documents.Vote, { setlistSongId }, auth));
    await step("subscriptionChange", async () => ({ event: await withTimeout(Promise.race([change, failure]), "change") }));
  }
  report.closeCode = closeCode;
  await client.dispose();
  return report;
}

let browser;
try {
  browser = await chromium.launch({ executablePath: values.chromium, headless: true, args: ARGS, timeout });
  for (const url of pages) {
    const page = await browser.newPage();
    page.setDefaultTimeout(timeout);
    const consoleErrors = [];
    page.on("console", (message) => { if (message.type() === "error") consoleErrors.push(message.text()); });
    page.on("pageerror", (error) => consoleErrors.push(`pageerror: ${error.message}`));
    await page.goto(url, { waitUntil: "load" });
    const report = await page.evaluate(crossOrigin, {
      api: values.api,
      documents,
      showId: values["show-id"],
      setlistId: values["setlist-id"],
      setlistSongId: values["setlist-song-id"],
      timeout,
    });
    emit({ event: "page", page: url, origin: await page.evaluate(() => window.location.origin), ...report, console: consoleErrors });
    await page.close();
  }
} catch (error) {
  emit({ event: "error", message: String(error?.message ?? error) });
  process.exitCode = 1;
} finally {
  await browser?.close();
}
