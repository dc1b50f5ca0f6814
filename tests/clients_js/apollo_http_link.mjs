// Subscribes with Apollo Client's HttpLink (multipart subscriptions over HTTP) and reports each
// event as one JSON line on stdout: {"event":"next","data":…}, {"event":"error",…}, {"event":"complete"}.
// Usage: node apollo_http_link.mjs URL DOCUMENT_FILE VARIABLES_JSON [TOKEN]
import { readFileSync } from "node:fs";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";

const [url, documentFile, variablesJson, token] = process.argv.slice(2);
const emit = (event) => process.stdout.write(JSON.stringify(event) + "\n");

function describe(error) {
  return {
    name: error?.name ?? null,
    message: error?.message ?? String(error),
    statusCode: error?.statusCode ?? null,
    codes: (error?.errors ?? []).map((e) => e.extensions?.code ?? null),
    body: error?.bodyText ?? null,
  };
}

const client = new ApolloClient({
  link: new HttpLink({ uri: url, headers: token ? { authorization: `Bearer ${token}` } : {} }),
  cache: new InMemoryCache(),
});

client
  .subscribe({ query: gql(readFileSync(documentFile, "utf8")), variables: JSON.parse(variablesJson), fetchPolicy: "no-cache" })
  .subscribe({
    next: (result) => emit({ event: "next", data: result.data ?? null, error: result.error ? describe(result.error) : null }),
    error: (error) => {
      emit({ event: "error", error: describe(error) });
      process.exit(0);
    },
    complete: () => {
      emit({ event: "complete" });
      process.exit(0);
    },
  });
