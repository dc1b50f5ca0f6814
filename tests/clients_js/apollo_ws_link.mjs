// Runs one operation with Apollo Client's GraphQLWsLink (graphql-ws over the `ws` package) and reports
// each event as one JSON line on stdout: {"event":"next","data":…,"error":…}, {"event":"error",…},
// {"event":"complete"}. A subscription document is subscribed to; a query is run once.
// Usage: node apollo_ws_link.mjs WS_URL DOCUMENT_FILE VARIABLES_JSON [TOKEN]
import { readFileSync } from "node:fs";
import { ApolloClient, InMemoryCache, gql } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, documentFile, variablesJson, token] = process.argv.slice(2);
const emit = (event) => process.stdout.write(JSON.stringify(event) + "\n");

function describe(error) {
  return {
    name: error?.name ?? null,
    message: error?.message ?? String(error),
    codes: (error?.errors ?? []).map((e) => e.extensions?.code ?? null),
  };
}

function finish(event) {
  emit(event);
  process.exit(0);
}

const client = new ApolloClient({
  link: new GraphQLWsLink(
    createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0, // report a refused or dropped socket instead of reconnecting
    }),
  ),
  cache: new InMemoryCache(),
});

const query = gql(readFileSync(documentFile, "utf8"));
const variables = JSON.parse(variablesJson);
const definition = getMainDefinition(query);

if (definition.kind === "OperationDefinition" && definition.operation === "subscription") {
  client.subscribe({ query, variables, fetchPolicy: "no-cache" }).subscribe({
    next: (result) => emit({ event: "next", data: result.data ?? null, error: result.error ? describe(result.error) : null }),
    error: (error) => finish({ event: "error", error: describe(error) }),
    complete: () => finish({ event: "complete" }),
  });
} else {
  client.query({ query, variables, fetchPolicy: "no-cache", errorPolicy: "all" }).then(
    (result) => {
      emit({ event: "next", data: result.data ?? null, error: result.error ? describe(result.error) : null });
      finish({ event: "complete" });
    },
    (error) => finish({ event: "error", error: describe(error) }),
  );
}
