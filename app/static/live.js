// The live setlist page: the setlist over HTTP, then live vote counts over graphql-transport-ws.
// No build step: plain browser JavaScript, run after the vendored graphql-ws client (window.graphqlWs).
// The two documents below are copies of graphql/ShowPageWithSetlist.graphql and
// graphql/VoteCounts.graphql (a test checks that they stay identical).
"use strict";

(function () {
  const SHOW_PAGE_WITH_SETLIST = `
# A show's page with its setlist: created on the first visit (from the tour or Spotify: seededFrom),
# songs by votes, the viewer's votes; how predictable the headliner's shows are.
query ShowPageWithSetlist($id: ID!) {
  show(id: $id) {
    id
    name
    startsAt
    localDate
    status
    artist { id name imageUrl predictability }
    venue { id name city }
    lineup { id name spotifyId }
    setlist {
      id
      viewerVotesLeft
      seededFrom
      songs {
        id
        votes
        suggested
        position
        viewerHasVoted
        song { id spotifyId name albumName durationMs previewUrl }
      }
    }
  }
}
`;

  const VOTE_COUNTS = `
# Live vote counts of a setlist: a snapshot first, then the songs each change touched; PLAYED (with the
# community's score) when what was played is imported or re-imported.
subscription VoteCounts($setlistId: ID!) {
  voteCounts(setlistId: $setlistId) {
    setlistId
    sequence
    kind
    songs { setlistSongId votes }
    score { predicted played hits precision recall f1 rankCorrelation }
  }
}
`;

  const HIGHLIGHT_MS = 1500;

  const root = document.getElementById("live");
  const rows = new Map(); // setlistSongId -> <tr>
  let snapshots = 0;

  function setState(state, text) {
    root.dataset.state = state;
    root.setAttribute("aria-busy", String(state === "loading"));
    document.getElementById("live-status").textContent = text;
  }

  function fail(text) {
    const message = document.getElementById("message");
    message.textContent = text;
    message.hidden = false;
    setState("error", "Not live.");
  }

  function showIdFromPath() {
    const parts = window.location.pathname.split("/").filter(Boolean);
    return decodeURIComponent(parts[parts.length - 1] || "");
  }

  async function fetchShow(id) {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: JSON.stringify({ query: SHOW_PAGE_WITH_SETLIST, variables: { id: id } }),
      credentials: "same-origin",
    });
    const body = await response.json();
    if (body.errors && body.errors.length) {
      throw new Error(body.errors.map(function (error) { return error.message; }).join("; "));
    }
    return body.data.show;
  }

  function cell(tag, text, className) {
    const element = document.createElement(tag);
    element.textContent = text;
    if (className) element.className = className;
    return element;
  }

  function renderShow(show) {
    document.getElementById("show-name").textContent = show.name;
    document.title = show.name + " · live setlist · TheSet";
    const details = [show.artist && show.artist.name, show.venue && show.venue.name + ", " + show.venue.city, show.localDate];
    document.getElementById("show-details").textContent = details.filter(Boolean).join(" · ");
    const body = document.getElementById("songs");
    body.replaceChildren();
    rows.clear();
    show.setlist.songs.forEach(function (entry, index) {
      const row = document.createElement("tr");
      row.dataset.setlistSongId = entry.id;
      const name = cell("th", entry.song.name);
      name.scope = "row";
      const votes = cell("td", String(entry.votes), "votes");
      votes.dataset.votes = String(entry.votes);
      row.append(cell("td", String(index + 1)), name, votes);
      body.append(row);
      rows.set(entry.id, row);
    });
    document.getElementById("setlist").hidden = false;
  }

  function highlight(row) {
    row.classList.remove("changed");
    void row.offsetWidth; // restart the animation when the same row changes again
    row.classList.add("changed");
    clearTimeout(row._highlightTimer);
    row._highlightTimer = setTimeout(function () { row.classList.remove("changed"); }, HIGHLIGHT_MS);
  }

  function setVotes(setlistSongId, votes) {
    const row = rows.get(setlistSongId);
    if (!row) return; // a song suggested after the page loaded: shown on the next reload
    const votesCell = row.querySelector("td.votes");
    if (votesCell.dataset.votes === String(votes)) return;
    votesCell.dataset.votes = String(votes);
    votesCell.textContent = String(votes);
    highlight(row);
  }

  function onEvent(event) {
    const sequence = document.getElementById("sequence");
    sequence.textContent = String(event.sequence);
    root.dataset.sequence = String(event.sequence);
    const note = document.getElementById("resync-note");
    if (event.kind === "SNAPSHOT") {
      snapshots += 1;
      root.dataset.snapshots = String(snapshots);
      note.hidden = false;
    } else {
      note.hidden = true;
    }
    event.songs.forEach(function (song) { setVotes(song.setlistSongId, song.votes); });
    setState("live", event.kind === "SNAPSHOT" ? "Live (resynced at sequence " + event.sequence + ")." : "Live.");
  }

  // graphql-ws reports an Error, a CloseEvent, or a list of GraphQL errors.
  function describe(error) {
    if (Array.isArray(error)) return error.map(function (item) { return item.message; }).join("; ");
    if (error && error.message) return error.message;
    if (error && error.code) return "connection closed (" + error.code + (error.reason ? ": " + error.reason : "") + ")";
    return "connection error";
  }

  function subscribe(setlistId) {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const client = window.graphqlWs.createClient({
      url: scheme + "//" + window.location.host + "/graphql",
      retryAttempts: Infinity,
      shouldRetry: function () { return true; },
      on: {
        connected: function () { if (root.dataset.state !== "loading") setState("live", "Live."); },
        closed: function () { if (root.dataset.state === "live") setState("reconnecting", "Reconnecting…"); },
      },
    });
    client.subscribe(
      { query: VOTE_COUNTS, variables: { setlistId: setlistId } },
      {
        next: function (result) {
          if (result.errors && result.errors.length) {
            fail(result.errors.map(function (error) { return error.message; }).join("; "));
          } else if (result.data && result.data.voteCounts) {
            onEvent(result.data.voteCounts);
          }
        },
        error: function (error) { fail("Live updates stopped: " + describe(error)); },
        complete: function () { setState("ended", "Live updates ended."); },
      },
    );
    window.addEventListener("pagehide", function () { client.dispose(); });
  }

  async function start() {
    const id = showIdFromPath();
    let show;
    try {
      show = await fetchShow(id);
    } catch (error) {
      fail("Could not load the show: " + error.message);
      return;
    }
    if (!show) {
      fail("No such show.");
      return;
    }
    if (!show.setlist) {
      fail("This show has no setlist.");
      return;
    }
    renderShow(show);
    setState("connecting", "Connecting…");
    subscribe(show.setlist.id);
  }

  start();
})();
