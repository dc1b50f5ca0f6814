// Runs one operation with urql's core client and reports each result as one JSON line on stdout:
// {"event":"next","data":…,"error":…} ("error" is urql's CombinedError: its graphQLErrors' codes and
// whether it was a network error), then {"event":"complete"} for a query. Queries and mutations go
// through fetchExchange (HTTP); subscriptions through subscriptionExchange with graphql-ws (over the
// `ws` package) on the same URL with the ws: scheme.
// Usage: node urql_client.mjs URL DOCUMENT_FILE VARIABLES_JSON [TOKEN]
import { readFileSync } from "node:fs";
import { Client, fetchExchange, gql, subscriptionExchange } from "@urql/core";
import { createClient as createWsClient } from "graphql-ws";
import WebSocket from "ws";

const [url, documentFile, variablesJson, token] = process.argv.slice(2);
const emit = (event) => process.stdout.write(JSON.stringify(event) + "\n");
const authorization = token ? `Bearer ${token}` : null;

function describe(error) {
  if (!error) return null;
  return {
    name: error.name ?? null,
    message: error.message ?? String(error),
    codes: (error.graphQLErrors ?? []).map((e) => e.extensions?.code ?? null),
    network: error.networkError ? String(error.networkError) : null,
  };
}

const ws = createWsClient({
  url: url.replace(/^http/, "ws"),
  webSocketImpl: WebSocket,
  connectionParams: authorization ? { authorization } : {},
  retryAttempts: 0, // report a refused or dropped socket instead of reconnecting
});

const client = new Client({
  url,
  fetchOptions: () => ({ headers: authorization ? { authorization } : {} }),
  exchanges: [
    fetchExchange,
    subscriptionExchange({
      forwardSubscription(request) {
        const input = { ...request, query: request.query || "" };
        return { subscribe: (sink) => ({ unsubscribe: ws.subscribe(input, sink) }) };
      },
    }),
  ],
});

const query = gql(readFileSync(documentFile, "utf8"));
const variables = JSON.parse(variablesJson);
const operation = query.definitions.find((definition) => definition.kind === "OperationDefinition")?.operation;
const report = (result) => emit({ event: "next", data: result.data ?? null, error: describe(result.error) });

if (operation === "subscription") {
  client.subscription(query, variables).subscribe(report);
} else {
  const run = operation === "mutation" ? client.mutation(query, variables) : client.query(query, variables, { requestPolicy: "network-only" });
  run.toPromise().then(
    (result) => {
      report(result);
      emit({ event: "complete" });
      process.exit(0);
    },
    (error) => {
      emit({ event: "error", error: describe(error) });
      process.exit(0);
    },
  );
}
