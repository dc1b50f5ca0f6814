// Starts GraphiQL (the vendored bundles loaded before this file: window.React, ReactDOM, GraphiQL) on
// this page's own /graphql, over HTTP for queries and mutations and graphql-transport-ws for
// subscriptions. `?q=` and `?variables=` in the URL carry the editors' text, so a link shares them.
(function () {
  "use strict";

  const DEFAULT_QUERY = [
    "# TheSet's GraphQL API. Run with Ctrl-Enter or the play button; the docs are on the left.",
    "# Signed-in operations: sign up or in, then add {\"Authorization\": \"Bearer <token>\"} under Headers.",
    "{",
    "  shows(first: 5) {",
    "    nodes { id name localDate venue { name city } }",
    "  }",
    "}",
    "",
  ].join("\n");

  const endpoint = window.location.origin + window.location.pathname;
  const parameters = new URLSearchParams(window.location.search);

  function remember(name, value) {
    if (value) parameters.set(name, value);
    else parameters.delete(name);
    const search = parameters.toString();
    window.history.replaceState(null, "", search ? "?" + search : window.location.pathname);
  }

  const fetcher = window.GraphiQL.createFetcher({
    url: endpoint,
    subscriptionUrl: endpoint.replace(/^http/, "ws"),
  });

  const root = window.ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    window.React.createElement(window.GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      query: parameters.get("q") || undefined,
      variables: parameters.get("variables") || undefined,
      onEditQuery: function (query) { remember("q", query); },
      onEditVariables: function (variables) { remember("variables", variables); },
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      inputValueDeprecation: true,
    }),
  );
})();
