// Apollo Client's own PersistedQueryLink (unmodified) against a running TheSet: node apq.mjs <graphql url> <query file> <variables json>
// Runs the query with two fresh clients (each with an empty cache) and prints one JSON line: the
// answers and every HTTP request the link made (method, whether it carried the document, status).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [url, queryFile, variablesJson] = process.argv.slice(2);
const query = gql(readFileSync(queryFile, "utf8"));
const variables = JSON.parse(variablesJson);
const requests = [];

async function recordingFetch(input, init) {
  const method = (init && init.method) || "GET";
  const target = String(input);
  const carriesDocument = method === "GET" ? new URL(target).searchParams.has("query") : JSON.parse(init.body).query !== undefined;
  const response = await fetch(input, init);
  requests.push({ method, carriesDocument, status: response.status });
  return response;
}

function client() {
  const persisted = new PersistedQueryLink({
    sha256: (text) => createHash("sha256").update(text).digest("hex"),
    useGETForHashedQueries: true,
  });
  return new ApolloClient({ link: persisted.concat(new HttpLink({ uri: url, fetch: recordingFetch })), cache: new InMemoryCache() });
}

const answers = [];
for (let run = 0; run < 2; run++) {
  const result = await client().query({ query, variables, fetchPolicy: "network-only" });
  answers.push(result.data);
}
console.log(JSON.stringify({ answers, requests }));
